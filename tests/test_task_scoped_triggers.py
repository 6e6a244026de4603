"""A tool-error skill scoped to some tasks (``task_pattern``) and to one kind of error (``error_type``
or ``pattern``): its guidance is added after that error in a matching task, and its repair is
applied pre-emptively in a matching task, as a skill without the task scope would be."""

from __future__ import annotations

from pathlib import Path

import pytest

from skillevo import Evolver, SkillLibrary
from skillevo._models import (
    ArgCondition,
    Repair,
    SetArg,
    Strategy,
    Trigger,
    TriggerKind,
    VersionStatus,
)


@pytest.fixture
def lib(tmp_path: Path) -> SkillLibrary:
    return SkillLibrary(tmp_path / "lib.db")


TIP = "When calling `book`: slow down between calls."


@pytest.mark.parametrize(
    "scope",
    [{"error_type": "rate_limit"}, {"error_type": "TimeoutError"}, {"pattern": "too many requests"}],
)
def test_guidance_of_a_task_scoped_error_skill_follows_its_error(lib: SkillLibrary, scope: dict[str, str]) -> None:
    trigger = Trigger(kind=TriggerKind.TOOL_ERROR, tool="book", task_pattern=r"\bflight\b", **scope)
    lib.add_skill("pace", trigger, Strategy(guidance=TIP), status=VersionStatus.ACTIVE)
    evo = Evolver(lib, miner=None, null_arm=False)
    error = TimeoutError("429 too many requests: rate limit exceeded")
    with evo.episode("book a flight to Oslo") as ep:
        assert ep.guidance() == ""  # the error has not happened yet
        ep.on_tool_error("book", {}, error)
        assert TIP in ep.guidance()
    with evo.episode("book a hotel in Oslo") as other:  # another task: the scope holds
        other.on_tool_error("book", {}, error)
        assert TIP not in other.guidance()
    with evo.episode("book a flight to Rome") as calm:  # another error: the trigger holds
        calm.on_tool_error("book", {}, ValueError("seat taken"))
        assert TIP not in calm.guidance()


def test_a_task_scoped_error_skill_repairs_before_the_call_in_its_tasks(lib: SkillLibrary) -> None:
    trigger = Trigger(kind=TriggerKind.TOOL_ERROR, tool="book", error_type="ValueError", task_pattern=r"\bflight\b")
    repair = Repair(ops=[SetArg(arg="cabin", value="economy")], precondition=[ArgCondition(arg="cabin", present=False)])
    lib.add_skill("cabin", trigger, Strategy(repair=repair), status=VersionStatus.ACTIVE)
    evo = Evolver(lib, miner=None, null_arm=False)
    with evo.episode("book a flight to Oslo") as ep:
        assert ep.before_tool("book", {"to": "OSL"}) == {"to": "OSL", "cabin": "economy"}
    with evo.episode("book a hotel in Oslo") as other:
        assert other.before_tool("book", {"to": "OSL"}) == {"to": "OSL"}
