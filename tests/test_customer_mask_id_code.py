"""A customer id's format code survives its pseudonym, so the code a repair adds is the real one.

`customer_id`, `account_number` and `passport_number` hold a person's identity, so their values are
written out as pseudonyms (`skillevo._customer_mask`, privacy8). The code an agent's corrections add
to such an id (``00412345`` -> ``CUS-00412345``) is the id's format, the same for every customer
(`_customer_keys.writes_person` lets it through); before 2026-12-08 the pseudonym hid it too
(``XXX-99999999``), so the miner learned ``add_prefix "XXX-"`` from the stored pseudonyms and sent
``XXX-73770246`` on every later call (tests/test_id_format_code_affix.py failed on main). An id's code of
at most three capitals is now kept like a phone's country code; a name's letters are still hidden.
"""

from __future__ import annotations

import random

from skillevo import Evolver
from skillevo._customer_mask import mask_customers, pseudonym
from skillevo.testing import memory_library


def test_an_ids_code_is_kept_and_its_digits_hidden() -> None:
    assert pseudonym("CUS-00412345") == "CUS-00999999"
    assert pseudonym("4471-GB") == "9999-GB"
    assert pseudonym("AC1234567") == "AC9999999"
    assert mask_customers({"customer_id": "CUS-00412345"}) == {"customer_id": "CUS-00999999"}
    assert pseudonym(pseudonym("CUS-00412345")) == "CUS-00999999"  # masked twice: the same


def test_letters_that_are_no_ids_code_stay_hidden() -> None:
    assert pseudonym("JO-ANN") == "XX-XXX"  # no digits: a name, not an id
    assert pseudonym("Jane.Roe@Example.org") == "Xxxx.Xxx@Xxxxxxx.xxx"
    assert pseudonym("AB12@x.org") == "XX99@x.xxx"  # an address, not an id
    assert pseudonym("GB29NWBK60161331926819") == "XX99XXXX90999999999999"  # letters inside: all hidden


def test_the_code_an_accepting_tool_was_given_is_the_ids_own() -> None:
    # A tool that accepts whatever code it is sent (a search by prefix): only the value sent shows it.
    rng = random.Random(3)
    evo = Evolver(memory_library(), seed=0, mining="inline")
    sent: list[str] = []
    for _ in range(24):
        good = f"CUS-{rng.randrange(10**8):08d}"
        with evo.episode(task="look the customer up") as ep:
            args = ep.before_tool("find_customer", {"customer_id": good[4:]})
            sent.append(args["customer_id"])
            if "-" not in args["customer_id"]:
                ep.on_tool_error("find_customer", args, ValueError(f"Customer {args['customer_id']} unknown"))
                args = {"customer_id": good}
            ep.on_tool_result("find_customer", args, "found")
            ep.finish(reward=1.0)
    coded = [s for s in sent if "-" in s]
    assert coded, sent  # the code was learned and applied before the call
    assert all(s.startswith("CUS-") for s in coded), coded
