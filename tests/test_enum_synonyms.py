"""One synonym of a declared enum member, proven by corrections of two tasks, is learned.

A value map needs two different wrong values, so an agent that writes one member one other way
(``"text"`` for the declared ``sms``) paid the failure every time. Where the tool's schema declares the
closed set, one entry cannot collide: its source is refused by the tool, its target a member.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from skillevo import Evolver, SkillLibrary


class Remind(BaseModel):
    model_config = ConfigDict(strict=True)
    ref: str
    channel: Literal["sms", "email", "voice"]


def _run(args: dict[str, Any]) -> Any:
    try:
        return {"ok": Remind.model_validate(args).model_dump()}
    except ValidationError:
        return "Error: invalid request"  # says nothing of the allowed values


def _episode(evo: Evolver, n: int, sent: str, meant: str) -> tuple[bool, Any]:
    """(first call succeeded, the value the tool accepted)."""
    with evo.episode(task=f"remind {n}") as ep:
        args = {"ref": f"r{n}", "channel": sent}
        for attempt in range(3):
            call = ep.before_tool("remind", dict(args))
            if not ep.on_tool_result("remind", call, _run(call)):
                ep.finish(reward=1.0)
                return attempt == 0, call["channel"]
            ep.on_tool_error("remind", call, _run(call))
            args = {"ref": f"r{n}", "channel": meant}
        ep.finish(reward=0.0)
        return False, None


def _evolver() -> Evolver:
    evo = Evolver(SkillLibrary(":memory:"), seed=0, cache_ttl_s=float("inf"), mining="inline")
    evo.register_tools({"remind": Remind.model_json_schema()})
    return evo


def test_a_synonym_two_tasks_corrected_alike_is_repaired_before_the_call() -> None:
    evo = _evolver()
    _episode(evo, 0, "text", "sms")
    _episode(evo, 1, "text", "sms")
    firsts = [_episode(evo, n, "text", "sms") for n in range(2, 8)]
    assert sum(ok for ok, _ in firsts) >= 4
    assert all(value == "sms" for _, value in firsts)
    # A member sent as it is, and another wrong value, are left alone.
    assert _episode(evo, 20, "email", "email") == (True, "email")
    assert _episode(evo, 21, "fax", "voice")[0] is False


def test_one_correction_or_corrections_that_disagree_prove_no_synonym() -> None:
    evo = _evolver()
    _episode(evo, 0, "text", "sms")
    assert _episode(evo, 1, "text", "sms")[0] is False  # one task's correction: no rule yet
    other = _evolver()
    _episode(other, 0, "phone", "voice")
    _episode(other, 1, "phone", "sms")
    _episode(other, 2, "phone", "voice")
    assert not [s for s in other.store.skills() if "synonym" in s.name]
