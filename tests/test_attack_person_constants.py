"""A repair never writes one person's value into another customer's call (attacker's pass, round two).

Before this fix, an agent that corrected a failed ``pay`` call by adding ``payee: "Alice Moreau"``
taught the rule miner a constant: ``set payee = "Alice Moreau"`` whenever ``payee`` is missing. The
address check let it through (a name is no e-mail, URL or account number), so the version went
live and pre-emptively wrote Alice Moreau as the payee of every later customer's payment that left
it out; a value map learned on a person's field (``recipient: "Jon Smyth" -> "Jon Smith"``) stored
customers' names in the library, its reports and its exports. A constant written into a field that
holds a person (`is_personal_key`: payee, recipient, holder_name, billing.recipient_id ...) is one
customer's record, never a rule: such a repair is refused like one that writes an address.
"""

from __future__ import annotations

from typing import Any

import pytest

from skillevo import Evolver, SkillLibrary
from skillevo._mining import Proposal, check_proposal
from skillevo._models import Repair, Strategy, Trigger, TriggerKind

NAME = "Alice Moreau"


def _pay(evo: Evolver, args: dict[str, Any], error: str | None, fix: dict[str, Any] | None = None) -> dict[str, Any]:
    """One episode of a ``pay`` call; the arguments the tool got."""
    with evo.episode(task="pay the invoice") as ep:
        sent = ep.before_tool("pay", dict(args))
        if error is None:
            ep.on_tool_result("pay", sent, {"ok": True})
        else:
            ep.on_tool_error("pay", sent, ValueError(error))
            if fix is not None:
                again = ep.before_tool("pay", dict(fix))
                ep.on_tool_result("pay", again, {"ok": True})
        ep.finish(reward=1.0)
    return sent


def _stored_texts(lib: SkillLibrary) -> str:
    return " ".join(
        v.strategy.model_dump_json() for skill in lib.skills() for v in skill.versions
    )


def test_a_payee_one_customer_was_corrected_to_is_never_sent_for_another() -> None:
    lib = SkillLibrary(":memory:")
    evo = Evolver(lib, seed=0, mining="inline")
    for i in range(3):
        bad = {"invoice": f"W{100 + i}", "amount": 10}
        _pay(evo, bad, "Error: payee is required", fix={**bad, "payee": NAME})
    sent = [_pay(evo, {"invoice": "W999", "amount": 5000}, None) for _ in range(20)]
    assert all("payee" not in args for args in sent), sent[-1]
    assert NAME not in _stored_texts(lib)
    reasons = [e.data.get("reason", "") for e in lib.events(kind="proposal_rejected")]
    assert any("person" in r for r in reasons), reasons


def test_a_value_map_of_names_is_not_stored() -> None:
    lib = SkillLibrary(":memory:")
    evo = Evolver(lib, seed=0, mining="inline")
    for i, (bad, good) in enumerate([("Jon Smyth", "Jon Smith"), ("Ann Lee", "Anne Lee"), ("Bo Dean", "Bo Deane")]):
        args = {"invoice": f"W{100 + i}", "recipient": bad}
        _pay(evo, args, "Error: unknown recipient", fix={**args, "recipient": good})
    stored = _stored_texts(lib)
    assert not any(name in stored for name in ("Jon Smyth", "Jon Smith", "Anne Lee", "Bo Deane")), stored


def _verdict(ops: list[dict[str, Any]]) -> tuple[bool, str]:
    repair = Repair.model_validate({"ops": ops})
    proposal = Proposal(
        name="fix-pay", trigger=Trigger(kind=TriggerKind.TOOL_ERROR, tool="pay"), strategy=Strategy(repair=repair)
    )
    verdict = check_proposal(proposal, SkillLibrary(":memory:"))
    return verdict.ok, verdict.reason or ""


PERSON_CONSTANTS: dict[str, list[dict[str, Any]]] = {
    "a payee set": [{"op": "set", "arg": "payee", "value": NAME}],
    "a recipient's id set": [{"op": "set", "arg": "recipient_id", "value": 4821}],
    "a nested holder's name": [{"op": "set", "arg": "card.holder_name", "value": NAME}],
    "a list element's passenger": [{"op": "set", "arg": "legs.*.passenger", "value": NAME}],
    "an object holding a beneficiary": [{"op": "set", "arg": "transfer", "value": {"beneficiary": NAME, "fee": 1}}],
    "a list of objects holding a recipient": [{"op": "set", "arg": "lines", "value": [{"recipient": NAME}]}],
    "a recipient mapped to another": [{"op": "map", "arg": "recipient", "mapping": {"Jon Smyth": "Jon Smith"}}],
    # attack10: a name glued onto the agent's own value is a person written into the field all the same
    "a name added before the payee": [{"op": "add_prefix", "arg": "payee", "text": "Mallory "}],
    "a name added after the recipient's": [{"op": "add_suffix", "arg": "recipient_name", "text": " and Mallory"}],
}


@pytest.mark.parametrize("name", sorted(PERSON_CONSTANTS))
def test_a_repair_writing_a_constant_into_a_persons_field_is_refused(name: str) -> None:
    ok, reason = _verdict(PERSON_CONSTANTS[name])
    assert not ok and "person" in reason, reason


HONEST: dict[str, list[dict[str, Any]]] = {
    "a currency": [{"op": "set", "arg": "currency", "value": "EUR"}],
    "a person's attribute from a closed set": [{"op": "set", "arg": "customer_tier", "value": "gold"}],
    "a person's field cleared": [{"op": "set", "arg": "payee", "value": None}],
    "a flag about a person's field": [{"op": "set", "arg": "email_verified", "value": False}],
    "a person's field upper-cased": [{"op": "case", "arg": "recipient", "to": "upper"}],
    "a phone's country sign": [{"op": "add_prefix", "arg": "phone", "text": "+"}],
    "an object without a person": [{"op": "set", "arg": "transfer", "value": {"fee": 1, "speed": "fast"}}],
}


@pytest.mark.parametrize("name", sorted(HONEST))
def test_control_constants_that_hold_no_person_pass(name: str) -> None:
    ok, reason = _verdict(HONEST[name])
    assert ok or "person" not in reason, reason
