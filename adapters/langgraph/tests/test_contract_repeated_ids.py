"""A model that repeats a message id and a tool-call id in two turns: the run is the one LangChain
gives any agent with a model-call middleware, and its episode is kept.

Finding (2026-12-07): with skillevo installed, a model that answers twice with the same message id
and tool-call id ended in ``GraphRecursionError``; without skillevo it ended in ``KeyError: 'model'``.
Neither comes from skillevo: LangGraph's ``add_messages`` replaces the first answer by the second
(same message id), whose call is then already answered, and LangChain's router sends such a turn
back to the model. ``create_agent`` gives its router that edge only when some middleware wraps the
model call (``wrap_model_call``), so without any such middleware the router's destination is
missing (``KeyError``), and with one (skillevo's, or the user's no-op) the model is called again: a
model that keeps repeating itself runs into the recursion limit. The differential below compares
skillevo with a no-op ``@wrap_model_call`` middleware (same graph): the conversations and the
tool's calls are the same (3 of 3 worlds, sync and async).

The run that ran out of steps must be recorded as failed (``metadata["aborted"] ==
"GraphRecursionError"``), not lost. Its loop's exit only queued it for skillevo's background
thread, so a caller whose ``with SkillLibrary(...)`` block the error left closed the library first
and the episode was lost (before: 0 of 6 sync runs recorded; the docs said "before the error
reaches the caller").
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain.agents.middleware import AgentMiddleware
from langchain_core.language_models.fake_chat_models import FakeMessagesListChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.tools import tool
from langgraph.errors import GraphRecursionError

from skillevo import Evolver, SkillLibrary
from skillevo.testing import ScriptedChatModel
from skillevo_langgraph import SkillMiddleware

_RUNS = 6


class _Listed(FakeMessagesListChatModel):
    def bind_tools(self, tools: Any, **kwargs: Any) -> _Listed:
        return self


class _Noop(AgentMiddleware[Any, Any]):
    """The user's own model-call middleware that changes nothing."""

    def wrap_model_call(self, request: Any, handler: Callable[[Any], Any]) -> Any:
        return handler(request)

    async def awrap_model_call(self, request: Any, handler: Callable[[Any], Awaitable[Any]]) -> Any:
        return await handler(request)


def _call(a: int, message_id: str | None = None) -> AIMessage:
    return AIMessage("", id=message_id, tool_calls=[{"name": "add", "args": {"a": a, "b": 2}, "id": "same"}])


def _replies(world: str) -> list[BaseMessage]:
    if world == "same_object":
        again = _call(1)
        return [again, again, AIMessage("done")]
    if world == "same_message_id":
        return [_call(1, "m1"), _call(3, "m1"), AIMessage("done")]
    return [_call(1), _call(1), AIMessage("done")]  # only the tool-call id repeats


def _run(world: str, skillevo: bool, mode: str) -> tuple[list[tuple[str, Any]], list[int]]:
    calls: list[int] = []

    @tool
    def add(a: int, b: int) -> int:
        """Add two numbers."""
        calls.append(a)
        return a + b

    with SkillLibrary(":memory:") as lib:
        outer: AgentMiddleware[Any, Any] = SkillMiddleware(Evolver(lib, miner=None)) if skillevo else _Noop()
        agent = create_agent(_Listed(responses=_replies(world)), [add], middleware=[outer])
        inputs = {"messages": [HumanMessage("go")]}
        out = agent.invoke(inputs) if mode == "sync" else asyncio.run(agent.ainvoke(inputs))
    return [(m.type, m.content) for m in out["messages"]], calls


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("world", ["same_object", "same_message_id", "same_call_id"])
def test_a_repeated_id_runs_as_under_any_model_call_middleware(world: str, mode: str) -> None:
    with_skillevo = _run(world, skillevo=True, mode=mode)
    assert with_skillevo == _run(world, skillevo=False, mode=mode)
    assert with_skillevo[0][-1] == ("ai", "done")


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_model_repeating_itself_forever_is_recorded_as_failed(tmp_path: Any, mode: str) -> None:
    def again(messages: Any) -> AIMessage:
        return _call(1, "m1")

    @tool
    def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    path = str(tmp_path / "skills.db")
    for _ in range(_RUNS):
        # The run's error leaves the `with` block, which closes the library at once: the episode
        # must be written before the error reaches the caller.
        with pytest.raises(GraphRecursionError), SkillLibrary(path) as lib:
            mw = SkillMiddleware(Evolver(lib, miner=None), reward=lambda state: 1.0)
            agent = create_agent(ScriptedChatModel(again), [add], middleware=[mw])
            inputs, config = {"messages": [HumanMessage("go")]}, {"recursion_limit": 8}
            if mode == "sync":
                agent.invoke(inputs, config)
            else:
                asyncio.run(agent.ainvoke(inputs, config))
        assert not mw._open
    with SkillLibrary(path) as lib:
        episodes = lib.episodes()
    assert len(episodes) == _RUNS
    assert all(e.metadata.get("aborted") == "GraphRecursionError" and e.reward == 0.0 for e in episodes)
