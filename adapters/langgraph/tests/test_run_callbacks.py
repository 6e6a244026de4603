"""Reading the run's callback handlers without building a manager; finished episodes freed at once."""

from __future__ import annotations

import gc
import sys
import weakref
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from langchain.agents import create_agent
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.runnables import RunnableLambda
from langchain_core.runnables.config import get_callback_manager_for_config, var_child_runnable_config
from langchain_core.tracers.context import collect_runs, tracing_v2_enabled
from langchain_core.tracers.langchain import LangChainTracer

from skillevo import Evolver, SkillLibrary
from skillevo_langgraph import SkillMiddleware
from skillevo_langgraph._callbacks import existing_handlers, no_receivers
from skillevo_langgraph._trace import Trace, emit, trace_of

sys.path.insert(0, str(Path(__file__).parent))
from lg_fakes import ScriptedChat, book, ok_reward


class Recorder(BaseCallbackHandler):
    def __init__(self) -> None:
        self.events: list[tuple[str, UUID]] = []

    def on_custom_event(self, name: str, data: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self.events.append((name, run_id))


class _OfflineClient:
    """A LangSmith client that sends nothing anywhere."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


def _inside(fn: Callable[[], Any], config: dict[str, Any] | None = None) -> Any:
    """`fn()` inside a LangChain run (a lambda's body), as a middleware hook runs."""
    return RunnableLambda(lambda _: fn()).invoke(None, config)  # type: ignore[arg-type]


def _configured() -> tuple[list[Any], Any]:
    manager = get_callback_manager_for_config(var_child_runnable_config.get() or {})
    return manager.handlers, manager.parent_run_id


def _compare() -> tuple[tuple[list[Any], Any] | None, tuple[list[Any], Any]]:
    return existing_handlers(var_child_runnable_config.get()), _configured()


def test_the_handlers_read_are_those_configure_would_hold() -> None:
    rec = Recorder()
    # No handler at all; handlers in the config; a collector added from the context.
    found, built = _inside(_compare)
    assert found == built and found[0] == []
    found, built = _inside(_compare, {"callbacks": [rec]})
    assert found is not None and found[0] == built[0] == [rec] and found[1] == built[1] is not None
    with collect_runs() as collector:
        found, built = _inside(_compare, {"callbacks": [rec]})
    assert found is not None and collector in found[0] and found[0] == built[0] and found[1] == built[1]


def test_a_tracer_of_tracing_v2_enabled_is_read_like_configure_reads_it() -> None:
    with tracing_v2_enabled(project_name="skillevo-test", client=_OfflineClient()) as tracer:  # type: ignore[arg-type]
        found, built = _inside(_compare)
    assert isinstance(tracer, LangChainTracer)
    if found is not None:  # (None: LangSmith's own run tree is the parent: configure is asked instead)
        assert tracer in found[0] and tracer in built[0]


def test_events_are_skipped_only_when_nobody_would_receive_them(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _inside(no_receivers) is True
    rec = Recorder()
    assert _inside(no_receivers, {"callbacks": [rec]}) is False
    with collect_runs():
        assert _inside(no_receivers) is False
    monkeypatch.setenv("LANGCHAIN_TRACING_V2", "true")  # configure would add a tracer: ask it
    from langsmith import utils

    utils.get_env_var.cache_clear()
    try:
        assert _inside(no_receivers) is False
    finally:
        monkeypatch.delenv("LANGCHAIN_TRACING_V2")
        utils.get_env_var.cache_clear()
    _inside(lambda: emit([("skillevo.test", {"x": 1})]), {"callbacks": [rec]})
    assert [n for n, _ in rec.events] == ["skillevo.test"]


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def _books_once(messages: Sequence[BaseMessage]) -> AIMessage:
    if isinstance(messages[-1], HumanMessage):
        return AIMessage(content="", tool_calls=[{"name": "book", "args": {"date": "2025-03-04", "city": "Oslo"},
                                                  "id": "c1"}])
    return AIMessage(content="booked")


def test_a_finished_episode_is_freed_without_the_cycle_collector(lib: SkillLibrary) -> None:
    # The episode holds its trace (its listener) and the trace must not hold the episode: a cycle
    # left every finished run's episode, events and all, to the garbage collector.
    evo = Evolver(lib, miner=None, seed=0)
    mw = SkillMiddleware(evo, reward=ok_reward)
    seen: list[weakref.ref[Any]] = []
    agent = create_agent(ScriptedChat(_books_once), [book], middleware=[mw])
    original = mw._episode

    def watched(state: Any, **kwargs: Any) -> Any:
        ep, new = original(state, **kwargs)
        if new and ep is not None:
            seen.append(weakref.ref(ep))
            trace = trace_of(ep)
            assert isinstance(trace, Trace) and trace.ep is ep
            seen.append(weakref.ref(trace))
        return ep, new

    mw._episode = watched  # type: ignore[method-assign]
    gc.collect()
    gc.disable()
    try:
        out = agent.invoke({"messages": [HumanMessage(content="book a table on 2025-03-04")]})
        lib.flush()
        assert out["messages"][-1].text == "booked" and lib.episode(mw.last_episode_id or "").reward == 1.0
        assert len(seen) == 2 and all(ref() is None for ref in seen)  # plain reference counting freed them
    finally:
        gc.enable()
