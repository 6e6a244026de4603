"""Runs the caller stopped: a stream closed early (``break``, ``close()``), an ``astream`` the caller
leaves or cancels. Each is one episode, recorded as aborted with its reward unknown, under
``create_agent`` + `SkillMiddleware` (where the stop happens between two hooks) and under `evolve`."""

from __future__ import annotations

import asyncio
import gc
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver

from skillevo import Evolver, SkillLibrary
from skillevo_langgraph import SkillMiddleware
from skillevo_langgraph._stopped import settle

sys.path.insert(0, str(Path(__file__).parent))
from lg_fakes import ScriptedChat, book, booking_policy
from lg_harness import CreateAgent, EvolvedGraph
from scenarios import TASK


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def _break(app: Any) -> None:
    for _ in app.stream({"messages": [HumanMessage(content=TASK)]}, stream_mode="updates"):
        break


def _close(app: Any) -> None:
    chunks = app.stream({"messages": [HumanMessage(content=TASK)]}, stream_mode="updates")
    next(chunks)
    next(chunks)
    chunks.close()


def _abreak(app: Any) -> None:
    async def main() -> None:
        chunks = app.astream({"messages": [HumanMessage(content=TASK)]}, stream_mode="updates")
        async for _ in chunks:
            break
        await chunks.aclose()

    asyncio.run(main())


def _cancel(app: Any) -> None:
    async def main() -> None:
        first = asyncio.Event()

        async def consume() -> None:
            async for _ in app.astream({"messages": [HumanMessage(content=TASK)]}, stream_mode="updates"):
                first.set()
                await asyncio.Event().wait()  # the caller stops reading here; never resumed

        task = asyncio.create_task(consume())
        await first.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())


STOPS = [_break, _close, _abreak, _cancel]


def _app(harness: Any, evo: Evolver, **compile: Any) -> Any:
    if isinstance(harness, CreateAgent):
        return harness.agent(evo, lambda s: 1.0, **compile)
    return harness.app(evo, lambda s: 1.0, **compile)


@pytest.mark.parametrize("harness", [CreateAgent(), EvolvedGraph()], ids=lambda h: h.name)
@pytest.mark.parametrize("stop", STOPS, ids=lambda s: s.__name__.strip("_"))
def test_a_run_the_caller_stopped_is_one_aborted_episode(harness: Any, stop: Any, lib: SkillLibrary) -> None:
    app = _app(harness, Evolver(lib, miner=None))
    stop(app)
    gc.collect()
    settle()
    (episode,) = lib.episodes()
    assert episode.metadata.get("aborted") and episode.reward is None


def test_the_middleware_keeps_nothing_open_and_a_finished_run_is_not_aborted_later(lib: SkillLibrary) -> None:
    mw = SkillMiddleware(Evolver(lib, miner=None), reward=lambda s: 1.0)
    agent = create_agent(ScriptedChat(booking_policy), [book], middleware=[mw])
    _break(agent)
    agent.invoke({"messages": [HumanMessage(content=TASK)]})
    gc.collect()
    settle()
    assert not mw._open
    rewards = sorted((e.reward is None, e.metadata.get("aborted")) for e in lib.episodes())
    assert rewards == [(False, None), (True, "stopped")]


def test_a_checkpointed_run_stopped_early_stays_open_for_its_thread(lib: SkillLibrary) -> None:
    # A run on a thread may stop at an interrupt and be resumed: it is not taken for a stopped one.
    app = CreateAgent().agent(Evolver(lib, miner=None), lambda s: 1.0, checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "t1"}}
    for _ in app.stream({"messages": [HumanMessage(content=TASK)]}, config, stream_mode="updates"):
        break
    gc.collect()
    settle()
    assert lib.episodes() == []


def _loop_policy(messages: Any) -> Any:
    from langchain_core.messages import AIMessage
    from lg_fakes import _counter

    # Never answers: calls the tool again and again, until the recursion limit ends the run.
    return AIMessage(content="", tool_calls=[{"name": "book", "args": {"date": "2025-03-04", "city": "Oslo"},
                                              "id": f"c{next(_counter)}"}])


@pytest.mark.parametrize("mode", ["invoke", "stream", "ainvoke"])
def test_a_run_ended_by_the_recursion_limit_is_recorded_when_it_ends(lib: SkillLibrary, mode: str) -> None:
    from langgraph.errors import GraphRecursionError

    mw = SkillMiddleware(Evolver(lib, miner=None), reward=lambda s: 1.0)
    agent = create_agent(ScriptedChat(_loop_policy), [book], middleware=[mw])
    inputs = {"messages": [HumanMessage(content=TASK)]}
    config = {"recursion_limit": 6}
    gc.disable()  # a collection would hand the run over late; it must be recorded without one
    try:
        with pytest.raises(GraphRecursionError) as info:
            if mode == "invoke":
                agent.invoke(inputs, config)
            elif mode == "stream":
                for _ in agent.stream(inputs, config, stream_mode="updates"):
                    pass
            else:
                asyncio.run(agent.ainvoke(inputs, config))
        settle()
        # Recorded as the run ends: the caller still holds the error (and its traceback, with the run's frames).
        assert info.value is not None
        (episode,) = lib.episodes()
    finally:
        gc.enable()
    assert episode.reward == 0.0 and episode.metadata.get("aborted") == "GraphRecursionError"
    assert not mw._open


def test_a_checkpointed_run_out_of_steps_is_recorded_as_failed(lib: SkillLibrary) -> None:
    # A run on a thread that ran out of steps ended there: not kept open for the thread's next run.
    from langgraph.errors import GraphRecursionError

    mw = SkillMiddleware(Evolver(lib, miner=None), reward=lambda s: 1.0)
    agent = create_agent(ScriptedChat(_loop_policy), [book], middleware=[mw], checkpointer=InMemorySaver())
    with pytest.raises(GraphRecursionError):
        agent.invoke({"messages": [HumanMessage(content=TASK)]},
                     {"recursion_limit": 6, "configurable": {"thread_id": "t"}})
    settle()
    (episode,) = lib.episodes()
    assert episode.metadata.get("aborted") == "GraphRecursionError" and not mw._open


def test_a_run_a_hook_finished_wakes_no_background_thread(lib: SkillLibrary, monkeypatch: pytest.MonkeyPatch) -> None:
    # The loop's exit callback fires for every run; a run the final answer already finished must not
    # hand the background thread anything (it would take the GIL from the caller's thread each run).
    import skillevo_langgraph._stopped as stopped

    handed: list[Any] = []
    ended = stopped._ENDED

    class Counting:
        def put(self, item: Any) -> None:
            handed.append(item)
            ended.put(item)

        def __getattr__(self, name: str) -> Any:
            return getattr(ended, name)

    monkeypatch.setattr(stopped, "_ENDED", Counting())
    mw = SkillMiddleware(Evolver(lib, miner=None), reward=lambda s: 1.0)
    agent = create_agent(ScriptedChat(booking_policy), [book], middleware=[mw])
    for _ in range(3):
        agent.invoke({"messages": [HumanMessage(content=TASK)]})
    settle()
    assert len(lib.episodes()) == 3 and not mw._open
    assert handed == []


def test_a_resumed_run_out_of_steps_is_recorded_as_failed(lib: SkillLibrary) -> None:
    # A run on a thread stops at an interrupt; the run resuming it (Command(resume=...)) is a new loop
    # with the same episode, and it ran out of steps: it ended there (it stayed open before).
    from langchain_core.messages import AIMessage
    from langchain_core.tools import tool
    from langgraph.errors import GraphRecursionError
    from langgraph.types import Command, interrupt

    @tool
    def approve(city: str) -> str:
        """Ask a person to approve the trip."""
        return f"approved: {interrupt({'city': city})}"

    def policy(messages: Any) -> AIMessage:
        if isinstance(messages[-1], HumanMessage):
            return AIMessage(content="", tool_calls=[{"name": "approve", "args": {"city": "Oslo"}, "id": "a0"}])
        return _loop_policy(messages)

    mw = SkillMiddleware(Evolver(lib, miner=None), reward=lambda s: 1.0)
    agent = create_agent(ScriptedChat(policy), [approve, book], middleware=[mw], checkpointer=InMemorySaver())
    config = {"recursion_limit": 8, "configurable": {"thread_id": "t"}}
    agent.invoke({"messages": [HumanMessage(content=TASK)]}, config)
    settle()
    assert lib.episodes() == [] and len(mw._open) == 1  # interrupted: open for the resume
    with pytest.raises(GraphRecursionError):
        agent.invoke(Command(resume="yes"), config)
    settle()
    (episode,) = lib.episodes()
    assert episode.metadata.get("aborted") == "GraphRecursionError" and not mw._open and not mw._watch._refs
