"""Fuzzed differential runs: a scripted ``create_agent`` run is the same with skillevo installed
(no skill able to act, or skillevo failing inside) as without it.

Hypothesis draws the model's turns (each a batch of parallel tool calls among tools that answer,
fail with an error message, return a ``Command``, an artifact, read the ``ToolRuntime``, end the run
(``return_direct``), break their schema or do not exist), how skillevo is set up (an empty library;
skills that are all retired; a store whose every call fails; a selector or a miner that raises)
and whether a ``ToolRetryMiddleware`` stands before it; the conversation must be the same as the
run without skillevo, message for message. Derandomized: the same examples on every run.
"""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
import sys
from pathlib import Path
from typing import Annotated, Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langchain.agents import create_agent
from langchain.agents.middleware import AgentMiddleware, ToolRetryMiddleware
from langchain.tools import ToolRuntime
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import InjectedToolCallId, tool
from langgraph.types import Command

from skillevo import Evolver, SkillLibrary, SkillStore, Strategy, Trigger, VersionStatus
from skillevo.testing import ScriptedChatModel, ScriptedMiner
from skillevo_langgraph import SkillMiddleware

sys.path.insert(0, str(Path(__file__).parent))
from contract_tools import add, fragile


@tool
def flaky(x: int) -> str:
    """Raises (a retry middleware retries it)."""
    raise ConnectionError(f"reset {x}")


@tool
def command(text: str, tool_call_id: Annotated[str, InjectedToolCallId]) -> Command[Any]:
    """Answers with a graph command."""
    return Command(update={"messages": [ToolMessage(content="cmd:" + text, tool_call_id=tool_call_id)]})


@tool(response_format="content_and_artifact")
def artifact(q: str) -> tuple[str, dict[str, Any]]:
    """Answers with content and an artifact."""
    return "content " + q, {"raw": [1, 2, q]}


@tool
def runtime(q: str, runtime: ToolRuntime) -> str:
    """Reads the run's state."""
    return f"{q} {len(runtime.state['messages'])}"


@tool(return_direct=True)
def direct(q: str) -> str:
    """Ends the run with its result."""
    return "direct " + q


TOOLS = [add, fragile, flaky, command, artifact, runtime, direct]
CALLS = {
    "add": ("add", {"a": 1, "b": 2}),
    "fragile_fails": ("fragile", {"x": 1}),
    "fragile_answers": ("fragile", {"x": 2}),
    "command": ("command", {"text": "t"}),
    "artifact": ("artifact", {"q": "z"}),
    "runtime": ("runtime", {"q": "y"}),
    "direct": ("direct", {"q": "d"}),
    "schema_broken": ("add", {"a": "x"}),
    "unknown_tool": ("nope", {"z": 1}),
}
RAISING = {"flaky": ("flaky", {"x": 3})}  # only with the retry middleware (without it the run raises)


def _broken(*args: Any, **kwargs: Any) -> Any:
    raise sqlite3.OperationalError("disk I/O error")


def _down(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("selector down")


def _evolver(setup: str, lib: SkillLibrary) -> Evolver:
    if setup == "retired":
        for name in ("add", "fragile", "flaky", "command", "artifact", "runtime", "direct"):
            lib.add_skill(f"use-{name}", Trigger(kind="before_tool", tool=name),
                          Strategy(guidance=f"Call {name} with care."), status=VersionStatus.RETIRED)
            fix = Strategy(repair={"ops": [{"op": "set", "arg": "x", "value": 2}]})
            lib.add_skill(f"fix-{name}", Trigger(kind="tool_error", tool=name), fix, status=VersionStatus.RETIRED)
    if setup == "miner_raises":
        return Evolver(lib, miner=ScriptedMiner(_down), mining="inline")
    evo = Evolver(lib, miner=None)
    if setup == "store_fails":
        for name in dir(SkillStore):
            if not name.startswith("_") and name != "close" and callable(getattr(SkillStore, name)):
                setattr(lib, name, _broken)
    if setup == "selector_raises":
        for name in ("choose", "update", "posterior", "propensity", "prob_better"):
            setattr(evo.selector, name, _down)
    return evo


def _shape(messages: list[Any]) -> list[tuple[Any, ...]]:
    return [
        (m.type, m.content, getattr(m, "status", None), getattr(m, "artifact", None),
         [(c["name"], c["args"], c["id"]) for c in getattr(m, "tool_calls", [])])
        for m in messages
    ]


def _run(turns: list[list[str]], setup: str | None, retry: bool, mode: str) -> Any:
    ids = itertools.count()
    calls = {**CALLS, **RAISING}
    steps = [AIMessage("", tool_calls=[{"name": calls[k][0], "args": calls[k][1], "id": f"c{next(ids)}"} for k in turn])
             for turn in turns if turn]
    steps.append(AIMessage("final"))

    def policy(messages: Any) -> AIMessage:
        return steps[min(sum(isinstance(m, AIMessage) for m in messages), len(steps) - 1)]

    lib = SkillLibrary(":memory:")
    try:
        stack: list[AgentMiddleware[Any, Any]] = []
        if retry:
            stack.append(ToolRetryMiddleware(max_retries=1, initial_delay=0, jitter=False))
        if setup is not None:
            stack.append(SkillMiddleware(_evolver(setup, lib), reward=lambda state: 1.0))
        agent = create_agent(ScriptedChatModel(policy), TOOLS, middleware=stack)
        inputs = {"messages": [HumanMessage("go", id="h1")]}
        try:
            result = agent.invoke(inputs) if mode == "sync" else asyncio.run(agent.ainvoke(inputs))
        except Exception as exc:
            return f"raised {type(exc).__name__}: {exc}"
        return _shape(result["messages"])
    finally:
        lib.close()


@st.composite
def _scripts(draw: st.DrawFn) -> tuple[list[list[str]], bool]:
    retry = draw(st.booleans())
    names = sorted(CALLS) + (sorted(RAISING) if retry else [])
    turns = draw(st.lists(st.lists(st.sampled_from(names), max_size=3), min_size=1, max_size=3))
    return turns, retry


@settings(max_examples=40, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(_scripts(), st.sampled_from(["empty", "retired", "store_fails", "selector_raises", "miner_raises"]),
       st.sampled_from(["sync", "async"]))
def test_a_run_is_the_same_with_skillevo_as_without(
    script: tuple[list[list[str]], bool], setup: str, mode: str
) -> None:
    turns, retry = script
    assert _run(turns, setup, retry, mode) == _run(turns, None, retry, mode)
