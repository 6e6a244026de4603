"""A ``create_agent`` run whose last model response still has tool calls to run ends after them, and
its episode records those calls and gets its reward: a structured response given beside other tool
calls (create_agent runs them, then ends), and a batch of ``return_direct`` tools one of which
returns an error message (create_agent ends the run after such a batch whatever the results)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain.agents.structured_output import ToolStrategy
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import ToolException, tool
from pydantic import BaseModel

from skillevo import EventKind, Evolver, SkillLibrary
from skillevo.testing import ScriptedChatModel, memory_library
from skillevo_langgraph import SkillMiddleware


class Answer(BaseModel):
    text: str


@tool
def lookup(q: str) -> str:
    """Looks something up."""
    return f"found {q}"


@tool(return_direct=True)
def hand_over(q: str) -> str:
    """Hands the conversation over (the run ends with its result)."""
    if q == "nobody":
        raise ToolException("no one to hand over to")
    return f"handed over {q}"


hand_over.handle_tool_error = True


def _call(name: str, args: dict[str, Any], call_id: str) -> dict[str, Any]:
    return {"name": name, "args": args, "id": call_id, "type": "tool_call"}


def _run(lib: SkillLibrary, first: AIMessage, tools: list[Any], mode: str, **kwargs: Any) -> tuple[Any, list[Any]]:
    states: list[Any] = []

    def reward(state: Any) -> float:
        states.append(state)
        return 1.0

    def policy(messages: Any) -> AIMessage:
        return first if not any(isinstance(m, AIMessage) for m in messages) else AIMessage("unexpected")

    middleware = SkillMiddleware(Evolver(lib, miner=None), reward=reward)
    agent = create_agent(ScriptedChatModel(policy), tools, middleware=[middleware], **kwargs)
    given = {"messages": [HumanMessage("go")]}
    result = agent.invoke(given) if mode == "sync" else asyncio.run(agent.ainvoke(given))
    return result, states


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_tool_calls_beside_a_structured_response_are_recorded_in_the_episode(mode: str) -> None:
    first = AIMessage(
        "",
        tool_calls=[
            _call("lookup", {"q": "a"}, "l1"),
            _call("lookup", {"q": "b"}, "l2"),
            _call("Answer", {"text": "done"}, "s1"),
        ],
    )
    lib = memory_library()
    result, states = _run(lib, first, [lookup], mode, response_format=ToolStrategy(Answer))
    # the run as create_agent makes it: both lookups ran after the structured response, then it ended
    assert sorted(m.text for m in result["messages"] if isinstance(m, ToolMessage) and m.name == "lookup") == [
        "found a",
        "found b",
    ]
    (episode,) = lib.episodes()
    assert episode.reward == 1.0
    assert len(lib.events(episode_id=episode.id, kind=EventKind.TOOL_CALL)) == 2
    (state,) = states  # the reward read the state the run ended in: the lookups' results and the answer
    assert state["structured_response"] == Answer(text="done")
    assert {m.tool_call_id for m in state["messages"] if isinstance(m, ToolMessage)} == {"l1", "l2", "s1"}


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_return_direct_batch_with_an_error_result_ends_the_episode_with_its_reward(mode: str) -> None:
    first = AIMessage(
        "", tool_calls=[_call("hand_over", {"q": "nobody"}, "h1"), _call("hand_over", {"q": "ann"}, "h2")]
    )
    lib = memory_library()
    result, states = _run(lib, first, [hand_over], mode)
    assert [m.status for m in result["messages"] if isinstance(m, ToolMessage)] == ["error", "success"]
    (episode,) = lib.episodes()  # finished as the run ended, not recorded later as stopped
    assert episode.reward == 1.0 and "aborted" not in episode.metadata
    assert len(lib.events(episode_id=episode.id, kind=EventKind.TOOL_ERROR)) == 1
    (state,) = states
    assert [m.tool_call_id for m in state["messages"] if isinstance(m, ToolMessage)] == ["h1", "h2"]
