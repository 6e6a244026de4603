"""A middleware stacked outside `SkillMiddleware` that handles tool exceptions (``ToolRetryMiddleware``,
an audit or fallback ``@wrap_tool_call``) sees them exactly as without skillevo.

`SkillMiddleware` turns a tool's remaining exception into an error ``ToolMessage``
(``catch_tool_errors``). Before 2026-12-06 it did so wherever it stood in the stack, so a
``ToolRetryMiddleware`` placed before it never saw the exception: a transient failure it would have
retried reached the model as an error (the tool ran once instead of three times), and an outer
middleware's own error handling never ran. The outer hook was found on the call stack by a frame
whose first parameter is named ``self``: a hook made by LangChain's own ``@wrap_tool_call`` /
``@wrap_model_call`` decorators runs in a frame whose first parameter is ``_self``, so such a
fallback stacked before skillevo never saw the exception (before 2026-12-07: 2 of 2 decorator
cases, sync and async, answered skillevo's "Error: ConnectionError..." instead of "fallback"; the
hook is now found by its first parameter, whatever its name). The differential tests run the same
scripted agent with and without skillevo (an empty library: no skill can act) and compare the conversation and
the tool's calls.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain.agents.middleware import AgentMiddleware, ToolRetryMiddleware, wrap_tool_call
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool

from skillevo import Evolver, SkillLibrary
from skillevo.testing import ScriptedChatModel
from skillevo_langgraph import SkillMiddleware


def _world() -> tuple[Any, list[int]]:
    calls: list[int] = []

    @tool
    def flaky(n: int) -> str:
        """Fails twice, then answers."""
        calls.append(n)
        if len(calls) < 3:
            raise ConnectionError("upstream reset")
        return f"ok {n}"

    return flaky, calls


def _policy(messages: Any) -> AIMessage:
    if isinstance(messages[-1], HumanMessage):
        return AIMessage("", tool_calls=[{"name": "flaky", "args": {"n": 7}, "id": "t1"}])
    return AIMessage(f"answer: {messages[-1].content}")


def _shape(messages: list[Any]) -> list[tuple[Any, ...]]:
    return [
        (m.type, m.content, getattr(m, "status", None), [(c["name"], c["args"]) for c in getattr(m, "tool_calls", [])])
        for m in messages
    ]


class _Fallback(AgentMiddleware[Any, Any]):
    """A user's own outer tool middleware: its fallback answer for a tool that raised."""

    def wrap_tool_call(self, request: Any, handler: Callable[[Any], Any]) -> Any:
        try:
            return handler(request)
        except ConnectionError:
            return ToolMessage("fallback", tool_call_id=request.tool_call["id"], name=request.tool_call["name"])

    async def awrap_tool_call(self, request: Any, handler: Callable[[Any], Awaitable[Any]]) -> Any:
        try:
            return await handler(request)
        except ConnectionError:
            return ToolMessage("fallback", tool_call_id=request.tool_call["id"], name=request.tool_call["name"])


class _Unusual(AgentMiddleware[Any, Any]):
    """A fallback whose hooks name their instance otherwise than ``self``."""

    def wrap_tool_call(this, request: Any, handler: Callable[[Any], Any]) -> Any:
        try:
            return handler(request)
        except ConnectionError:
            return ToolMessage("fallback", tool_call_id=request.tool_call["id"], name=request.tool_call["name"])

    async def awrap_tool_call(this, request: Any, handler: Callable[[Any], Awaitable[Any]]) -> Any:
        try:
            return await handler(request)
        except ConnectionError:
            return ToolMessage("fallback", tool_call_id=request.tool_call["id"], name=request.tool_call["name"])


def _decorated() -> AgentMiddleware[Any, Any]:
    """The same fallback made by LangChain's ``@wrap_tool_call`` (sync and async functions)."""

    def fallback(request: Any, handler: Callable[[Any], Any]) -> Any:
        try:
            return handler(request)
        except ConnectionError:
            return ToolMessage("fallback", tool_call_id=request.tool_call["id"], name=request.tool_call["name"])

    return wrap_tool_call(fallback)


def _adecorated() -> AgentMiddleware[Any, Any]:
    async def fallback(request: Any, handler: Callable[[Any], Awaitable[Any]]) -> Any:
        try:
            return await handler(request)
        except ConnectionError:
            return ToolMessage("fallback", tool_call_id=request.tool_call["id"], name=request.tool_call["name"])

    return wrap_tool_call(fallback)


def _outer(kind: str, mode: str = "sync") -> AgentMiddleware[Any, Any]:
    if kind == "retry":
        return ToolRetryMiddleware(max_retries=2, initial_delay=0, jitter=False)
    if kind == "decorated":
        return _decorated() if mode == "sync" else _adecorated()
    if kind == "unusual":
        return _Unusual()
    return _Fallback()


def _run(outer: str, skillevo: bool, mode: str) -> tuple[list[tuple[Any, ...]], list[int]]:
    flaky, calls = _world()
    lib = SkillLibrary(":memory:")
    try:
        stack: list[AgentMiddleware[Any, Any]] = [_outer(outer, mode)]
        if skillevo:
            stack.append(SkillMiddleware(Evolver(lib, miner=None), reward=lambda state: 1.0))
        agent = create_agent(ScriptedChatModel(_policy), [flaky], middleware=stack)
        inputs = {"messages": [HumanMessage("go")]}
        result = agent.invoke(inputs) if mode == "sync" else asyncio.run(agent.ainvoke(inputs))
        return _shape(result["messages"]), calls
    finally:
        lib.close()


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("outer", ["retry", "audit", "decorated", "unusual"])
def test_an_outer_tool_middleware_sees_the_tools_exception_as_without_skillevo(outer: str, mode: str) -> None:
    without = _run(outer, skillevo=False, mode=mode)
    with_skillevo = _run(outer, skillevo=True, mode=mode)
    assert with_skillevo == without
    if outer == "retry":
        assert without[1] == [7, 7, 7]  # the retry middleware's three attempts
        assert without[0][-1][1] == "answer: ok 7"
    else:
        assert without[0][-1][1] == "answer: fallback"


def test_skillevo_alone_still_turns_the_exception_into_an_error_message() -> None:
    # Without an outer tool middleware, `catch_tool_errors` is what it was: the agent goes on.
    flaky, calls = _world()
    with SkillLibrary(":memory:") as lib:
        agent = create_agent(ScriptedChatModel(_policy), [flaky],
                             middleware=[SkillMiddleware(Evolver(lib, miner=None), reward=lambda state: 1.0)])
        result = agent.invoke({"messages": [HumanMessage("go")]})
    tool_message = result["messages"][2]
    assert tool_message.status == "error" and "upstream reset" in tool_message.content
    assert calls == [7]


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_skillevo_first_lets_an_inner_retry_middleware_retry_then_turns_what_remains_into_a_message(mode: str) -> None:
    flaky, calls = _world()
    with SkillLibrary(":memory:") as lib:
        retry = ToolRetryMiddleware(max_retries=1, initial_delay=0, jitter=False, on_failure="error")
        agent = create_agent(ScriptedChatModel(_policy), [flaky],
                             middleware=[SkillMiddleware(Evolver(lib, miner=None)), retry])
        inputs = {"messages": [HumanMessage("go")]}
        result = agent.invoke(inputs) if mode == "sync" else asyncio.run(agent.ainvoke(inputs))
    assert calls == [7, 7]  # the retry middleware's two attempts
    assert result["messages"][2].status == "error" and "upstream reset" in result["messages"][2].content
