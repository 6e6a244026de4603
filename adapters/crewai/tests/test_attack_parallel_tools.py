"""Native tool calls of one model turn run in parallel (CrewAI's thread pool): one call raising
must not make a sibling call that succeeded count as failed (the task's error counter is shared by
the calls), nor have a learned repair run that sibling again and replace its result."""

from __future__ import annotations

import itertools
import json
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from crewai.hooks import (
    register_after_tool_call_hook,
    register_before_tool_call_hook,
    unregister_after_tool_call_hook,
    unregister_before_tool_call_hook,
)

from skillevo import NULL_ARM, EventKind, Evolver, SkillLibrary, Strategy, Trigger, TriggerKind
from skillevo import VersionStatus as VS
from skillevo_crewai import ScriptedLLM, evolving, last_observation

sys.path.insert(0, str(Path(__file__).parent))
from crewai_fakes import Book, Explode, booking_crew

_ids = itertools.count()


def _call(name: str, args: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"call_{next(_ids)}", "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}


def both_at_once(messages: list[dict[str, Any]]) -> Any:
    """One turn with two tool calls (run in parallel by CrewAI), then an answer."""
    if last_observation(messages) is None:
        return [_call("explode", {"x": 1}), _call("book", {"date": "2025-03-04", "city": "Oslo"})]
    return "done"


class AfterExplode(Book):
    """Books once the sibling `explode` call has failed (so its error is counted first)."""

    exploded: Any = None

    def _run(self, date: str, city: str) -> str:
        assert self.exploded is not None
        self.exploded.wait(timeout=30)
        return super()._run(date, city)


class AfterBookStarted(Explode):
    """Raises once the sibling `book` call has started (its hooks saw no error yet)."""

    started: Any = None

    def _run(self, x: int) -> str:
        assert self.started is not None
        self.started.wait(timeout=30)
        return super()._run(x)


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def test_a_sibling_calls_failure_is_not_this_calls(lib: SkillLibrary) -> None:
    evo = Evolver(lib, miner=None, seed=0)
    # A learned repair for `book` that applies after any failure of it.
    vid = lib.add_skill(
        "fix-book",
        Trigger(kind=TriggerKind.TOOL_ERROR, tool="book"),
        Strategy(repair={"ops": [{"op": "set", "arg": "city", "value": "Bergen"}]}),  # type: ignore[arg-type]
        status=VS.ACTIVE,
    ).id
    evo.invalidate()
    for _ in range(30):
        evo.selector.update("fix-book", vid, 1.0)
        evo.selector.update("fix-book", NULL_ARM, 0.0)
    started, exploded = threading.Event(), threading.Event()

    def book_started(ctx: Any) -> None:  # the user's hooks, which run after skillevo's
        if ctx.tool_name == "book":
            started.set()

    def after_explode(ctx: Any) -> None:  # runs once CrewAI has counted the error
        if ctx.tool_name == "explode":
            exploded.set()

    register_before_tool_call_hook(book_started)
    register_after_tool_call_hook(after_explode)
    try:
        with evolving(evo, reward=lambda out: 1.0) as ev:
            tool = AfterExplode(exploded=exploded)
            crew = booking_crew(ScriptedLLM(both_at_once, native=True), tool, AfterBookStarted(started=started))
            ev(crew).kickoff(inputs={"day": "x"})
    finally:
        unregister_before_tool_call_hook(book_started)
        unregister_after_tool_call_hook(after_explode)
    assert tool.calls == [{"date": "2025-03-04", "city": "Oslo"}]  # ran once, as the model asked
    events = lib.events(episode_id=ev.last_episode_id)
    assert [e.tool for e in events if e.kind is EventKind.TOOL_ERROR] == ["explode"]
    assert [e.tool for e in events if e.kind is EventKind.TOOL_RESULT] == ["book"]
