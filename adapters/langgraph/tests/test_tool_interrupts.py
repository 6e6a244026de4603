"""A tool call ended by an interruption (Ctrl-C, SystemExit, a cancelled task) ends the run: the episode
is recorded as aborted, never lost, and the interruption still reaches the caller."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool

from skillevo import Evolver, SkillLibrary
from skillevo_langgraph import SkillMiddleware

sys.path.insert(0, str(Path(__file__).parent))
from lg_fakes import ScriptedChat


def _call_then_answer(messages: Sequence[BaseMessage]) -> AIMessage:
    if any(isinstance(m, ToolMessage) for m in messages):
        return AIMessage(content="done")
    return AIMessage(content="", tool_calls=[{"name": "halt", "args": {"x": "a"}, "id": "c1"}])


def _agent(tmp_path: Path, exc: type[BaseException]) -> tuple[Any, SkillLibrary, SkillMiddleware]:
    @tool
    def halt(x: str) -> str:
        """Raises the interruption."""
        raise exc()

    lib = SkillLibrary(tmp_path / "lib.db")
    mw = SkillMiddleware(Evolver(lib), reward=lambda s: 1.0)
    return create_agent(ScriptedChat(_call_then_answer), [halt], middleware=[mw]), lib, mw


@pytest.mark.parametrize("exc", [KeyboardInterrupt, SystemExit, GeneratorExit])
def test_an_interrupted_tool_call_records_the_episode_as_aborted(tmp_path: Path, exc: type[BaseException]) -> None:
    agent, lib, mw = _agent(tmp_path, exc)
    with pytest.raises(exc):
        agent.invoke({"messages": [HumanMessage(content="go")]})
    lib.flush()
    [episode] = lib.episodes()
    assert episode.metadata.get("aborted") == exc.__name__
    assert not mw._open  # nothing left open in the middleware
    lib.close()


def test_a_cancelled_async_tool_call_records_the_episode_as_aborted(tmp_path: Path) -> None:
    agent, lib, mw = _agent(tmp_path, asyncio.CancelledError)
    with pytest.raises(BaseException) as raised:  # LangGraph reports it as its NodeCancelledError
        asyncio.run(agent.ainvoke({"messages": [HumanMessage(content="go")]}))
    assert not isinstance(raised.value, Exception) or "Cancelled" in type(raised.value).__name__
    lib.flush()
    [episode] = lib.episodes()
    assert episode.metadata.get("aborted") == "CancelledError"
    assert not mw._open
    lib.close()


def test_a_decimal_reward_is_a_reward(tmp_path: Path) -> None:
    lib = SkillLibrary(tmp_path / "lib.db")
    with Evolver(lib).episode(task="t") as ep:
        ep.finish(Decimal("0.5"))  # type: ignore[arg-type]
    assert lib.episode(ep.id).reward == 0.5
    lib.close()


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
def test_a_graph_interrupt_inside_a_repaired_retry_is_repaired_again_on_resume(tmp_path: Path, mode: str) -> None:
    # The repaired retry asks for a confirmation (`interrupt()`); the resumed run runs the call again
    # from its original arguments: the repair applies again, the confirmation given is used, and
    # the repair is credited with the call's real outcome (never with the pause).
    from langgraph.checkpoint.memory import InMemorySaver
    from langgraph.types import Command

    from skillevo import EventKind

    sys.path.insert(0, str(Path(__file__).parents[3] / "tests" / "conformance"))
    from lg_fakes import booking_policy, confirmed_book
    from scenarios import repair_skill

    book = confirmed_book

    with SkillLibrary(tmp_path / "lib.db") as lib:
        mw = SkillMiddleware(repair_skill(lib), reward=lambda s: 1.0 if s["messages"][-1].text == "booked" else 0.0)
        agent = create_agent(ScriptedChat(booking_policy), [book], middleware=[mw], checkpointer=InMemorySaver())
        config: Any = {"configurable": {"thread_id": "t"}}

        def run(payload: Any) -> Any:
            return agent.invoke(payload, config) if mode == "invoke" else asyncio.run(agent.ainvoke(payload, config))

        first = run({"messages": [HumanMessage("book Oslo on March 4th")]})
        assert first["__interrupt__"]
        out = run(Command(resume=True))
        assert "__interrupt__" not in out  # asked once, not again
        assert [m.text for m in out["messages"][-2:]] == ["booked Oslo on 2025-03-04", "booked"]
        (episode,) = lib.episodes()
        assert episode.reward == 1.0
        credits = [e.data for e in lib.events(episode_id=episode.id, kind=EventKind.CREDIT)]
        credits = [c for c in credits if c.get("source") == "call"]
        assert credits and all(c["reward"] == 1.0 for c in credits), credits
