"""An error naming the object that holds an argument does not name the argument.

An edit that throws away a value the model chose acts after an error only when that error names the
argument (`skillevo._discards`): "insufficient funds" is no reason to drop a dry-run switch. Before
this, a nested argument was named by its top-level name too: ``payment declined: insufficient
funds`` named ``payment.dry_run``, and the retry of a declined dry run dropped the switch (a real
transfer) whenever the stored ``drop payment.dry_run`` was chosen. Now only the argument's own name
(its path's last name, not a list index) names it; an error that says ``dry_run`` still does.
"""

from __future__ import annotations

from typing import Any

from skillevo import Evolver, Repair, SkillLibrary, Strategy, Trigger, TriggerKind, VersionStatus

CALLS = 12


def _retries(op: dict[str, Any], args: dict[str, Any], error: str) -> list[dict[str, Any]]:
    lib = SkillLibrary(":memory:")
    repair = Repair.model_validate({"ops": [op]})
    lib.add_skill(
        "stored", Trigger(kind=TriggerKind.TOOL_ERROR, tool="transfer"), Strategy(repair=repair),
        status=VersionStatus.ACTIVE,
    )  # fmt: skip
    evo = Evolver(lib, seed=3)
    out = []
    for _ in range(CALLS):
        with evo.episode(task="transfer") as ep:
            sent = ep.before_tool("transfer", dict(args))
            retry = ep.on_tool_error("transfer", sent, ValueError(error))
            if retry is not None:
                out.append(retry)
            ep.finish(reward=1.0)
    evo.flush()
    return out


NESTED = {"payment": {"amount": 5, "dry_run": True}}
LEGS = {"legs": [{"amount": 5, "dry_run": True}]}


def test_an_error_naming_the_holder_drops_no_member() -> None:
    dropped = [
        r for op, args, error in [
            ({"op": "drop", "arg": "payment.dry_run"}, NESTED, "payment declined: insufficient funds"),
            ({"op": "drop", "arg": "legs.*.dry_run"}, LEGS, "legs declined: insufficient funds"),
            ({"op": "set", "arg": "payment.dry_run", "value": False}, NESTED, "Payment failed: card expired"),
        ]
        for r in _retries(op, args, error)
    ]
    assert dropped == []


def test_control_an_error_naming_the_member_still_drops_it() -> None:
    retries = _retries({"op": "drop", "arg": "payment.dry_run"}, NESTED, "dry_run is not supported here")
    assert retries and all(r == {"payment": {"amount": 5}} for r in retries)
