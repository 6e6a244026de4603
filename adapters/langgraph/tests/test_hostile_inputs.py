"""Hostile tools and inputs under `SkillMiddleware`: the run goes on and the episode is kept."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.tools import StructuredTool

from skillevo import EventKind, Evolver, SkillLibrary
from skillevo_langgraph import SkillMiddleware

sys.path.insert(0, str(Path(__file__).parent))
from lg_fakes import ScriptedChat


class _Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("this exception cannot be printed")


class _IntStr(Exception):
    def __str__(self) -> str:
        return 5  # type: ignore[return-value]


def _calls_act(messages: list[BaseMessage]) -> AIMessage:
    if isinstance(messages[-1], HumanMessage):
        return AIMessage(content="", tool_calls=[{"name": "act", "args": {"x": "1"}, "id": "c1"}])
    return AIMessage(content="done")


def _run(lib: SkillLibrary, act: Any, task: str = "do it") -> dict[str, Any]:
    tool = StructuredTool.from_function(act, name="act", description="Act.")
    mw = SkillMiddleware(Evolver(lib, sandbox=None), reward=lambda s: 1.0)
    agent = create_agent(ScriptedChat(_calls_act), [tool], middleware=[mw])
    out: dict[str, Any] = agent.invoke({"messages": [HumanMessage(content=task)]})
    lib.flush()
    return out


@pytest.mark.parametrize("error", [_Unprintable, _IntStr])
def test_a_tool_exception_that_cannot_be_printed_becomes_an_error_message(error: type[Exception]) -> None:
    def act(x: str) -> str:
        """Act."""
        raise error()

    with SkillLibrary(":memory:") as lib:
        out = _run(lib, act)
        message = next(m for m in out["messages"] if isinstance(m, ToolMessage))
        assert message.status == "error" and message.text == f"Error: {error.__name__}"
        assert out["messages"][-1].text == "done"  # the agent went on
        assert lib.count_episodes() == 1 and lib.events(kind=EventKind.TOOL_ERROR)


def test_a_task_with_a_lone_surrogate_is_recorded_mended() -> None:
    def act(x: str) -> str:
        """Act."""
        return "ok"

    with SkillLibrary(":memory:") as lib:
        _run(lib, act, task="book \ud800 Oslo \x00")
        (episode,) = lib.episodes()
        assert episode.task == "book \ufffd Oslo \ufffd" and episode.reward == 1.0
