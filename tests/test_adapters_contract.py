"""The adapter contract (`skillevo.adapters`), framework-free: what every adapter relies on."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Annotated, Any

import pytest
from pydantic import BaseModel

from skillevo import NULL_ARM, EventKind, Evolver, SkillLibrary, Strategy, Trigger, TriggerKind
from skillevo import VersionStatus as VS
from skillevo.adapters import (
    abort,
    acall_tool,
    call_tool,
    current_episode,
    finish_with,
    guidance_for,
    injected_params,
    score_reward,
    strip_injected,
    use_episode,
)


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def _repairing(lib: SkillLibrary) -> Evolver:
    lib.add_skill(
        "iso-date",
        Trigger(kind=TriggerKind.TOOL_ERROR, tool="book", pattern="YYYY-MM-DD"),
        Strategy(repair={"ops": [{"op": "set", "arg": "date", "value": "2025-03-04"}]}),  # type: ignore[arg-type]
        status=VS.ACTIVE,
    )
    evo = Evolver(lib, miner=None, seed=0)
    for _ in range(30):
        evo.selector.update("iso-date", "iso-date@1", 1.0)
        evo.selector.update("iso-date", NULL_ARM, 0.0)
    return evo


def book(args: dict[str, Any]) -> str:
    if args["date"] != "2025-03-04":
        raise ValueError("invalid date: expected format YYYY-MM-DD")
    return f"booked {args['city']} on {args['date']}"


def test_call_tool_repairs_and_retries_and_keeps_injected_values_out_of_the_record(lib: SkillLibrary) -> None:
    evo = _repairing(lib)
    seen: list[dict[str, Any]] = []

    def tool(args: dict[str, Any]) -> str:
        seen.append(args)
        return book(args)

    state = {"messages": ["a long history"]}
    ep = evo.episode(task="t")
    out = call_tool(ep, "book", {"date": "03/04/2025", "city": "Oslo", "state": state}, tool, injected={"state"})
    ep.finish(1.0)
    assert out == "booked Oslo on 2025-03-04"
    assert [a["state"] for a in seen] == [state, state]  # the tool got its injected value each time
    events = lib.events(episode_id=ep.id)
    recorded = [e.data.get("args") for e in events if e.kind in (EventKind.TOOL_CALL, EventKind.TOOL_ERROR)]
    assert recorded and all(set(a) == {"date", "city"} for a in recorded)
    (repair,) = [e for e in events if e.kind == EventKind.REPAIR]
    assert repair.data["after"] == {"date": "2025-03-04", "city": "Oslo"}


def test_the_tools_own_exception_propagates_or_becomes_the_adapters_result(lib: SkillLibrary) -> None:
    evo = Evolver(lib, miner=None)
    ep = evo.episode()
    args = {"date": "03/04/2025", "city": "Oslo"}
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        call_tool(ep, "book", args, book)
    assert call_tool(ep, "book", args, book, on_exception=lambda exc: f"error: {exc}").startswith("error:")

    class Interrupt(Exception):
        pass

    def interrupting(a: dict[str, Any]) -> str:
        raise Interrupt

    with pytest.raises(Interrupt):
        call_tool(ep, "book", args, interrupting, passthrough=(Interrupt,), on_exception=lambda exc: "caught")
    assert len(ep.events) and not any(e.tool == "book" and "Interrupt" in str(e.data) for e in ep.events)


def test_an_error_inside_skillevo_is_recorded_and_the_call_still_runs(lib: SkillLibrary, monkeypatch: Any) -> None:
    ep = Evolver(lib, miner=None).episode()

    def broken(*a: Any, **k: Any) -> Any:
        raise RuntimeError("store unreachable")

    monkeypatch.setattr(ep, "before_tool", broken)
    monkeypatch.setattr(ep, "on_tool_result", broken)
    monkeypatch.setattr(ep, "guidance", broken)
    assert call_tool(ep, "book", {"date": "2025-03-04", "city": "Oslo"}, book) == "booked Oslo on 2025-03-04"
    assert guidance_for(ep, ["book"]) == ""
    assert "store unreachable" in ep.episode.metadata["skillevo_error"]


def test_async_call_tool_repairs_too(lib: SkillLibrary) -> None:
    evo = _repairing(lib)

    async def tool(args: dict[str, Any]) -> str:
        return book(args)

    ep = evo.episode()
    out = asyncio.run(acall_tool(ep, "book", {"date": "03/04/2025", "city": "Oslo"}, tool))
    assert out == "booked Oslo on 2025-03-04"


@pytest.mark.parametrize("bad", [5, -0.1, "0.7", True, float("nan"), None, [1]])
def test_a_reward_must_be_a_real_number_in_0_1(lib: SkillLibrary, bad: Any) -> None:
    ep = Evolver(lib, miner=None).episode()
    value, error = score_reward(ep, lambda s: bad, {})
    assert value is None and error and ep.episode.metadata["reward_error"] == error
    finished = finish_with(ep, lambda s: bad, {})
    assert finished is not None and finished.reward is None and lib.count_episodes() == 1


def test_finish_with_a_raising_reward_or_a_failing_save_never_raises(lib: SkillLibrary, monkeypatch: Any) -> None:
    evo = Evolver(lib, miner=None)
    ep = evo.episode()
    assert finish_with(ep, lambda s: s["score"], {}) is not None
    assert lib.episode(ep.id).metadata["reward_error"] == "KeyError: 'score'"
    other = evo.episode()

    def disk_full(*a: Any, **k: Any) -> Any:
        raise OSError("disk full")

    monkeypatch.setattr(other, "finish", disk_full)
    assert finish_with(other, lambda s: 1.0, {}) is None
    assert "disk full" in other.episode.metadata["skillevo_error"]


def test_abort_records_a_failed_run_with_reward_0_and_a_stopped_one_without_a_reward(lib: SkillLibrary) -> None:
    evo = Evolver(lib, miner=None)
    failed, stopped = evo.episode(task="failed"), evo.episode(task="stopped")
    abort(failed, TimeoutError("model timed out"))
    abort(stopped, GeneratorExit())
    by_task = {e.task: e for e in lib.episodes()}
    assert by_task["failed"].reward == 0.0 and by_task["failed"].metadata["aborted"] == "TimeoutError"
    assert by_task["stopped"].reward is None and by_task["stopped"].metadata["aborted"] == "GeneratorExit"
    assert abort(failed, ValueError()) is not None and lib.count_episodes() == 2  # finished already: a no-op


class InjectedState:  # a framework's marker, matched by class name: the core imports no framework
    pass


class ToolRuntime:
    pass


class Args(BaseModel):
    date: str
    state: Annotated[dict[str, Any], InjectedState()]
    runtime: ToolRuntime

    model_config = {"arbitrary_types_allowed": True}


def test_injected_params_reads_schemas_names_and_tools() -> None:
    assert injected_params(Args) == {"state", "runtime"}
    assert injected_params({"state", "store"}) == {"state", "store"}
    assert injected_params(None) == frozenset()

    class Tool:
        args_schema = Args
        tool_call_schema = type("Visible", (BaseModel,), {"__annotations__": {"date": str}})

    assert injected_params(Tool()) == {"state", "runtime"}
    assert strip_injected({"date": "x", "state": {}, "runtime": 1}, {"state", "runtime"}) == {"date": "x"}


def test_use_episode_sets_the_current_episode_without_finishing_it(lib: SkillLibrary) -> None:
    ep = Evolver(lib, miner=None).episode()
    with use_episode(ep):
        assert current_episode() is ep
    assert current_episode() is None and not ep.finished


class _Unprintable(Exception):
    def __str__(self) -> str:
        raise ValueError("__str__ failed")


def test_an_exception_whose_str_fails_stays_the_tools_and_the_rewards() -> None:
    # skillevo's handling of a user's exception must not raise an error of its own into the run.
    from skillevo.adapters import call_tool, record_error, score_reward

    lib = SkillLibrary(":memory:")
    ep = Evolver(lib, miner=None).episode(task="t")

    def tool(args: Any) -> Any:
        raise _Unprintable()

    with pytest.raises(_Unprintable):
        call_tool(ep, "t", {"x": 1}, tool)
    record_error(ep, "probe", _Unprintable())

    def reward(state: Any) -> float:
        raise _Unprintable()

    assert score_reward(ep, reward, None) == (None, "_Unprintable")
    ep.finish(None)
    (error,) = lib.events(episode_id=ep.id, kind=EventKind.TOOL_ERROR)
    assert error.data["error_type"] == "_Unprintable"


def test_an_async_reward_function_is_a_reward_error_and_leaves_no_unawaited_coroutine() -> None:
    from skillevo.adapters import score_reward

    async def reward(state: Any) -> float:
        return 1.0

    ep = Evolver(SkillLibrary(":memory:"), miner=None).episode(task="t")
    value, error = score_reward(ep, reward, None)  # warnings are errors here: none may be left
    assert value is None and error is not None and "awaitable" in error
