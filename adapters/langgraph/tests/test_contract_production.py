"""Differential runs of what production LangGraph users do beyond the fuzzed ``create_agent`` runs:
LangChain's own middleware stacked before and after `SkillMiddleware` (human-in-the-loop approval
and edits resumed under a checkpointer, tool- and model-call limits), an agent run as a subgraph
and interrupted there, a hand-built graph under `evolve` whose ``ToolNode`` handles tool errors
each of LangGraph's ways, and a run cancelled mid tool call. Each runs without skillevo and with an
empty library or active skills whose triggers match none of its tools: the conversation, the
interrupts and the exception must be the same.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain.agents.middleware import (
    AgentMiddleware,
    HumanInTheLoopMiddleware,
    ModelCallLimitMiddleware,
    ToolCallLimitMiddleware,
)
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.runnables import RunnableConfig, RunnableLambda
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition
from langgraph.types import Command, interrupt

from skillevo import EventKind, Evolver, SkillLibrary, Strategy, Trigger, VersionStatus
from skillevo.testing import ScriptedChatModel
from skillevo_langgraph import SkillMiddleware, evolve, with_guidance, wrap_tools

sys.path.insert(0, str(Path(__file__).parent))
from contract_tools import add, fragile, raiser, tool_call
from test_contract_fuzz import artifact, command, runtime

SETUPS = ["empty", "unmatched"]


@tool
async def slow(q: str) -> str:
    """Takes a while."""
    await asyncio.sleep(5)
    return "slow " + q


@tool
def ask(q: str) -> str:
    """Asks a person (interrupts the run)."""
    return f"they said {interrupt({'q': q})}"


def _library(setup: str | None) -> SkillLibrary:
    lib = SkillLibrary(":memory:")
    if setup == "unmatched":
        lib.add_skill("other", Trigger(kind="before_tool", tool="elsewhere"), Strategy(guidance="Other."),
                      status=VersionStatus.ACTIVE)
        fix = Strategy(repair={"ops": [{"op": "set", "arg": "x", "value": 2}]})
        lib.add_skill("fix-other", Trigger(kind="tool_error", tool="elsewhere"), fix, status=VersionStatus.ACTIVE)
    return lib


def _policy(steps: list[AIMessage]) -> Any:
    def policy(messages: Any) -> AIMessage:
        return steps[min(sum(isinstance(m, AIMessage) for m in messages), len(steps) - 1)]

    return policy


def _shape(result: Any) -> Any:
    if isinstance(result, BaseException):
        return f"raised {type(result).__name__}: {result}"
    return ([(m.type, m.content, getattr(m, "status", None),
              [(c["name"], c["args"], c["id"]) for c in getattr(m, "tool_calls", [])]) for m in result["messages"]],
            [i.value for i in result.get("__interrupt__", [])])


def _agent(steps: list[AIMessage], tools: list[Any], setup: str | None, lib: SkillLibrary,
           others: Sequence[AgentMiddleware[Any, Any]] = (), before: bool = True, **kwargs: Any) -> Any:
    stack = list(others)
    if setup is not None:
        mine = SkillMiddleware(Evolver(lib, miner=None), reward=lambda state: 1.0)
        stack = [*stack, mine] if before else [mine, *stack]
    return create_agent(ScriptedChatModel(_policy(steps)), tools, middleware=stack, **kwargs)


STEPS = [AIMessage("", tool_calls=[tool_call("add", {"a": 1, "b": 2}, "a1"), tool_call("fragile", {"x": 1}, "a2")]),
         AIMessage("", tool_calls=[tool_call("add", {"a": 2, "b": 2}, "a3")]), AIMessage("fin")]
OTHERS: dict[str, Any] = {
    "approve": lambda: [HumanInTheLoopMiddleware({"add": True})],
    "edit": lambda: [HumanInTheLoopMiddleware({"add": True})],
    "tool_limit": lambda: [ToolCallLimitMiddleware(tool_name="add", run_limit=1, exit_behavior="error")],
    "model_limit": lambda: [ModelCallLimitMiddleware(run_limit=2, exit_behavior="end")],
}
DECISIONS = {"approve": {"decisions": [{"type": "approve"}]},
             "edit": {"decisions": [{"type": "edit", "edited_action": {"name": "add", "args": {"a": 5, "b": 5}}}]}}


def _stacked(other: str, setup: str | None, before: bool, mode: str) -> Any:
    lib = _library(setup)
    try:
        agent = _agent(STEPS, [add, fragile], setup, lib, OTHERS[other](), before, checkpointer=InMemorySaver())
        config: Any = {"configurable": {"thread_id": "t"}}

        async def arun() -> list[Any]:
            result = await agent.ainvoke({"messages": [HumanMessage("go", id="h1")]}, config)
            out = [_shape(result)]
            while "__interrupt__" in result and len(out) < 4:
                result = await agent.ainvoke(Command(resume=DECISIONS[other]), config)
                out.append(_shape(result))
            return out

        def run() -> list[Any]:
            result = agent.invoke({"messages": [HumanMessage("go", id="h1")]}, config)
            out = [_shape(result)]
            while "__interrupt__" in result and len(out) < 4:
                result = agent.invoke(Command(resume=DECISIONS[other]), config)
                out.append(_shape(result))
            return out

        try:
            return run() if mode == "sync" else asyncio.run(arun())
        except Exception as exc:
            return _shape(exc)
    finally:
        lib.close()


@pytest.mark.parametrize("setup", SETUPS)
@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("before", [True, False], ids=["skillevo_last", "skillevo_first"])
@pytest.mark.parametrize("other", sorted(OTHERS))
def test_a_run_with_other_middleware_is_the_same_as_without_skillevo(
    other: str, before: bool, mode: str, setup: str
) -> None:
    assert _stacked(other, setup, before, mode) == _stacked(other, None, before, mode)


def _subgraph(setup: str | None) -> Any:
    lib = _library(setup)
    try:
        inner = _agent([AIMessage("", tool_calls=[tool_call("ask", {"q": "ok?"}, "i1")]), AIMessage("fin")],
                       [ask], setup, lib)
        builder = StateGraph(MessagesState)
        builder.add_node("agent", inner)
        builder.add_edge(START, "agent")
        app = builder.compile(checkpointer=InMemorySaver())
        config: Any = {"configurable": {"thread_id": "t"}}
        first = app.invoke({"messages": [HumanMessage("go", id="h1")]}, config)
        chunks = [(len(ns), sorted(chunk)) for ns, chunk in
                  app.stream(Command(resume="yes"), config, stream_mode="updates", subgraphs=True)]
        return _shape(first), chunks, _shape(app.get_state(config).values)
    finally:
        lib.close()


@pytest.mark.parametrize("setup", SETUPS)
def test_an_agent_interrupted_as_a_subgraph_resumes_as_without_skillevo(setup: str) -> None:
    assert _subgraph(setup) == _subgraph(None)


EVERY = [tool_call("add", {"a": 1, "b": 2}, "e1"), tool_call("fragile", {"x": 1}, "e2"),
         tool_call("raiser", {"x": 1}, "e3"), tool_call("command", {"text": "c"}, "e4"),
         tool_call("artifact", {"q": "z"}, "e5"), tool_call("runtime", {"q": "r"}, "e6"),
         tool_call("add", {"a": "x"}, "e7"), tool_call("nope", {}, "e8")]
HANDLERS: dict[str, Any] = {"true": True, "false": False, "text": "the tool failed",
                            "callable": lambda exc: f"handled {type(exc).__name__}",
                            "caught": (ValueError,), "not_caught": (TypeError,)}


def _graph(setup: str | None, handle: Any, mode: str) -> Any:
    model: Any = ScriptedChatModel(_policy([AIMessage("", tool_calls=EVERY), AIMessage("fin")]))
    tools: list[Any] = [add, fragile, raiser, command, artifact, runtime]
    if setup is not None:
        model, tools = with_guidance(model), wrap_tools(tools)

    def call_model(state: MessagesState) -> dict[str, Any]:
        return {"messages": [model.invoke(state["messages"])]}

    async def acall_model(state: MessagesState) -> dict[str, Any]:
        return {"messages": [await model.ainvoke(state["messages"])]}

    builder = StateGraph(MessagesState)
    builder.add_node("model", RunnableLambda(call_model, afunc=acall_model))
    builder.add_node("tools", ToolNode(tools, handle_tool_errors=handle))
    builder.add_edge(START, "model")
    builder.add_conditional_edges("model", tools_condition)
    builder.add_edge("tools", "model")
    app: Any = builder.compile()
    lib = _library(setup)
    try:
        if setup is not None:
            app = evolve(app, Evolver(lib, miner=None), reward=lambda state: 1.0)
        inputs = {"messages": [HumanMessage("go", id="h1")]}
        try:
            if mode == "invoke":
                return _shape(app.invoke(inputs))
            return [_shape(chunk) for chunk in app.stream(inputs, stream_mode="values")]
        except Exception as exc:
            return _shape(exc)
    finally:
        lib.close()


@pytest.mark.parametrize("setup", SETUPS)
@pytest.mark.parametrize("mode", ["invoke", "values"])
@pytest.mark.parametrize("handle", sorted(HANDLERS))
def test_a_tool_node_handles_tool_errors_as_without_skillevo(handle: str, mode: str, setup: str) -> None:
    assert _graph(setup, HANDLERS[handle], mode) == _graph(None, HANDLERS[handle], mode)


def _cancelled(setup: str | None, how: str) -> Any:
    lib = _library(setup)
    try:
        agent = _agent([AIMessage("", tool_calls=[tool_call("slow", {"q": "x"}, "c1")]), AIMessage("fin")],
                       [slow], setup, lib)

        async def main() -> str:
            run = agent.ainvoke({"messages": [HumanMessage("go", id="h1")]})
            if how == "wait_for":
                try:
                    await asyncio.wait_for(run, 0.2)
                except TimeoutError:
                    return "timed out"
                return "finished"
            task = asyncio.ensure_future(run)
            await asyncio.sleep(0.2)
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                return f"cancelled {task.cancelled()}"
            return "finished"

        return asyncio.run(main())
    finally:
        lib.close()


@pytest.mark.parametrize("setup", SETUPS)
@pytest.mark.parametrize("how", ["cancel", "wait_for"])
def test_a_run_cancelled_mid_tool_call_is_cancelled_as_without_skillevo(how: str, setup: str) -> None:
    without = _cancelled(None, how)
    assert without in ("cancelled True", "timed out")
    assert _cancelled(setup, how) == without


@tool
def configured(q: str, config: RunnableConfig) -> str:
    """Says what its run's config holds."""
    return f"{q} tags={config.get('tags')} metadata={(config.get('metadata') or {}).get('user')}"


@tool
async def aconfigured(q: str, config: RunnableConfig) -> str:
    """Says what its run's config holds, async."""
    return f"{q} tags={config.get('tags')} metadata={(config.get('metadata') or {}).get('user')}"


def _configured(setup: str | None) -> Any:
    """A tool under `wrap_tools` reading its config, in a graph under `evolve` (and the tool calls recorded)."""
    steps = [AIMessage("", tool_calls=[tool_call("configured", {"q": "c"}, "k1"),
                                       tool_call("aconfigured", {"q": "a"}, "k2")]), AIMessage("fin")]
    model: Any = ScriptedChatModel(_policy(steps))
    tools: list[Any] = [configured, aconfigured]
    if setup is not None:
        model, tools = with_guidance(model), wrap_tools(tools)

    async def acall_model(state: MessagesState) -> dict[str, Any]:
        return {"messages": [await model.ainvoke(state["messages"])]}

    builder = StateGraph(MessagesState)
    builder.add_node("model", RunnableLambda(lambda state: {"messages": [model.invoke(state["messages"])]},
                                             afunc=acall_model))
    builder.add_node("tools", ToolNode(tools))
    builder.add_edge(START, "model")
    builder.add_conditional_edges("model", tools_condition)
    builder.add_edge("tools", "model")
    app: Any = builder.compile()
    lib = _library(setup)
    try:
        if setup is not None:
            app = evolve(app, Evolver(lib, miner=None), reward=lambda state: 1.0)
        config: Any = {"tags": ["mine"], "metadata": {"user": "u1"}}
        inputs = {"messages": [HumanMessage("go", id="h1")]}
        result = asyncio.run(app.ainvoke(inputs, config))
        calls = sorted(e.tool for e in lib.events() if e.kind == EventKind.TOOL_CALL)
        return _shape(result), calls
    finally:
        lib.close()


@pytest.mark.parametrize("setup", SETUPS)
def test_a_wrapped_tool_reading_its_config_sees_it_as_without_skillevo(setup: str) -> None:
    shape, calls = _configured(setup)
    assert shape == _configured(None)[0]
    assert calls == ["aconfigured", "configured"]  # each call recorded once (by the wrapper, not the observer too)
