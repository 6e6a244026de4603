"""One task's value added to a call is no rule, whatever the error says (attacker's pass, round two).

A value the agent adds to a failed call belongs to that task: the miner already waited for two
episodes that agree before it learned an added value as a constant, but only when the error was
classified as a missing argument. Under any other wording ("Error: instructions is required",
"request rejected"), one customer's correction was enough: the agent added
``instructions: "Leave with Alice Moreau, gate code Zeta"`` once, the RuleMiner learned
``set instructions = ...`` and 6 of the next 10 other customers' orders carried that customer's
name and gate code. Now an added value shaped like one record's data (`is_instance_value`: free
text, an id, a phone, an address) must be confirmed in two episodes under every error wording; so,
since 2026-12-07, must a plain flag or a closed-set word added for a left-out argument (one task's
``visit_type: "telehealth"`` is a choice among the declared values, not a constant).
"""

from __future__ import annotations

from typing import Any

import pytest

from skillevo import Evolver, SkillLibrary


def _ship(evo: Evolver, args: dict[str, Any], error: str | None, fix: dict[str, Any] | None = None) -> dict[str, Any]:
    with evo.episode(task="ship the order") as ep:
        sent = ep.before_tool("ship", dict(args))
        if error is None:
            ep.on_tool_result("ship", sent, {"ok": True})
        else:
            ep.on_tool_error("ship", sent, ValueError(error))
            if fix is not None:
                again = ep.before_tool("ship", dict(fix))
                ep.on_tool_result("ship", again, {"ok": True})
        ep.finish(reward=1.0)
    return sent


def _constants(lib: SkillLibrary) -> list[Any]:
    return [
        op.value
        for skill in lib.skills()
        for v in skill.versions
        if v.strategy.repair is not None
        for op in v.strategy.repair.ops
        if op.op == "set"
    ]


ERRORS = ["Error: instructions is required", "request rejected", "ValidationError: order could not be shipped"]
ONE_TASK = {
    "free text naming a customer": ("instructions", "Leave with Alice Moreau, gate code Zeta"),
    "an order's number": ("reference", "W6067464"),
    "a phone number": ("callback", "+1 415 555 0100"),
}


@pytest.mark.parametrize("error", ERRORS)
@pytest.mark.parametrize("name", sorted(ONE_TASK))
def test_one_tasks_added_value_is_never_sent_for_another(error: str, name: str) -> None:
    arg, value = ONE_TASK[name]
    lib = SkillLibrary(":memory:")
    evo = Evolver(lib, seed=0, mining="inline")
    _ship(evo, {"order": "W100"}, error, fix={"order": "W100", arg: value})
    assert value not in _constants(lib)
    sent = [_ship(evo, {"order": f"W{200 + i}"}, None) for i in range(10)]
    assert all(arg not in args for args in sent), sent


def test_control_a_plain_flag_two_tasks_add_alike_is_learned_and_one_task_is_not_enough() -> None:
    lib = SkillLibrary(":memory:")
    evo = Evolver(lib, seed=0, mining="inline")
    _ship(evo, {"order": "W100"}, "request rejected", fix={"order": "W100", "signature_required": "no"})
    assert "no" not in _constants(lib)
    _ship(evo, {"order": "W101"}, "request rejected", fix={"order": "W101", "signature_required": "no"})
    assert "no" in _constants(lib)


def test_control_free_text_two_tasks_agree_on_is_learned() -> None:
    lib = SkillLibrary(":memory:")
    evo = Evolver(lib, seed=0, mining="inline")
    for order in ("W100", "W101"):
        _ship(evo, {"order": order}, "request rejected", fix={"order": order, "reason": "customer request"})
    assert "customer request" in _constants(lib)
