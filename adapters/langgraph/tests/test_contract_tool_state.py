"""A tool reading the agent state (``InjectedState``, ``ToolRuntime.state``) sees the state it
would see without skillevo.

`SkillMiddleware` keeps its run's episode id in a private state key. Before 2026-12-07 every
tool that takes the graph state got that key too: a tool listing, validating, serializing or
forwarding its state (``InjectedState`` whole, or ``ToolRuntime.state``) answered differently
with skillevo installed (4 of 4 state-reading tools here, sync and async, with an empty library
and with active skills that match nothing). The key stays in the graph's state (the middleware's
other hooks and a resumed run read it there); the tool call's request hands the tool the state
without it. Each run is compared with the same scripted agent without skillevo, and an
interrupted and resumed run under a checkpointer is compared too.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated, Any

import pytest
from langchain.agents import create_agent
from langchain.tools import ToolRuntime
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.prebuilt import InjectedState
from langgraph.types import Command, interrupt

from skillevo import Evolver, SkillLibrary, Strategy, Trigger, VersionStatus
from skillevo.testing import ScriptedChatModel
from skillevo_langgraph import SkillMiddleware

sys.path.insert(0, str(Path(__file__).parent))
from contract_tools import add, tool_call


@tool
def whole(q: str, state: Annotated[dict[str, Any], InjectedState]) -> str:
    """Reads the whole state."""
    return f"{q} {sorted(state)}"


@tool
def field(q: str, messages: Annotated[list[Any], InjectedState("messages")]) -> str:
    """Reads one field of the state."""
    return f"{q} {len(messages)}"


@tool
def runtime(q: str, runtime: ToolRuntime) -> str:
    """Reads the run's state through the runtime."""
    return f"{q} {sorted(runtime.state)}"


@tool
async def aruntime(q: str, runtime: ToolRuntime) -> str:
    """Reads the run's state through the runtime, async."""
    return f"{q} {sorted(runtime.state)}"


@tool
def ask(q: str, state: Annotated[dict[str, Any], InjectedState]) -> str:
    """Asks a person (interrupts the run), then says what state it had."""
    return f"{interrupt({'q': q})} {sorted(state)}"


TOOLS = [whole, field, runtime, aruntime, ask, add]
READS = [tool_call("whole", {"q": "w"}, "s1"), tool_call("field", {"q": "f"}, "s2"),
         tool_call("runtime", {"q": "r"}, "s3")]
READERS = {"sync": [AIMessage("", tool_calls=READS), AIMessage("fin")],  # (an async-only tool fails a sync run)
           "async": [AIMessage("", tool_calls=[*READS, tool_call("aruntime", {"q": "a"}, "s4")]), AIMessage("fin")]}
ASKS = [AIMessage("", tool_calls=[tool_call("ask", {"q": "ok?"}, "i1"), tool_call("add", {"a": 1, "b": 2}, "i2")]),
        AIMessage("fin")]


def _library(setup: str) -> SkillLibrary:
    lib = SkillLibrary(":memory:")
    if setup == "active_unmatched":  # active skills whose triggers name no tool of this agent
        lib.add_skill("other", Trigger(kind="before_tool", tool="elsewhere"), Strategy(guidance="Other."),
                      status=VersionStatus.ACTIVE)
        fix = Strategy(repair={"ops": [{"op": "set", "arg": "x", "value": 2}]})
        lib.add_skill("fix-other", Trigger(kind="tool_error", tool="elsewhere"), fix, status=VersionStatus.ACTIVE)
    return lib


def _shape(messages: list[Any]) -> list[tuple[Any, ...]]:
    return [(m.type, m.content, getattr(m, "status", None),
             [(c["name"], c["args"], c["id"]) for c in getattr(m, "tool_calls", [])]) for m in messages]


def _agent(steps: list[AIMessage], setup: str | None, lib: SkillLibrary, **kwargs: Any) -> Any:
    def policy(messages: Any) -> AIMessage:
        return steps[min(sum(isinstance(m, AIMessage) for m in messages), len(steps) - 1)]

    stack = [] if setup is None else [SkillMiddleware(Evolver(lib, miner=None), reward=lambda state: 1.0)]
    return create_agent(ScriptedChatModel(policy), TOOLS, middleware=stack, **kwargs)


def _readers(setup: str | None, mode: str) -> Any:
    lib = _library(setup or "empty")
    try:
        agent = _agent(READERS[mode], setup, lib)
        inputs = {"messages": [HumanMessage("go", id="h1")]}
        result = agent.invoke(inputs) if mode == "sync" else asyncio.run(agent.ainvoke(inputs))
        return _shape(result["messages"])
    finally:
        lib.close()


def _resumed(setup: str | None, mode: str) -> Any:
    lib = _library(setup or "empty")
    try:
        agent = _agent(ASKS, setup, lib, checkpointer=InMemorySaver())
        config: Any = {"configurable": {"thread_id": "t"}}
        inputs = {"messages": [HumanMessage("go", id="h1")]}

        async def both() -> tuple[Any, Any]:
            return await agent.ainvoke(inputs, config), await agent.ainvoke(Command(resume="yes"), config)

        if mode == "sync":
            first, second = agent.invoke(inputs, config), agent.invoke(Command(resume="yes"), config)
        else:
            first, second = asyncio.run(both())
        stored = agent.get_state(config)
        return (_shape(first["messages"]), [i.value for i in first["__interrupt__"]], _shape(second["messages"]),
                _shape(stored.values["messages"]), stored.next)
    finally:
        lib.close()


@pytest.mark.parametrize("setup", ["empty", "active_unmatched"])
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_tool_reading_the_state_sees_it_as_without_skillevo(setup: str, mode: str) -> None:
    assert _readers(setup, mode) == _readers(None, mode)


@pytest.mark.parametrize("setup", ["empty", "active_unmatched"])
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_an_interrupted_and_resumed_run_is_the_same_as_without_skillevo(setup: str, mode: str) -> None:
    assert _resumed(setup, mode) == _resumed(None, mode)
