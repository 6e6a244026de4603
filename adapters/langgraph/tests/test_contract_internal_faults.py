"""An error inside skillevo's own LangGraph adapter is never the reason a run fails or changes.

The contract (docs/adapters.md): an error inside skillevo is logged and recorded on the episode,
never raised into the run. The core's episode API held it (a broken store, a raising selector or
miner change nothing here), but the middleware's own steps around the model and tool calls did
not: before 2026-12-06 a fault in any of them (finishing the episode at the final answer or after
a ``return_direct`` tool, writing the episode id into the state, marking a repaired message,
dispatching trace events, reading a tool's injected parameters, the loop-exit record of a failed
run) failed the user's run with skillevo's exception, or replaced the tool's own exception with
it (130 of 130 faulted runs here differed from the run without skillevo). No real fault reaches
these steps on demand, so each is made to raise by monkeypatching it; every run is compared with
the same scripted agent without skillevo.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain.agents.structured_output import ToolStrategy
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.tools import tool
from pydantic import BaseModel

import skillevo_langgraph._common as common
import skillevo_langgraph._middleware as middleware
from skillevo import Evolver, SkillLibrary, SkillStore, Strategy, Trigger, VersionStatus
from skillevo.testing import ScriptedChatModel
from skillevo_langgraph import SkillMiddleware
from skillevo_langgraph._stopped import RunWatch
from skillevo_langgraph._trace import Trace

sys.path.insert(0, str(Path(__file__).parent))
from contract_tools import aboom, add, boom, fragile, raiser, tool_call


@tool(return_direct=True)
def direct(q: str) -> str:
    """Ends the run with its result."""
    return "direct " + q


class Out(BaseModel):
    answer: str


SCENARIOS: dict[str, tuple[list[Any], list[AIMessage], dict[str, Any]]] = {
    "parallel": ([add, fragile], [AIMessage("", tool_calls=[tool_call("add", {"a": 1, "b": 2}, "a1"),
                                                            tool_call("fragile", {"x": 1}, "a2"),
                                                            tool_call("fragile", {"x": 2}, "a3")]),
                                  AIMessage("fin")], {}),
    "return_direct": ([direct, add], [AIMessage("", tool_calls=[tool_call("direct", {"q": "d"}, "d1")])], {}),
    "structured": ([add], [AIMessage("", tool_calls=[tool_call("add", {"a": 1, "b": 2}, "s1")]),
                           AIMessage("", tool_calls=[tool_call("Out", {"answer": "3"}, "s2")])],
                   {"response_format": ToolStrategy(Out)}),
    "tool_raises": ([raiser], [AIMessage("", tool_calls=[tool_call("raiser", {"x": 1}, "r1")]), AIMessage("fin")], {}),
    "model_raises": ([add], [AIMessage("", tool_calls=[tool_call("add", {"a": 1, "b": 2}, "m1")])], {"fail_on": 2}),
}


def _policy(steps: list[AIMessage], fail_on: int | None = None) -> Any:
    def policy(messages: Any) -> AIMessage:
        turn = sum(isinstance(m, AIMessage) for m in messages)
        if fail_on is not None and turn + 1 >= fail_on:
            raise TimeoutError("the model timed out")
        return steps[min(turn, len(steps) - 1)]

    return policy


def _shape(result: Any) -> Any:
    if isinstance(result, BaseException):
        return f"raised {type(result).__name__}: {result}"
    messages = [
        (m.type, m.content, getattr(m, "status", None),
         [(c["name"], c["args"], c["id"]) for c in getattr(m, "tool_calls", [])])
        for m in result["messages"]
    ]
    return messages, repr(result.get("structured_response"))


def _library() -> SkillLibrary:
    # Active guidance everywhere: the hooks go through selection, guidance and the trace.
    lib = SkillLibrary(":memory:")
    lib.add_skill("brief", Trigger(kind="always"), Strategy(guidance="Answer briefly."), status=VersionStatus.ACTIVE)
    for name in ("add", "fragile", "direct", "raiser"):
        lib.add_skill(f"use-{name}", Trigger(kind="before_tool", tool=name),
                      Strategy(guidance=f"Call {name} with care."), status=VersionStatus.ACTIVE)
    return lib


def _broken(*args: Any, **kwargs: Any) -> Any:
    raise sqlite3.OperationalError("disk I/O error")


def _run(scenario: str, mode: str, *, skillevo: bool, broken_store: bool = False) -> Any:
    tools, steps, options = SCENARIOS[scenario]
    options = dict(options)
    fail_on = options.pop("fail_on", None)
    lib = _library()
    try:
        evo = Evolver(lib, miner=None)
        if broken_store:
            for name in dir(SkillStore):
                if not name.startswith("_") and name != "close" and callable(getattr(SkillStore, name)):
                    setattr(lib, name, _broken)
        stack = [SkillMiddleware(evo, reward=lambda state: 1.0, catch_tool_errors=False)]
        model = ScriptedChatModel(_policy(steps, fail_on))
        agent = create_agent(model, tools, middleware=stack if skillevo else [], **options)
        inputs = {"messages": [HumanMessage("go", id="h1")]}
        try:
            return _shape(agent.invoke(inputs) if mode == "sync" else asyncio.run(agent.ainvoke(inputs)))
        except Exception as exc:
            return _shape(exc)
    finally:
        lib.close()


# (owner, attribute, replacement): the adapter's own steps around the framework's calls
FAULTS = [
    *[(SkillMiddleware, name, boom) for name in (
        "_final_state", "_result", "_after_tool", "_direct_batch", "_close", "_done", "_take", "_trace_of",
        "_model_failed", "_failed_with", "_messages", "_ended")],
    *[(SkillMiddleware, name, aboom) for name in ("_afinish_state",)],
    (SkillMiddleware, "_emit", staticmethod(boom)),
    (SkillMiddleware, "_aemit", staticmethod(aboom)),
    (RunWatch, "forget", boom),
    (Trace, "drain", boom),
    (middleware, "score_reward", boom),
    (common, "injected_params", boom),
]


@pytest.fixture(scope="module")
def baseline() -> dict[tuple[str, str], Any]:
    return {(s, m): _run(s, m, skillevo=False) for s in SCENARIOS for m in ("sync", "async")}


def test_the_differential_holds_without_faults(baseline: dict[tuple[str, str], Any]) -> None:
    assert {key: _run(*key, skillevo=True) for key in baseline} == baseline


_IDS = [f"{getattr(owner, '__name__', owner)}.{name}" for owner, name, _ in FAULTS]


@pytest.mark.parametrize(("owner", "name", "fault"), FAULTS, ids=_IDS)
def test_a_fault_inside_the_adapter_leaves_the_run_as_without_skillevo(
    baseline: dict[tuple[str, str], Any], monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, fault: Any
) -> None:
    monkeypatch.setattr(owner, name, fault)
    assert {key: _run(*key, skillevo=True) for key in baseline} == baseline


def test_a_broken_store_leaves_the_run_as_without_skillevo(baseline: dict[tuple[str, str], Any]) -> None:
    # A real fault: every store call fails (a disk gone, a database down) once the Evolver is built.
    assert {key: _run(*key, skillevo=True, broken_store=True) for key in baseline} == baseline
