"""An identifier's format code added by a repair names no person (`_customer_keys.writes_person`).

A model that writes a customer's id without its code (``00412345`` for ``CUS-00412345``) and then
corrects itself teaches an ``add_prefix "CUS-"``. The key holds a person's identity (`customer_id`),
and a name glued onto such a value is refused (attack10); but a code of at most three capitals with
its separator is the id's format, the same for every customer, so the rule is learned and applied
before the call fails. A word (a name) glued onto an id, or any letters onto a name's field, stay refused.
"""

from __future__ import annotations

import random

from skillevo import Evolver
from skillevo._customer_keys import writes_person
from skillevo.testing import memory_library


class _Unknown(Exception):
    pass


def _lookup(args: dict[str, str]) -> str:
    value = args["customer_id"]
    if not value.startswith("CUS-"):
        raise _Unknown(f"Customer {value} unknown")
    return "found"


def _episode(evo: Evolver, good: str, sent: str) -> int:
    failed = 0
    with evo.episode(task="look the customer up") as ep:
        args = ep.before_tool("find_customer", {"customer_id": sent})
        try:
            ep.on_tool_result("find_customer", args, _lookup(args))
        except _Unknown as exc:
            failed += 1
            retry = ep.on_tool_error("find_customer", args, exc)
            fixed = retry if retry is not None else {"customer_id": good}
            ep.on_tool_result("find_customer", fixed, _lookup(fixed))
        ep.finish(reward=1.0)
    return failed


def test_an_ids_code_added_by_the_agents_corrections_becomes_a_repair() -> None:
    rng = random.Random(3)
    evo = Evolver(memory_library(), seed=0, mining="inline")
    failed = []
    for _ in range(24):
        good = f"CUS-{rng.randrange(10**8):08d}"
        failed.append(_episode(evo, good, good[4:]))
    assert sum(failed[-12:]) == 0, failed


def test_a_code_on_an_identity_key_is_no_person() -> None:
    assert not writes_person([{"op": "add_prefix", "arg": "customer_id", "text": "CUS-"}])
    assert not writes_person([{"op": "add_suffix", "arg": "account_number", "text": "-GB"}])


def test_words_and_name_fields_stay_refused() -> None:
    assert writes_person([{"op": "add_prefix", "arg": "customer_id", "text": "Mallory-"}])
    assert writes_person([{"op": "add_prefix", "arg": "account_id", "text": "ACCOUNT-"}])
    assert writes_person([{"op": "add_prefix", "arg": "payee", "text": "MR "}])
    assert writes_person([{"op": "add_prefix", "arg": "passenger_name", "text": "DR "}])
