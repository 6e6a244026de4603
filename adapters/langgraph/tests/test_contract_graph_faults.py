"""`evolve` + `wrap_tools` + `with_guidance`: an error inside skillevo's own steps never fails or
changes a hand-built graph's run.

Before 2026-12-06 a fault in the wrapper's steps around the graph's own work (scoring and
recording the run once its stream ended, reading a wrapped tool's call and its injected
parameters, marking its result, dispatching trace events, adding guidance to a model call) failed
the user's run with skillevo's exception, or replaced the tool's own exception with it, after the
graph had done its work (13 of the 16 steps faulted here; reading the task and the thread were
already guarded). No real fault reaches these steps on demand, so each is made to raise by
monkeypatching it; every run is compared with the same graph built without skillevo.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.runnables import RunnableLambda
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition

import skillevo_langgraph._evolve as evolving
import skillevo_langgraph._graph as graph
from skillevo import Evolver, SkillLibrary, Strategy, Trigger, VersionStatus
from skillevo.testing import ScriptedChatModel
from skillevo_langgraph import evolve, with_guidance, wrap_tools
from skillevo_langgraph._trace import Trace

sys.path.insert(0, str(Path(__file__).parent))
from contract_tools import aboom, add, boom, fragile, raiser, tool_call

SCENARIOS: dict[str, tuple[list[Any], list[AIMessage]]] = {
    "parallel": ([add, fragile], [AIMessage("", tool_calls=[tool_call("add", {"a": 1, "b": 2}, "a1"),
                                                            tool_call("fragile", {"x": 1}, "a2"),
                                                            tool_call("fragile", {"x": 2}, "a3")]),
                                  AIMessage("fin")]),
    "tool_raises": ([raiser], [AIMessage("", tool_calls=[tool_call("raiser", {"x": 1}, "r1")]), AIMessage("fin")]),
}
MODES = ("invoke", "ainvoke", "stream")


def _library() -> SkillLibrary:
    lib = SkillLibrary(":memory:")
    lib.add_skill("brief", Trigger(kind="always"), Strategy(guidance="Answer briefly."), status=VersionStatus.ACTIVE)
    for name in ("add", "fragile", "raiser"):
        lib.add_skill(f"use-{name}", Trigger(kind="before_tool", tool=name),
                      Strategy(guidance=f"Call {name} with care."), status=VersionStatus.ACTIVE)
    return lib


def _shape(result: Any) -> Any:
    if isinstance(result, BaseException):
        return f"raised {type(result).__name__}: {result}"
    if isinstance(result, list):  # stream chunks: the nodes that updated, in order
        return [sorted(chunk) for chunk in result]
    return [(m.type, m.content, getattr(m, "status", None),
             [(c["name"], c["args"], c["id"]) for c in getattr(m, "tool_calls", [])]) for m in result["messages"]]


def _run(scenario: str, mode: str, *, skillevo: bool) -> Any:
    tools, steps = SCENARIOS[scenario]

    def policy(messages: Any) -> AIMessage:
        return steps[min(sum(isinstance(m, AIMessage) for m in messages), len(steps) - 1)]

    model: Any = ScriptedChatModel(policy)
    if skillevo:
        model, tools = with_guidance(model), wrap_tools(tools)

    def call_model(state: MessagesState) -> dict[str, Any]:
        return {"messages": [model.invoke(state["messages"])]}

    async def acall_model(state: MessagesState) -> dict[str, Any]:
        return {"messages": [await model.ainvoke(state["messages"])]}

    builder = StateGraph(MessagesState)
    builder.add_node("model", RunnableLambda(call_model, afunc=acall_model))
    builder.add_node("tools", ToolNode(tools, handle_tool_errors=False))
    builder.add_edge(START, "model")
    builder.add_conditional_edges("model", tools_condition)
    builder.add_edge("tools", "model")
    app: Any = builder.compile()
    lib = _library()
    try:
        if skillevo:
            app = evolve(app, Evolver(lib, miner=None), reward=lambda state: 1.0)
        inputs = {"messages": [HumanMessage("go", id="h1")]}
        try:
            if mode == "invoke":
                return _shape(app.invoke(inputs))
            if mode == "ainvoke":
                return _shape(asyncio.run(app.ainvoke(inputs)))
            return _shape(list(app.stream(inputs, stream_mode="updates")))
        except Exception as exc:
            return _shape(exc)
    finally:
        lib.close()


# (owner, attribute, replacement): the wrapper's own steps around the graph's work
FAULTS = [
    *[(evolving.EvolvingGraph, name, boom) for name in ("_task", "_thread", "_resumed", "_end", "_done")],
    (evolving._Modes, "__init__", boom),
    (evolving, "trace_of", boom),
    (graph, "trace_of", boom),
    (graph, "mark_repairs", boom),
    (graph, "emit", boom),
    (graph, "aemit", aboom),
    (graph, "injected_of", boom),
    (graph._EvolvingTool, "_call", staticmethod(boom)),
    (graph._EvolvingTool, "_inner_config", boom),
    (Trace, "drain", boom),
    (Trace, "reward", boom),
]
_IDS = [f"{getattr(owner, '__name__', owner)}.{name}" for owner, name, _ in FAULTS]


@pytest.fixture(scope="module")
def baseline() -> dict[tuple[str, str], Any]:
    return {(s, m): _run(s, m, skillevo=False) for s in SCENARIOS for m in MODES}


def test_the_differential_holds_without_faults(baseline: dict[tuple[str, str], Any]) -> None:
    assert {key: _run(*key, skillevo=True) for key in baseline} == baseline


@pytest.mark.parametrize(("owner", "name", "fault"), FAULTS, ids=_IDS)
def test_a_fault_inside_the_wrapper_leaves_the_run_as_without_skillevo(
    baseline: dict[tuple[str, str], Any], monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, fault: Any
) -> None:
    monkeypatch.setattr(owner, name, fault)
    assert {key: _run(*key, skillevo=True) for key in baseline} == baseline


def test_with_guidance_passes_its_input_on_as_it_came_when_there_is_no_guidance() -> None:
    # A runnable that is not a chat model (a chain taking a string) under `with_guidance`, in a run
    # whose library has no skill: it must get what it would get without skillevo.
    from skillevo.adapters import use_episode

    seen = with_guidance(RunnableLambda(lambda value: type(value).__name__))
    with SkillLibrary(":memory:") as lib:
        ep = Evolver(lib, miner=None).episode(task="t")
        with use_episode(ep):
            assert seen.invoke("a question") == "str"
            assert asyncio.run(seen.ainvoke("a question")) == "str"
        ep.finish(None)
