"""A repair mined from masked events never writes a pseudonym into a real call (attack40).

The library keeps a customer's contact details as pseudonyms of their shape (privacy8). An agent that
sends a mailbox without its domain (``login="olu"``) and corrects itself (``"olu@mail.ng"``) was
recorded as ``"olu"`` then ``"xxx@xxxx.xx"``: the miner learned ``add_suffix "@xxxx.xx"`` and wrote
it into the next customer's real call (``"ada@xxxx.xx"``), a wrong live value. A constant holding a
contact detail (or a mailbox's domain) is one customer's, and read from the library a pseudonym: no
repair writes one (`_customer_keys.writes_person`), on any key.
"""

from __future__ import annotations

from skillevo import Evolver
from skillevo._customer_keys import writes_person
from skillevo.testing import memory_library

_NAMES = ("olu", "ada", "chen", "mia", "ivan", "lea", "omar", "zoe", "raj", "kim", "eva", "sam")


class _NoMailbox(Exception):
    pass


def _login(args: dict[str, str]) -> str:
    if "@" not in args["login"]:
        raise _NoMailbox(f"login {args['login']} is not a mailbox")
    return "ok"


def test_no_repair_writes_a_masked_mail_domain_into_a_real_call() -> None:
    evo = Evolver(memory_library(), seed=0, mining="inline")
    sent_live: list[str] = []
    for i in range(24):
        user = _NAMES[i % len(_NAMES)]
        with evo.episode(task="sign the user in") as ep:
            args = ep.before_tool("sign_in", {"login": user})
            sent_live.append(args["login"])
            try:
                ep.on_tool_result("sign_in", args, _login(args))
            except _NoMailbox as exc:
                ep.on_tool_error("sign_in", args, exc)
                fixed = {"login": f"{user}@mail.ng"}
                ep.on_tool_result("sign_in", ep.before_tool("sign_in", fixed), _login(fixed))
            ep.finish(reward=1.0)
    wrong = [v for v in sent_live if "@" in v and not v.endswith("@mail.ng")]
    assert not wrong, wrong


def test_a_contact_constant_is_a_persons_on_any_key() -> None:
    assert writes_person([{"op": "set", "arg": "to", "value": "xxxx.xxx@xxxxxxx.xxx"}])
    assert writes_person([{"op": "set", "arg": "callback", "value": "+1 999 999 9999"}])
    assert writes_person([{"op": "add_suffix", "arg": "login", "text": "@xxxx.xx"}])
    assert writes_person([{"op": "map", "arg": "route", "mapping": {"a": "xx@xxxx.xx"}}])
    # a code, a flag, a format on a plain key stay repairs
    assert not writes_person([{"op": "add_prefix", "arg": "order_id", "text": "#"}])
    assert not writes_person([{"op": "set", "arg": "notify", "value": True}])
    assert not writes_person([{"op": "set", "arg": "currency", "value": "EUR"}])
