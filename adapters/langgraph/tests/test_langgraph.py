"""The LangGraph / LangChain adapter on a small agent with scripted fake chat models."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition

from skillevo import (
    NULL_ARM,
    EventKind,
    Evolver,
    LifecycleConfig,
    SkillLibrary,
    Strategy,
    Trigger,
    TriggerKind,
    VersionStatus,
)
from skillevo_langgraph import SkillMiddleware, evolve, with_guidance, wrap_tools

sys.path.insert(0, str(Path(__file__).parent))  # the scripted world, shared with the worker processes
from lg_fakes import ScriptedChat, book, booking_policy, boom_policy, explode, ok_reward

FAST = LifecycleConfig(min_updates=3, min_episodes=3)


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def _agent(
    evo: Evolver, policy: Any = booking_policy, reward: Any = ok_reward
) -> tuple[Any, ScriptedChat, SkillMiddleware]:
    model = ScriptedChat(policy)
    mw = SkillMiddleware(evo, reward=reward)
    return create_agent(model, [book, explode], middleware=[mw]), model, mw


def _ask(text: str = "book Oslo on March 4th") -> dict[str, Any]:
    return {"messages": [HumanMessage(content=text)]}


def _favour(evo: Evolver, key: str, arm: str) -> None:
    for _ in range(30):
        evo.selector.update(key, arm, 1.0)
        evo.selector.update(key, NULL_ARM, 0.0)


def test_self_corrected_mistake_becomes_an_active_repair_and_saves_a_model_turn(lib: SkillLibrary) -> None:
    evo = Evolver(lib, seed=0, lifecycle=FAST)
    calls = []
    for _ in range(40):
        agent, model, _ = _agent(evo)
        out = agent.invoke(_ask())
        assert out["messages"][-1].text == "booked"
        calls.append(model.calls)
        evo.flush()  # mined before the next run however loaded the machine (failed 1 in 486 under load)
    assert calls[0] == 3  # book (error) -> corrected book -> answer
    mined = [s for s in lib.skills() if s.trigger.tool in ("book", "*")]
    assert mined, "the self-corrected date mistake was not mined"
    assert any(s.status is VersionStatus.ACTIVE for s in mined)
    assert calls[-5:] == [2] * 5  # repaired without the model's extra turn
    repairs = lib.events(kind=EventKind.REPAIR)
    assert any(r.data.get("applied") and r.data["after"]["date"] == "2025-03-04" for r in repairs)  # type: ignore[index]


def test_guidance_reaches_the_system_message(lib: SkillLibrary) -> None:
    lib.add_skill(
        "iso-dates",
        Trigger(kind=TriggerKind.ALWAYS),
        Strategy(guidance="Write dates as YYYY-MM-DD."),
        status=VersionStatus.ACTIVE,
    )
    evo = Evolver(lib, miner=None, seed=0)
    _favour(evo, "iso-dates", "iso-dates@1")
    agent, model, _ = _agent(evo)
    agent.invoke(_ask())
    assert model.calls == 3 and all("YYYY-MM-DD" in s for s in model.systems)
    assert lib.events(kind=EventKind.GUIDANCE)[0].version_id == "iso-dates@1"


def test_tool_exception_does_not_crash_the_agent(lib: SkillLibrary) -> None:
    evo = Evolver(lib, miner=None)
    agent, _, mw = _agent(evo, policy=boom_policy)
    out = agent.invoke(_ask("explode"))
    tool_msg = out["messages"][2]
    assert tool_msg.status == "error" and "ZeroDivisionError" in tool_msg.text
    assert out["messages"][-1].text == "recovered"
    assert lib.episode(mw.last_episode_id or "").reward == 1.0
    assert lib.events(kind=EventKind.TOOL_ERROR)[0].data["error_type"] == "ZeroDivisionError"


def test_invoke_ainvoke_stream_astream(lib: SkillLibrary) -> None:
    import asyncio

    evo = Evolver(lib, miner=None)
    agent, _, _ = _agent(evo)
    agent.invoke(_ask())
    list(agent.stream(_ask(), stream_mode="updates"))

    async def run() -> None:
        await agent.ainvoke(_ask())
        async for _ in agent.astream(_ask()):
            pass

    asyncio.run(run())
    episodes = lib.episodes()
    assert len(episodes) == 4 and all(e.reward == 1.0 for e in episodes)
    assert all(len(lib.events(episode_id=e.id, kind=EventKind.TOOL_ERROR)) == 1 for e in episodes)


def test_delayed_feedback_moves_the_right_posterior(lib: SkillLibrary) -> None:
    for name in ("tip-a", "tip-b"):
        lib.add_skill(
            name, Trigger(kind=TriggerKind.ALWAYS), Strategy(guidance=f"Hint {name}."), status=VersionStatus.ACTIVE
        )
    evo = Evolver(lib, miner=None, seed=0)
    _favour(evo, "tip-a", "tip-a@1")
    for _ in range(30):
        evo.selector.update("tip-b", NULL_ARM, 1.0)
        evo.selector.update("tip-b", "tip-b@1", 0.0)
    agent, _, mw = _agent(evo, reward=None)
    agent.invoke(_ask())
    episode = lib.episode(mw.last_episode_id or "")
    assert episode.reward is None
    arms = {a.key: a.arm for a in episode.applied}
    assert arms == {"tip-a": "tip-a@1", "tip-b": NULL_ARM}
    a_before, b_before = evo.selector.posterior("tip-a", "tip-a@1"), evo.selector.posterior("tip-b", NULL_ARM)
    untouched = evo.selector.posterior("tip-b", "tip-b@1")
    evo.feedback(episode.id, 0.0)
    assert evo.selector.posterior("tip-a", "tip-a@1")[1] == pytest.approx(a_before[1] + 1)
    assert evo.selector.posterior("tip-b", NULL_ARM)[1] == pytest.approx(b_before[1] + 1)
    assert evo.selector.posterior("tip-b", "tip-b@1") == untouched


def _graph(model: ScriptedChat) -> Any:
    llm = with_guidance(model).bind_tools([book])

    def call_model(state: MessagesState) -> dict[str, Any]:
        return {"messages": [llm.invoke(state["messages"])]}

    builder = StateGraph(MessagesState)
    builder.add_node("model", call_model)
    builder.add_node("tools", ToolNode(wrap_tools([book]), handle_tool_errors=True))
    builder.add_edge(START, "model")
    builder.add_conditional_edges("model", tools_condition)
    builder.add_edge("tools", "model")
    return builder.compile()


def test_evolve_wraps_a_hand_built_graph(lib: SkillLibrary) -> None:
    import asyncio

    vid = lib.add_skill(
        "iso-date",
        Trigger(kind=TriggerKind.TOOL_ERROR, tool="book", pattern="YYYY-MM-DD"),
        Strategy(repair={"ops": [{"op": "set", "arg": "date", "value": "2025-03-04"}]}),  # type: ignore[arg-type]
        status=VersionStatus.ACTIVE,
    ).id
    lib.add_skill("tone", Trigger(kind=TriggerKind.ALWAYS), Strategy(guidance="Be terse."), status=VersionStatus.ACTIVE)
    evo = Evolver(lib, miner=None, seed=0)
    _favour(evo, "iso-date", vid)
    _favour(evo, "tone", "tone@1")
    model = ScriptedChat(booking_policy)
    app = evolve(_graph(model), evo, reward=ok_reward)
    out = app.invoke(_ask())
    assert out["messages"][-1].text == "booked"
    assert model.calls == 2  # the repair retried the call inside the ToolNode
    # Guidance goes into each model request, never into the graph's state.
    assert not any(isinstance(m, SystemMessage) for m in out["messages"])
    assert model.systems and all("Be terse." in s for s in model.systems)
    assert list(app.stream(_ask(), stream_mode="values"))[-1]["messages"][-1].text == "booked"
    assert [o["messages"][-1].text for o in app.batch([_ask(), _ask()])] == ["booked", "booked"]

    async def run() -> None:
        out = await app.ainvoke(_ask())
        assert out["messages"][-1].text == "booked"
        chunks = [c async for c in app.astream(_ask(), stream_mode="updates")]
        assert chunks and "model" in chunks[-1]
        assert len(await app.abatch([_ask(), _ask()])) == 2

    asyncio.run(run())
    episodes = lib.episodes()
    assert len(episodes) == 8 and all(e.reward == 1.0 for e in episodes)
    assert lib.count_events(EventKind.REPAIR) == 8


def test_evolve_observes_plain_tools_through_callbacks(lib: SkillLibrary) -> None:
    model = ScriptedChat(booking_policy)
    llm = model.bind_tools([book])
    builder = StateGraph(MessagesState)
    builder.add_node("model", lambda s: {"messages": [llm.invoke(s["messages"])]})
    builder.add_node("tools", ToolNode([book], handle_tool_errors=True))
    builder.add_edge(START, "model")
    builder.add_conditional_edges("model", tools_condition)
    builder.add_edge("tools", "model")
    app = evolve(builder.compile(), Evolver(lib, miner=None), reward=ok_reward)
    app.invoke(_ask())
    kinds = [e.kind for e in lib.events(episode_id=app.last_episode_id)]
    assert kinds.count(EventKind.TOOL_CALL) == 2 and EventKind.TOOL_ERROR in kinds and EventKind.TOOL_RESULT in kinds


@pytest.mark.slow
def test_concurrent_runs_share_one_middleware(tmp_path: Path) -> None:
    with SkillLibrary(tmp_path / "lib.db") as lib:
        evo = Evolver(lib, seed=0, lifecycle=FAST)
        model = ScriptedChat(booking_policy)
        agent = create_agent(model, [book], middleware=[SkillMiddleware(evo, reward=ok_reward)])
        n_threads, per = 8, 200
        errors: list[BaseException] = []

        def worker() -> None:
            try:
                for _ in range(per):
                    agent.invoke(_ask())
            except BaseException as exc:  # surfaced by the assert below
                errors.append(exc)

        threads = [threading.Thread(target=worker) for _ in range(n_threads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        episodes = lib.episodes()
        assert len(episodes) == n_threads * per and all(e.reward == 1.0 for e in episodes)
        calls = lib.count_events(EventKind.TOOL_CALL)
        results = lib.count_events(EventKind.TOOL_RESULT)
        assert results == n_threads * per  # one successful booking per episode, none lost
        assert calls == results + lib.count_events(EventKind.TOOL_ERROR)


WORKER = """
import sys
sys.path.insert(0, {tests!r})
from lg_fakes import ScriptedChat, book, booking_policy, ok_reward
from langchain.agents import create_agent
from langchain_core.messages import HumanMessage
from skillevo import Evolver, SkillLibrary
from skillevo_langgraph import SkillMiddleware
lib = SkillLibrary(sys.argv[1])
evo = Evolver(lib, seed=int(sys.argv[2]))
agent = create_agent(ScriptedChat(booking_policy), [book], middleware=[SkillMiddleware(evo, reward=ok_reward)])
for _ in range(int(sys.argv[3])):
    agent.invoke({{"messages": [HumanMessage(content="book")]}})
lib.close()
"""


@pytest.mark.slow
def test_processes_share_one_library_file(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    SkillLibrary(db).close()
    script = tmp_path / "worker.py"
    script.write_text(textwrap.dedent(WORKER.format(tests=str(Path(__file__).parent))))
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    procs = [
        subprocess.Popen([sys.executable, str(script), str(db), str(i), "200"], env=env, stderr=subprocess.PIPE)
        for i in range(4)
    ]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err.decode()[-2000:]
    with SkillLibrary(db) as lib:
        assert lib.count_episodes() == 800
        assert lib.count_events(EventKind.TOOL_RESULT) == 800
        assert lib.count_events(EventKind.TOOL_CALL) == 800 + lib.count_events(EventKind.TOOL_ERROR)
        assert {e.reward for e in lib.episodes()} == {1.0}
        assert isinstance(lib.episodes()[0].applied, list)


def test_the_episode_ends_at_the_final_answer_without_an_extra_graph_node(lib: SkillLibrary) -> None:
    seen: list[dict[str, Any]] = []

    def reward(state: dict[str, Any]) -> float:
        seen.append(state)
        return ok_reward(state)

    evo = Evolver(lib, miner=None)
    agent, _, mw = _agent(evo, reward=reward)
    assert not any("after_agent" in n for n in agent.get_graph().nodes)
    out = agent.invoke(_ask())
    # The reward saw the state the run ended in: the same messages, the final answer last.
    (state,) = seen
    assert [m.id for m in state["messages"]] == [m.id for m in out["messages"]]
    assert lib.episode(mw.last_episode_id or "").reward == 1.0
    assert lib.count_episodes() == 1


def test_finish_on_after_agent_ends_the_episode_in_an_after_agent_node(lib: SkillLibrary) -> None:
    evo = Evolver(lib, miner=None)
    mw = SkillMiddleware(evo, reward=ok_reward, finish_on="after_agent")
    agent = create_agent(ScriptedChat(booking_policy), [book, explode], middleware=[mw])
    assert "SkillMiddleware.after_agent" in agent.get_graph().nodes
    agent.invoke(_ask())

    async def run() -> None:
        await agent.ainvoke(_ask())

    import asyncio

    asyncio.run(run())
    assert [e.reward for e in lib.episodes()] == [1.0, 1.0]
    from skillevo import ConfigError

    with pytest.raises(ConfigError, match="finish_on"):
        SkillMiddleware(evo, finish_on="later")  # type: ignore[arg-type]


def test_a_run_ended_by_a_return_direct_tool_is_finished(lib: SkillLibrary) -> None:
    from langchain_core.messages import AIMessage
    from langchain_core.tools import tool

    @tool(return_direct=True)
    def lookup(q: str) -> str:
        """Answer directly."""
        return f"answer to {q}"

    def policy(messages: Any) -> AIMessage:
        calls = [{"name": "lookup", "args": {"q": f"q{i}"}, "id": f"d{i}-{len(messages)}"} for i in range(2)]
        return AIMessage(content="", tool_calls=calls)

    states: list[dict[str, Any]] = []

    def reward(state: dict[str, Any]) -> float:
        states.append(state)
        return 1.0 if str(state["messages"][-1].content).startswith("answer to") else 0.0

    evo = Evolver(lib, miner=None)
    mw = SkillMiddleware(evo, reward=reward)
    model = ScriptedChat(policy)
    out = create_agent(model, [lookup], middleware=[mw]).invoke(_ask("look it up"))
    assert model.calls == 1 and out["messages"][-1].content.startswith("answer to")
    # Finished once, after both calls of the batch returned, with both tool messages in the state.
    (state,) = states
    assert sum(getattr(m, "type", "") == "tool" for m in state["messages"]) == 2
    (episode,) = lib.episodes()
    assert episode.reward == 1.0 and len(lib.events(episode_id=episode.id, kind=EventKind.TOOL_RESULT)) == 2


def test_runs_of_a_checkpointed_thread_are_separate_episodes_and_the_state_gets_no_key(lib: SkillLibrary) -> None:
    from langgraph.checkpoint.memory import InMemorySaver

    evo = Evolver(lib, miner=None)
    finished: list[Any] = []
    mw = SkillMiddleware(evo, reward=ok_reward, on_finish=finished.append)
    agent = create_agent(ScriptedChat(booking_policy), [book, explode], middleware=[mw], checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "t1"}}
    first = agent.invoke(_ask(), config)
    second = agent.invoke(_ask("and again"), config)
    assert len(second["messages"]) == 2 * len(first["messages"])  # one thread: the history grew
    assert [e.task for e in finished] == ["book Oslo on March 4th", "and again"]
    assert all(e.reward == 1.0 for e in finished) and lib.count_episodes() == 2
    # Each run's calls were recorded in its own episode.
    assert [len(lib.events(episode_id=e.id, kind=EventKind.TOOL_CALL)) for e in finished] == [2, 2]
    assert not any(k.startswith("skillevo") for k in second)
    assert not mw._open  # nothing left behind


def test_a_run_left_open_is_finished_without_a_reward_by_the_threads_next_run(lib: SkillLibrary) -> None:
    from langgraph.checkpoint.memory import InMemorySaver

    evo = Evolver(lib, miner=None)
    mw = SkillMiddleware(evo, reward=ok_reward, catch_tool_errors=False)
    agent = create_agent(ScriptedChat(boom_policy), [book, explode], middleware=[mw], checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "t2"}}
    with pytest.raises(ZeroDivisionError):
        agent.invoke(_ask("explode"), config)
    assert len(mw._open) == 1 and lib.count_episodes() == 0
    from langchain_core.messages import AIMessage

    answer = ScriptedChat(lambda messages: AIMessage(content="booked"))
    agent2 = create_agent(answer, [book, explode], middleware=[mw], checkpointer=agent.checkpointer)
    agent2.invoke(_ask("just answer"), config)
    assert {e.task: e.reward for e in lib.episodes()} == {"explode": None, "just answer": 1.0}
    assert not mw._open


def test_a_misnamed_argument_is_fixed_on_its_first_failure_without_a_model_turn(lib: SkillLibrary) -> None:
    from langchain_core.messages import AIMessage, ToolMessage
    from langchain_core.tools import StructuredTool
    from pydantic import BaseModel, ConfigDict

    class Args(BaseModel):
        model_config = ConfigDict(extra="forbid")
        access_token: str
        seats: int

    booked: list[dict[str, Any]] = []

    def reserve(access_token: str, seats: int) -> str:
        booked.append({"access_token": access_token, "seats": seats})
        return "reserved"

    tool = StructuredTool.from_function(reserve, name="reserve", description="Reserve seats.", args_schema=Args)

    def policy(messages: Any) -> AIMessage:
        if isinstance(messages[-1], ToolMessage):
            return AIMessage(content="booked" if messages[-1].status != "error" else "failed")
        call = {"name": "reserve", "args": {"token": "abc", "seats": 2}, "id": f"r{len(messages)}"}
        return AIMessage(content="", tool_calls=[call])

    evo = Evolver(lib, seed=0)  # an empty library: nothing learned yet
    model = ScriptedChat(policy)
    agent = create_agent(model, [tool], middleware=[SkillMiddleware(evo, reward=ok_reward)])
    out = agent.invoke(_ask("reserve two seats"))
    assert out["messages"][-1].text == "booked" and model.calls == 2  # no extra turn for the mistake
    assert booked == [{"access_token": "abc", "seats": 2}]
    (episode,) = lib.episodes()
    assert episode.reward == 1.0
    # ... and the rename was mined from the failed call and its retry, as a candidate under test.
    renames = [v for s in lib.skills() for v in s.versions if v.strategy.repair is not None]
    assert [op.model_dump(exclude_defaults=True) for v in renames for op in v.strategy.repair.ops] == [
        {"arg": "token", "to": "access_token"}
    ]


def test_runs_that_never_finish_are_capped_oldest_first(lib: SkillLibrary, monkeypatch: pytest.MonkeyPatch) -> None:
    import skillevo_langgraph._middleware as middleware

    monkeypatch.setattr(middleware, "_MAX_OPEN", 3)
    evo = Evolver(lib, miner=None)
    mw = SkillMiddleware(evo, reward=ok_reward, catch_tool_errors=False)
    # On checkpointed threads (a run there may be resumed, so it is not taken for a stopped one).
    agent = create_agent(ScriptedChat(boom_policy), [book, explode], middleware=[mw], checkpointer=InMemorySaver())
    for i in range(5):  # each run crashes in its tool call and leaves its episode open
        with pytest.raises(ZeroDivisionError):
            agent.invoke(_ask(f"explode {i}"), {"configurable": {"thread_id": f"t{i}"}})
    assert sorted(ep.episode.task for ep in mw._open.values()) == ["explode 2", "explode 3", "explode 4"]
    assert sorted(e.task for e in lib.episodes()) == ["explode 0", "explode 1"]  # finished, no reward
    assert {e.reward for e in lib.episodes()} == {None}


def test_a_run_ended_by_a_tools_exception_is_a_failed_episode(lib: SkillLibrary) -> None:
    from skillevo_langgraph._stopped import settle

    mw = SkillMiddleware(Evolver(lib, miner=None), reward=ok_reward, catch_tool_errors=False)
    agent = create_agent(ScriptedChat(boom_policy), [book, explode], middleware=[mw])
    with pytest.raises(ZeroDivisionError) as raised:
        agent.invoke(_ask("explode"))
    del raised  # its traceback holds the run's frames: the run ends when the caller drops it
    gc.collect()
    settle()
    (episode,) = lib.episodes()
    assert episode.reward == 0.0 and episode.metadata.get("aborted") == "ZeroDivisionError"
    assert not mw._open and not mw._raised
