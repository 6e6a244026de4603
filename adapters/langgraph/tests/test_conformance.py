"""The adapter conformance suite against LangGraph: ``create_agent`` + `SkillMiddleware` and a
hand-built ``StateGraph`` under `evolve` (shared scenarios in tests/conformance/scenarios.py)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Annotated, Any

import pytest
from langchain.agents import create_agent
from langchain.agents.middleware import HumanInTheLoopMiddleware
from langchain.agents.structured_output import ToolStrategy
from langchain.tools import ToolRuntime
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.config import get_stream_writer
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import InjectedState, ToolNode, tools_condition
from langgraph.types import Command
from pydantic import BaseModel

from skillevo import NULL_ARM, EventKind, Evolver, SkillLibrary, Strategy, Trigger, TriggerKind
from skillevo import VersionStatus as VS
from skillevo_langgraph import SkillMiddleware, evolve, with_guidance, wrap_tools

sys.path.insert(0, str(Path(__file__).parent))
from lg_fakes import ScriptedChat, book, booking_policy
from lg_harness import HARNESSES, CreateAgent, EvolvedGraph, graph
from scenarios import SHARED, TASK, first_tool_call_imports_nothing_heavy, repair_skill


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def _ask(text: str = TASK) -> dict[str, Any]:
    return {"messages": [HumanMessage(content=text)]}


def _booked(state: Any) -> float:
    return 1.0 if state["messages"][-1].text == "booked" else 0.0


@pytest.mark.parametrize("harness", HARNESSES, ids=lambda h: h.name)
@pytest.mark.parametrize("scenario", SHARED, ids=lambda s: s.__name__)
def test_shared_scenario(scenario: Any, harness: Any, lib: SkillLibrary) -> None:
    scenario(harness, lib)


@pytest.mark.slow
@pytest.mark.parametrize("harness", HARNESSES, ids=lambda h: h.name)
def test_first_tool_call_imports_nothing_heavy(harness: Any, tmp_path: Path) -> None:
    first_tool_call_imports_nothing_heavy(harness, tmp_path)


# ---------------------------------------------------------------------------------------- streams


def _nested(model: Any) -> Any:
    """The agent graph as a subgraph of a parent whose first node writes a custom stream chunk."""

    def note(state: MessagesState) -> dict[str, Any]:
        get_stream_writer()({"note": "starting"})
        return {}

    parent = StateGraph(MessagesState)
    parent.add_node("note", note)
    parent.add_node("agent", graph(model).compile())
    parent.add_edge(START, "note")
    parent.add_edge("note", "agent")
    return parent.compile()


def _texts(messages: Any) -> list[str]:
    return [m.text for m in messages or []]


def _norm(mode: str, data: Any) -> Any:
    """A chunk's content without run-specific ids and timestamps."""
    if mode == "values":
        return _texts(data.get("messages"))
    if mode == "updates":
        return {node: _texts((u or {}).get("messages")) for node, u in data.items()}
    if mode == "messages":
        message, meta = data
        return type(message).__name__, message.text, meta.get("langgraph_node")
    if mode == "debug":
        return data.get("type"), (data.get("payload") or {}).get("name")
    return data


def _shape(chunk: Any, modes: list[str], single: bool) -> Any:
    if single:
        ns, data = chunk
        mode = modes[0]
    else:
        ns, mode, data = chunk
    return tuple(p.split(":")[0] for p in ns), mode, _norm(mode, data)


MODES = ["values", "updates", "messages", "custom", "debug"]


@pytest.mark.parametrize("modes", [[m] for m in MODES] + [MODES], ids=lambda m: "+".join(m))
def test_stream_in_every_mode_with_subgraphs_yields_the_unwrapped_graphs_chunks(
    lib: SkillLibrary, modes: list[str]
) -> None:
    evo = repair_skill(lib)
    single = len(modes) == 1
    mode_arg: Any = modes[0] if single else modes
    with evo.episode():  # the plain graph, repaired the same way
        plain = [
            _shape(c, modes, single)
            for c in _nested(ScriptedChat(booking_policy, disable_streaming=True)).stream(
                _ask(), stream_mode=mode_arg, subgraphs=True
            )
        ]
    seen: list[Any] = []
    app = evolve(
        _nested(ScriptedChat(booking_policy, disable_streaming=True)), evo, reward=lambda s: seen.append(s) or 1.0
    )
    chunks = [_shape(c, modes, single) for c in app.stream(_ask(), stream_mode=mode_arg, subgraphs=True)]
    assert chunks == plain and chunks
    assert {m for _, m, _ in chunks} == set(modes)

    async def run() -> list[Any]:
        return [_shape(c, modes, single) async for c in app.astream(_ask(), stream_mode=mode_arg, subgraphs=True)]

    assert asyncio.run(run()) == plain
    assert len(seen) == 2 and all(isinstance(s, dict) and s["messages"][-1].text == "booked" for s in seen)
    assert [e.reward for e in lib.episodes()] == [None, 1.0, 1.0]  # the plain run's episode had none


# ---------------------------------------------------------------------------------------- threads and interrupts


def _tone(lib: SkillLibrary) -> Evolver:
    lib.add_skill("tone", Trigger(kind=TriggerKind.ALWAYS), Strategy(guidance="Be terse."), status=VS.ACTIVE)
    evo = Evolver(lib, miner=None, seed=0)
    for _ in range(30):
        evo.selector.update("tone", "tone@1", 1.0)
        evo.selector.update("tone", NULL_ARM, 0.0)
    return evo


@pytest.mark.parametrize("kind", ["create_agent", "evolve"])
def test_checkpointed_thread_has_no_system_message_in_state_after_3_turns(lib: SkillLibrary, kind: str) -> None:
    evo = _tone(lib)
    model = ScriptedChat(booking_policy)
    if kind == "create_agent":
        app: Any = create_agent(
            model, [book], middleware=[SkillMiddleware(evo, reward=_booked)], checkpointer=InMemorySaver()
        )
    else:
        app = evolve(graph(model).compile(checkpointer=InMemorySaver()), evo, reward=_booked)
    thread = {"configurable": {"thread_id": "t"}}
    for turn in (1, 2, 3):
        assert app.invoke(_ask(f"book Oslo, turn {turn}"), thread)["messages"][-1].text == "booked"
    messages = app.get_state(thread).values["messages"]
    assert not any(isinstance(m, SystemMessage) for m in messages)
    assert model.systems and all("Be terse." in s for s in model.systems)
    assert [e.reward for e in lib.episodes()] == [1.0, 1.0, 1.0]


def test_resumed_interrupts_are_one_episode_per_logical_run_under_create_agent(lib: SkillLibrary) -> None:
    evo = Evolver(lib, miner=None)
    hitl = HumanInTheLoopMiddleware(interrupt_on={"book": True})
    agent = create_agent(
        ScriptedChat(booking_policy),
        [book],
        middleware=[SkillMiddleware(evo, reward=_booked), hitl],
        checkpointer=InMemorySaver(),
    )
    thread = {"configurable": {"thread_id": "t"}}
    first = agent.invoke(_ask(), thread)
    assert "__interrupt__" in first and lib.count_episodes() == 0
    resume = Command(resume={"decisions": [{"type": "approve"}]})
    while "__interrupt__" in (out := agent.invoke(resume, thread)):
        pass
    assert out["messages"][-1].text == "booked"
    (episode,) = lib.episodes()
    assert episode.task == TASK and episode.reward == 1.0


def test_resumed_interrupts_are_one_episode_per_logical_run_under_evolve(lib: SkillLibrary) -> None:
    from langgraph.types import interrupt

    evo = Evolver(lib, miner=None)
    llm = with_guidance(ScriptedChat(booking_policy)).bind_tools([book])

    def approve(state: MessagesState) -> dict[str, Any]:
        interrupt("book it?")
        return {}

    builder = StateGraph(MessagesState)
    builder.add_node("model", lambda s: {"messages": [llm.invoke(s["messages"])]})
    builder.add_node("approve", approve)
    builder.add_node("tools", ToolNode(wrap_tools([book]), handle_tool_errors=True))
    builder.add_edge(START, "model")
    builder.add_conditional_edges("model", tools_condition, {"tools": "approve", "__end__": "__end__"})
    builder.add_edge("approve", "tools")
    builder.add_edge("tools", "model")
    app = evolve(builder.compile(checkpointer=InMemorySaver()), evo, reward=_booked)
    thread = {"configurable": {"thread_id": "t"}}
    out = app.invoke(_ask(), thread)
    resumes = 0
    while "__interrupt__" in out:
        out = app.invoke(Command(resume="yes"), thread)
        resumes += 1
    assert resumes == 2 and out["messages"][-1].text == "booked"  # the failed call and its correction
    (episode,) = lib.episodes()
    assert episode.task == TASK and episode.reward == 1.0


# ---------------------------------------------------------------------------------------- injected parameters


@tool
def book_here(date: str, city: str, state: Annotated[dict[str, Any], InjectedState], runtime: ToolRuntime) -> str:
    """Book a trip on an ISO date (YYYY-MM-DD)."""
    assert state["messages"] and runtime.tool_call_id
    return book.invoke({"date": date, "city": city})


def _here_policy(messages: Sequence[BaseMessage]) -> AIMessage:
    message = booking_policy(messages)
    for call in message.tool_calls:
        call["name"] = "book_here"
    return message


def test_injected_state_and_runtime_are_not_recorded_and_the_repair_event_validates(lib: SkillLibrary) -> None:
    lib.add_skill(
        "iso-date-here",
        Trigger(kind=TriggerKind.TOOL_ERROR, tool="book_here", pattern="YYYY-MM-DD"),
        Strategy(repair={"ops": [{"op": "set", "arg": "date", "value": "2025-03-04"}]}),  # type: ignore[arg-type]
        status=VS.ACTIVE,
    )
    evo = Evolver(lib, miner=None, seed=0)
    for _ in range(30):
        evo.selector.update("iso-date-here", "iso-date-here@1", 1.0)
        evo.selector.update("iso-date-here", NULL_ARM, 0.0)
    agent = create_agent(ScriptedChat(_here_policy), [book_here], middleware=[SkillMiddleware(evo, reward=_booked)])
    assert agent.invoke(_ask())["messages"][-1].text == "booked"
    llm = with_guidance(ScriptedChat(_here_policy)).bind_tools([book_here])
    builder = StateGraph(MessagesState)
    builder.add_node("model", lambda s: {"messages": [llm.invoke(s["messages"])]})
    builder.add_node("tools", ToolNode(wrap_tools([book_here]), handle_tool_errors=True))
    builder.add_edge(START, "model")
    builder.add_conditional_edges("model", tools_condition)
    builder.add_edge("tools", "model")
    assert evolve(builder.compile(), evo, reward=_booked).invoke(_ask())["messages"][-1].text == "booked"
    for episode in lib.episodes():
        assert episode.reward == 1.0
        events = lib.events(episode_id=episode.id)
        calls = [e for e in events if e.kind in (EventKind.TOOL_CALL, EventKind.TOOL_ERROR)]
        assert calls and all(set(e.data.get("args", {})) <= {"date", "city"} for e in calls)
        (repair,) = [e for e in events if e.kind == EventKind.REPAIR and e.data.get("applied")]
        assert set(repair.data["after"]) == {"date", "city"} and repair.data["after"]["date"] == "2025-03-04"


# ---------------------------------------------------------------------------------------- ways to run


def test_sync_async_stream_and_astream_are_one_episode_each(lib: SkillLibrary) -> None:
    for harness in HARNESSES:
        runnable: Any = (
            harness.agent(Evolver(lib, miner=None), _booked)
            if isinstance(harness, CreateAgent)
            else harness.app(Evolver(lib, miner=None), _booked)
        )
        assert runnable.invoke(_ask())["messages"][-1].text == "booked"
        assert asyncio.run(runnable.ainvoke(_ask()))["messages"][-1].text == "booked"
        assert list(runnable.stream(_ask(), stream_mode="values"))[-1]["messages"][-1].text == "booked"

        async def chunks(r: Any = runnable) -> list[Any]:
            return [c async for c in r.astream(_ask(), stream_mode="values")]

        assert asyncio.run(chunks())[-1]["messages"][-1].text == "booked"
    episodes = lib.episodes()
    assert len(episodes) == 8 and all(e.reward == 1.0 and e.task == TASK for e in episodes)


def _parallel(messages: Sequence[BaseMessage]) -> AIMessage:
    if isinstance(messages[-1], HumanMessage):
        calls = [
            {"name": "book", "args": {"date": d, "city": c}, "id": f"p{i}"}
            for i, (d, c) in enumerate((("03/04/2025", "Oslo"), ("2025-05-01", "Rome")))
        ]
        return AIMessage(content="", tool_calls=calls)
    return AIMessage(content="booked")


@pytest.mark.parametrize("harness", HARNESSES, ids=lambda h: h.name)
def test_parallel_tool_calls_are_repaired_each_in_one_episode(harness: Any, lib: SkillLibrary) -> None:
    evo = repair_skill(lib)
    runnable = harness.agent(evo, _booked, "booking") if isinstance(harness, CreateAgent) else harness.app(evo, _booked)
    runnable_model = ScriptedChat(_parallel)
    if isinstance(harness, CreateAgent):
        runnable = create_agent(runnable_model, [book], middleware=[SkillMiddleware(evo, reward=_booked)])
    else:
        runnable = evolve(graph(runnable_model).compile(), evo, reward=_booked)
    out = runnable.invoke(_ask())
    results = sorted(m.text for m in out["messages"] if isinstance(m, ToolMessage))
    assert results == ["booked Oslo on 2025-03-04", "booked Rome on 2025-05-01"]
    (episode,) = lib.episodes()
    assert episode.reward == 1.0 and len(lib.events(episode_id=episode.id, kind=EventKind.TOOL_CALL)) >= 2


class Booking(BaseModel):
    city: str
    date: str


def _structured(messages: Sequence[BaseMessage]) -> AIMessage:
    last = messages[-1]
    if isinstance(last, ToolMessage) and last.status != "error" and last.text.startswith("booked"):
        return AIMessage(
            content="", tool_calls=[{"name": "Booking", "args": {"city": "Oslo", "date": "2025-03-04"}, "id": "s"}]
        )
    return booking_policy(messages)


def test_structured_output_finishes_the_episode_with_the_structured_state(lib: SkillLibrary) -> None:
    seen: list[Any] = []
    mw = SkillMiddleware(Evolver(lib, miner=None), reward=lambda s: seen.append(s) or 1.0)
    agent = create_agent(ScriptedChat(_structured), [book], middleware=[mw], response_format=ToolStrategy(Booking))
    out = agent.invoke(_ask())
    assert out["structured_response"] == Booking(city="Oslo", date="2025-03-04")
    assert seen[-1]["structured_response"] == Booking(city="Oslo", date="2025-03-04")
    (episode,) = lib.episodes()
    assert episode.reward == 1.0


@tool(return_direct=True)
def book_direct(date: str, city: str) -> str:
    """Book a trip on an ISO date (YYYY-MM-DD); its result is the answer."""
    return book.invoke({"date": date, "city": city})


def test_a_return_direct_tool_ends_the_run_and_its_episode(lib: SkillLibrary) -> None:
    def policy(messages: Sequence[BaseMessage]) -> AIMessage:
        return AIMessage(
            content="", tool_calls=[{"name": "book_direct", "args": {"date": "2025-03-04", "city": "Oslo"}, "id": "d"}]
        )

    mw = SkillMiddleware(Evolver(lib, miner=None), reward=lambda s: float(s["messages"][-1].text.startswith("booked")))
    out = create_agent(ScriptedChat(policy), [book_direct], middleware=[mw]).invoke(_ask())
    assert out["messages"][-1].text == "booked Oslo on 2025-03-04"
    (episode,) = lib.episodes()
    assert episode.reward == 1.0 and mw.last_episode_id == episode.id


@tool(return_direct=True)
def note_direct(text: str) -> str:
    """Write a note; its result is the answer."""
    return f"noted {text}"


def test_a_return_direct_batch_is_finished_while_an_agent_with_other_tools_shares_the_middleware(
    lib: SkillLibrary,
) -> None:
    """One middleware, two agents with different tools. Agent B's model call lands between agent A's
    model call and A's batch of two return_direct calls (B is asked from inside A's model here, as a
    concurrent request would interleave). A's run must still end with its reward, not as stopped."""
    mw = SkillMiddleware(Evolver(lib, miner=None), reward=lambda s: 1.0)
    other = create_agent(ScriptedChat(lambda m: AIMessage(content="fine")), [book], middleware=[mw])

    def policy(messages: Sequence[BaseMessage]) -> AIMessage:
        other.invoke({"messages": [HumanMessage(content="anything new?")]})
        return AIMessage(content="", tool_calls=[
            {"name": "book_direct", "args": {"date": "2025-03-04", "city": "Oslo"}, "id": "d1"},
            {"name": "note_direct", "args": {"text": "Oslo"}, "id": "d2"},
        ])

    out = create_agent(ScriptedChat(policy), [book_direct, note_direct], middleware=[mw]).invoke(_ask())
    assert out["messages"][-1].text in ("booked Oslo on 2025-03-04", "noted Oslo")
    lib.flush()
    rewards = sorted((e.task, e.reward) for e in lib.episodes())
    assert len(rewards) == 2 and all(r == 1.0 for _, r in rewards), rewards


@pytest.mark.parametrize("harness", HARNESSES, ids=lambda h: h.name)
def test_8_concurrent_invokes_on_one_agent_are_8_episodes(harness: Any, tmp_path: Path) -> None:
    with SkillLibrary(tmp_path / "lib.db") as lib:
        evo = repair_skill(lib)
        runnable = harness.agent(evo, _booked) if isinstance(harness, CreateAgent) else harness.app(evo, _booked)
        answers: list[str] = []

        def one(i: int) -> None:
            answers.append(runnable.invoke(_ask(f"book Oslo, request {i}"))["messages"][-1].text)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        lib.flush()
        assert answers == ["booked"] * 8
        episodes = lib.episodes()
        assert sorted(e.task for e in episodes) == sorted(f"book Oslo, request {i}" for i in range(8))
        assert all(e.reward == 1.0 for e in episodes)


@pytest.mark.slow
def test_2_processes_on_one_library_lose_no_episode(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    script = tmp_path / "worker.py"
    script.write_text(
        textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from lg_harness import CreateAgent, EvolvedGraph
        from skillevo import Evolver, SkillLibrary
        with SkillLibrary(sys.argv[1]) as lib:
            evo = Evolver(lib, seed=int(sys.argv[2]))
            for i in range(5):
                for h in (CreateAgent(), EvolvedGraph()):
                    assert h.run(evo, reward=lambda s: 1.0).answer == "booked"
    """)
    )
    procs = [
        subprocess.Popen([sys.executable, str(script), str(db), str(i)], stderr=subprocess.PIPE, text=True)
        for i in range(2)
    ]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err[-2000:]
    with SkillLibrary(db) as lib:
        episodes = lib.episodes(limit=100)
        assert len(episodes) == 20 and all(e.reward == 1.0 for e in episodes)


def test_evolved_graph_keeps_its_type(lib: SkillLibrary) -> None:
    from langgraph.graph.state import CompiledStateGraph

    app = EvolvedGraph().app(Evolver(lib, miner=None))
    assert isinstance(app, CompiledStateGraph)
