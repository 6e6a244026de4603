"""A pre-emptive repair whose call then fails on an error naming an argument the repair itself
wrote (a rename's new name, a changed value) caused that failure, whatever class the error is: it
is charged, and the model's re-sent call goes through as the model wrote it. Before, such an error
of another class than the skill's trigger was set aside, and a stale rename was applied to every
re-send of the call until the task failed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from skillevo import NULL_ARM, Evolver, SkillLibrary
from skillevo._models import ArgCondition, ChangeCase, RenameArg, Repair, Strategy, Trigger, TriggerKind


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def _evolver(lib: SkillLibrary) -> Evolver:
    return Evolver(lib, seed=0, null_arm=False, cache_ttl_s=float("inf"), mining="inline", miner=None)


def _stale_rename(evo: Evolver) -> str:
    """A rename learned from "missing argument" errors, before the API renamed it back."""
    version = evo.lifecycle.store.add_skill(
        "report-rename-start",
        Trigger(kind=TriggerKind.TOOL_ERROR, tool="report", error_type="missing_arg"),
        Strategy(
            repair=Repair(
                ops=[RenameArg(arg="start", to="begin")], precondition=[ArgCondition(arg="start", present=True)]
            )
        ),
    )
    evo.lifecycle.start(version.id)
    evo.invalidate()
    return version.id


def _report(**args: Any) -> Any:
    """An API that checks parameter names first and reports the first unknown one alone."""
    unknown = next((k for k in args if k not in {"start", "days"}), None)
    if unknown is not None:
        return f"Error: 400 Bad Request: report received unknown parameter '{unknown}'"
    return {"rows": 3}


def _counts(evo: Evolver, key: str, arm: str) -> tuple[float, float]:
    a, b = evo.selector.posterior(key, arm)
    return a - 1.0, b - 1.0


def test_an_error_naming_the_argument_a_repair_wrote_is_charged_and_the_resend_goes_as_written(
    lib: SkillLibrary,
) -> None:
    evo = _evolver(lib)
    version = _stale_rename(evo)
    call = {"start": "2031-07-19", "days": 7}
    with evo.episode(task="t") as ep:
        sent = ep.before_tool("report", call)
        assert sent == {"begin": "2031-07-19", "days": 7}
        assert ep.on_tool_result("report", sent, _report(**sent))  # names `begin`: the rename's own edit
        again = ep.before_tool("report", call)  # the model sends its call again
        assert again == call
        assert not ep.on_tool_result("report", again, _report(**again))
        ep.finish(reward=1.0)
    assert _counts(evo, "report-rename-start", version) == (0.0, 1.0)
    assert _counts(evo, "report-rename-start", NULL_ARM) == (0.0, 0.0)


def test_an_error_of_another_class_naming_other_arguments_is_still_set_aside(lib: SkillLibrary) -> None:
    evo = _evolver(lib)
    version = _stale_rename(evo)
    call = {"start": "2031-07-19", "days": 7, "extra": 1}
    with evo.episode(task="t") as ep:
        sent = ep.before_tool("report", {k: v for k, v in call.items() if k != "extra"} | {"extra": 1})
        assert "begin" in sent
        # An error about an argument the repair did not touch: not its doing.
        assert ep.on_tool_result("report", sent, "Error: 400 Bad Request: report received unknown parameter 'extra'")
        ep.finish(reward=0.0)
    assert _counts(evo, "report-rename-start", version) == (0.0, 0.0)


def test_the_retry_after_a_backfired_edit_is_the_call_as_the_model_wrote_it(lib: SkillLibrary) -> None:
    evo = _evolver(lib)
    version = _stale_rename(evo)
    call = {"start": "2031-07-19", "days": 7}
    with evo.episode(task="t") as ep:
        sent = ep.before_tool("report", call)
        assert sent != call
        error = _report(**sent)
        # Undone at once, before the model sees the error its own call never caused.
        retry = ep.on_tool_error("report", sent, error)
        assert retry == call
        assert not ep.on_tool_result("report", retry, _report(**retry))
        ep.finish(reward=1.0)
    assert _counts(evo, "report-rename-start", version) == (0.0, 1.0)


def test_the_undo_keeps_the_other_repairs_of_the_call(lib: SkillLibrary) -> None:
    evo = _evolver(lib)
    _stale_rename(evo)
    upper = evo.lifecycle.store.add_skill(
        "report-upper-unit",
        Trigger(kind=TriggerKind.BEFORE_TOOL, tool="report"),
        Strategy(
            repair=Repair(
                ops=[ChangeCase(arg="unit", to="upper")], precondition=[ArgCondition(arg="unit", regex="[a-z]+")]
            )
        ),
    )
    evo.lifecycle.start(upper.id)
    evo.invalidate()
    call = {"start": "2031-07-19", "unit": "kg"}
    with evo.episode(task="t") as ep:
        sent = ep.before_tool("report", call)
        assert sent == {"begin": "2031-07-19", "unit": "KG"}
        retry = ep.on_tool_error("report", sent, "Error: 400 Bad Request: report received unknown parameter 'begin'")
        assert retry == {"start": "2031-07-19", "unit": "KG"}
        assert not ep.on_tool_result("report", retry, {"rows": 1})
        ep.finish(reward=1.0)
    assert _counts(evo, "report-upper-unit", upper.id) == (1.0, 0.0)


def test_no_undo_when_the_error_is_not_about_the_edit(lib: SkillLibrary) -> None:
    evo = _evolver(lib)
    _stale_rename(evo)
    with evo.episode(task="t") as ep:
        sent = ep.before_tool("report", {"start": "2031-07-19", "extra": 1})
        assert (
            ep.on_tool_error("report", sent, "Error: 400 Bad Request: report received unknown parameter 'extra'")
            is None
        )
        ep.finish(reward=0.0)
