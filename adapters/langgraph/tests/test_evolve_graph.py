"""`evolve(graph)` is still the compiled graph: LangGraph's own APIs work on it unchanged."""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.prebuilt import ToolNode, tools_condition
from langgraph.pregel import Pregel

from skillevo import NULL_ARM, ConfigError, Evolver, SkillLibrary, Strategy, Trigger, TriggerKind, VersionStatus
from skillevo_langgraph import EvolvingGraph, evolve, with_guidance, wrap_tools

sys.path.insert(0, str(Path(__file__).parent))
from lg_fakes import ScriptedChat, book, booking_policy, ok_reward


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def _evo(lib: SkillLibrary) -> Evolver:
    vid = lib.add_skill(
        "iso-date",
        Trigger(kind=TriggerKind.TOOL_ERROR, tool="book", pattern="YYYY-MM-DD"),
        Strategy(repair={"ops": [{"op": "set", "arg": "date", "value": "2025-03-04"}]}),  # type: ignore[arg-type]
        status=VersionStatus.ACTIVE,
    ).id
    lib.add_skill("tone", Trigger(kind=TriggerKind.ALWAYS), Strategy(guidance="Be terse."), status=VersionStatus.ACTIVE)
    evo = Evolver(lib, miner=None, seed=0)
    for key, arm in (("iso-date", vid), ("tone", "tone@1")):
        for _ in range(30):
            evo.selector.update(key, arm, 1.0)
            evo.selector.update(key, NULL_ARM, 0.0)
    return evo


def _builder(model: ScriptedChat) -> StateGraph[Any]:
    llm = with_guidance(model).bind_tools([book])
    builder = StateGraph(MessagesState)
    builder.add_node("model", lambda s: {"messages": [llm.invoke(s["messages"])]})
    builder.add_node("tools", ToolNode(wrap_tools([book]), handle_tool_errors=True))
    builder.add_edge(START, "model")
    builder.add_conditional_edges("model", tools_condition)
    builder.add_edge("tools", "model")
    return builder


def _nested(model: ScriptedChat) -> Any:
    """A parent graph whose only node is the agent graph (a subgraph)."""
    parent = StateGraph(MessagesState)
    parent.add_node("agent", _builder(model).compile())
    parent.add_edge(START, "agent")
    return parent.compile()


def _ask(text: str = "book Oslo on March 4th") -> dict[str, Any]:
    return {"messages": [HumanMessage(content=text)]}


def test_the_evolved_graph_is_the_compiled_graph(lib: SkillLibrary) -> None:
    graph = _builder(ScriptedChat(booking_policy)).compile(checkpointer=InMemorySaver())
    app = evolve(graph, _evo(lib), reward=ok_reward)
    assert isinstance(app, Pregel) and isinstance(app, CompiledStateGraph) and isinstance(app, EvolvingGraph)
    assert app.checkpointer is graph.checkpointer and app.builder is graph.builder
    drawn, original = app.get_graph(), graph.get_graph()
    assert set(drawn.nodes) == set(original.nodes) == {"__start__", "model", "tools", "__end__"}
    assert {(e.source, e.target) for e in drawn.edges} == {(e.source, e.target) for e in original.edges}
    assert app.get_input_jsonschema() == graph.get_input_jsonschema()
    copy = app.with_config(tags=["nightly"])
    assert isinstance(copy, EvolvingGraph) and copy.config and copy.config.get("tags") == ["nightly"]
    copy.invoke(_ask(), {"configurable": {"thread_id": "c"}})
    assert app.last_episode_id is not None and lib.episode(app.last_episode_id).reward == 1.0


def test_checkpointed_threads_get_state_update_state_and_no_guidance_in_state(lib: SkillLibrary) -> None:
    model = ScriptedChat(booking_policy)
    app = evolve(_builder(model).compile(checkpointer=InMemorySaver()), _evo(lib), reward=ok_reward)
    thread = {"configurable": {"thread_id": "t1"}}
    for turn in (1, 2, 3):
        out = app.invoke(_ask(f"book Oslo, turn {turn}"), thread)
        assert out["messages"][-1].text == "booked"
    messages = app.get_state(thread).values["messages"]
    assert len(messages) == 12 and not any(isinstance(m, SystemMessage) for m in messages)
    assert [m.text for m in messages if isinstance(m, HumanMessage)] == [f"book Oslo, turn {t}" for t in (1, 2, 3)]
    assert model.systems and all("Be terse." in s for s in model.systems)  # in each model request instead
    assert len(lib.episodes()) == 3 and all(e.reward == 1.0 for e in lib.episodes())
    app.update_state(thread, {"messages": [AIMessage(content="a note")]})
    state = app.get_state(thread)
    assert state.values["messages"][-1].text == "a note" and len(state.values["messages"]) == 13
    assert len(list(app.get_state_history(thread))) > 3


def _shape(chunk: Any) -> Any:
    """A chunk without its run-specific ids (task ids in namespaces, message ids)."""
    ns, data = chunk
    return (
        tuple(part.split(":")[0] for part in ns),
        {node: [m.text for m in (update or {}).get("messages", [])] for node, update in data.items()},
    )


def test_stream_with_subgraphs_yields_the_wrapped_graphs_chunks_and_the_reward_gets_the_state(
    lib: SkillLibrary,
) -> None:
    seen: list[Any] = []

    def reward(state: Any) -> float:
        seen.append(state)
        return ok_reward(state)

    evo = _evo(lib)
    with evo.episode():  # the plain graph, repaired the same way, for a like-for-like comparison
        plain = list(_nested(ScriptedChat(booking_policy)).stream(_ask(), stream_mode="updates", subgraphs=True))
    app = evolve(_nested(ScriptedChat(booking_policy)), evo, reward=reward)
    chunks = list(app.stream(_ask(), stream_mode="updates", subgraphs=True))
    assert len(chunks) == len(plain) == 4  # model, tools, model inside the subgraph; the subgraph's node outside
    assert [len(ns) for ns, _ in chunks] == [1, 1, 1, 0]
    assert [_shape(c) for c in chunks] == [_shape(c) for c in plain]
    assert isinstance(seen[-1], dict) and seen[-1]["messages"][-1].text == "booked"
    assert lib.episode(app.last_episode_id or "").reward == 1.0

    async def run() -> list[Any]:
        return [c async for c in app.astream(_ask(), stream_mode="updates", subgraphs=True)]

    assert [_shape(c) for c in asyncio.run(run())] == [_shape(c) for c in plain]
    assert isinstance(seen[-1], dict)
    multi = list(app.stream(_ask(), stream_mode=["updates", "tasks"]))
    assert {mode for mode, _ in multi} == {"updates", "tasks"}
    assert [c for c in app.stream(_ask(), stream_mode="values")][-1]["messages"][-1].text == "booked"
    assert app.invoke(_ask(), version="v2").value["messages"][-1].text == "booked"


class Recorder(BaseCallbackHandler):
    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any], UUID]] = []

    def on_custom_event(self, name: str, data: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self.events.append((name, data, run_id))


def test_an_evolved_graph_traces_and_takes_feedback_by_its_run_id(lib: SkillLibrary) -> None:
    evo = _evo(lib)
    app = evolve(_builder(ScriptedChat(booking_policy)).compile(), evo, reward=None)
    rec, run_id = Recorder(), uuid.uuid4()
    app.invoke(_ask(), {"callbacks": [rec], "run_id": run_id})
    names = [n for n, _, _ in rec.events]
    assert {"skillevo.selection", "skillevo.guidance", "skillevo.repair", "skillevo.reward"} <= set(names)
    (repair,) = [d for n, d, _ in rec.events if n == "skillevo.repair"]
    assert repair["changed"] == ["date"] and repair["before"]["date"] == "03/04/2025"
    (reward,) = [(d, r) for n, d, r in rec.events if n == "skillevo.reward"]
    assert reward == ({"episode_id": app.last_episode_id, "run_id": str(run_id), "reward": None}, run_id)
    assert app.last_run_id == str(run_id)
    tone = {p.arm: p.beta for p in lib.posteriors("tone")}
    evo.feedback(str(run_id), 0.0)
    assert {p.arm: p.beta for p in lib.posteriors("tone")}["tone@1"] == pytest.approx(tone["tone@1"] + 1)
    assert lib.episode(app.last_episode_id or "").reward == 0.0


def test_evolve_rejects_what_is_not_a_compiled_graph(lib: SkillLibrary) -> None:
    evo = Evolver(lib, miner=None)
    graph = _builder(ScriptedChat(booking_policy)).compile()
    with pytest.raises(ConfigError, match="compiled LangGraph graph"):
        evolve(with_guidance(ScriptedChat(booking_policy)), evo)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="Evolver"):
        evolve(graph, "evo")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="reward"):
        evolve(graph, evo, reward=1.0)  # type: ignore[arg-type]


def test_the_graph_helpers_refuse_what_they_cannot_wrap(lib: SkillLibrary) -> None:
    # Each would otherwise fail later, inside the graph's run, with a foreign AttributeError.
    from skillevo_langgraph import llm_complete

    for bad in ([1], [lambda date: date], "book"):
        with pytest.raises(ConfigError, match="wrap_tools") as info:
            wrap_tools(bad)  # type: ignore[arg-type]
        assert "\n" not in str(info.value)
    with pytest.raises(ConfigError, match="Evolver"):
        wrap_tools([book], "evo")  # type: ignore[arg-type]
    for fn in (with_guidance, llm_complete):
        with pytest.raises(ConfigError, match=fn.__name__):
            fn("gpt-4o")  # type: ignore[arg-type]


def test_a_failing_reward_function_never_fails_an_evolved_graphs_run(lib: SkillLibrary) -> None:
    graph = _builder(ScriptedChat(booking_policy)).compile()
    for bad in (lambda s: s["score"], lambda s: 5, lambda s: "0.7x"):
        app = evolve(graph, _evo_once(lib), reward=bad)
        assert app.invoke(_ask())["messages"][-1].text == "booked"
        chunks = list(app.stream(_ask(), stream_mode="updates"))
        assert chunks
        episode = lib.episode(app.last_episode_id or "")
        assert episode.reward is None and episode.metadata["reward_error"]


def _evo_once(lib: SkillLibrary) -> Evolver:
    return Evolver(lib, miner=None, seed=0)


def test_an_exception_in_the_graph_propagates_and_the_episode_is_scored_zero(lib: SkillLibrary) -> None:
    def down(messages: Any) -> AIMessage:
        raise TimeoutError("model timed out")

    app = evolve(_builder(ScriptedChat(down)).compile(), _evo_once(lib), reward=ok_reward)
    with pytest.raises(TimeoutError):
        app.invoke(_ask())
    (episode,) = lib.episodes()
    assert episode.reward == 0.0 and episode.metadata["exception"] == "TimeoutError"


def test_the_process_wide_trace_policy_shapes_repair_arguments_in_an_evolved_graphs_trace(lib: SkillLibrary) -> None:
    from langchain.agents.middleware import configure_trace_policy
    from langgraph.types import TracePolicy, omit_payload

    app = evolve(_builder(ScriptedChat(booking_policy)).compile(), _evo(lib), reward=ok_reward)
    rec = Recorder()
    configure_trace_policy(TracePolicy(process_inputs=omit_payload))
    try:
        app.invoke(_ask(), {"callbacks": [rec]})
    finally:
        configure_trace_policy(None)
    (repair,) = [d for n, d, _ in rec.events if n == "skillevo.repair"]
    assert repair["before"] == {} and repair["after"] == {} and repair["changed"] == ["date"]


def test_a_run_interrupted_and_resumed_is_one_episode(lib: SkillLibrary) -> None:
    from langgraph.types import Command, interrupt

    evo = _evo(lib)
    llm = with_guidance(ScriptedChat(booking_policy)).bind_tools([book])

    def approve(state: MessagesState) -> dict[str, Any]:
        if interrupt("book it?") != "yes":
            raise ValueError("not approved")
        return {}

    builder = StateGraph(MessagesState)
    builder.add_node("model", lambda s: {"messages": [llm.invoke(s["messages"])]})
    builder.add_node("approve", approve)
    builder.add_node("tools", ToolNode(wrap_tools([book]), handle_tool_errors=True))
    builder.add_edge(START, "model")
    builder.add_conditional_edges("model", tools_condition, {"tools": "approve", "__end__": "__end__"})
    builder.add_edge("approve", "tools")
    builder.add_edge("tools", "model")
    app = evolve(builder.compile(checkpointer=InMemorySaver()), evo, reward=ok_reward)
    thread = {"configurable": {"thread_id": "t"}}
    first = app.invoke(_ask(), thread)
    assert "__interrupt__" in first and lib.count_episodes() == 0  # the run is not over yet
    done = app.invoke(Command(resume="yes"), thread)
    assert done["messages"][-1].text == "booked"
    (episode,) = lib.episodes()
    assert episode.task == "book Oslo on March 4th" and episode.reward == 1.0
    assert app.last_episode_id == episode.id
    # An interrupted run whose thread gets a new input instead is finished without a reward.
    app.invoke(_ask("book Oslo again"), {"configurable": {"thread_id": "u"}})
    chunks = list(app.stream(_ask("something else"), {"configurable": {"thread_id": "u"}}, stream_mode="updates"))
    assert any("__interrupt__" in c for c in chunks)
    rewards = {e.task: e.reward for e in lib.episodes()}
    assert rewards == {"book Oslo on March 4th": 1.0, "book Oslo again": None}


def test_tools_only_observed_through_callbacks_show_no_repair_in_the_trace(lib: SkillLibrary) -> None:
    repair = {
        "ops": [{"op": "set", "arg": "date", "value": "2025-03-04"}],
        "precondition": [{"arg": "date", "regex": r"\d{2}/\d{2}/\d{4}"}],
    }
    vid = lib.add_skill(
        "iso-date",
        Trigger(kind=TriggerKind.TOOL_ERROR, tool="book", pattern="YYYY-MM-DD"),
        Strategy(repair=repair),  # type: ignore[arg-type]
        status=VersionStatus.ACTIVE,
    ).id
    evo = Evolver(lib, miner=None, seed=0)
    for _ in range(30):
        evo.selector.update("iso-date", vid, 1.0)
        evo.selector.update("iso-date", NULL_ARM, 0.0)
    llm = ScriptedChat(booking_policy).bind_tools([book])
    builder = StateGraph(MessagesState)
    builder.add_node("model", lambda s: {"messages": [llm.invoke(s["messages"])]})
    builder.add_node("tools", ToolNode([book], handle_tool_errors=True))  # plain tools: a callback cannot repair
    builder.add_edge(START, "model")
    builder.add_conditional_edges("model", tools_condition)
    builder.add_edge("tools", "model")
    rec = Recorder()
    out = evolve(builder.compile(), evo, reward=ok_reward).invoke(_ask(), {"callbacks": [rec]})
    assert "invalid date" in out["messages"][2].text  # the call really ran unrepaired
    names = [n for n, _, _ in rec.events]
    assert "skillevo.selection" in names and "skillevo.repair" not in names
