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
