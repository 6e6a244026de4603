"""skillevo in LangChain traces (custom events, tool-message metadata) and feedback by run id."""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from langchain.agents import create_agent
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import HumanMessage, ToolMessage
from langchain_core.tracers.context import collect_runs
from langgraph.types import TracePolicy, omit_payload

from skillevo import NULL_ARM, Evolver, NotFoundError, SkillLibrary, Strategy, Trigger, TriggerKind, VersionStatus
from skillevo_langgraph import SkillMiddleware

sys.path.insert(0, str(Path(__file__).parent))
from lg_fakes import ScriptedChat, book, booking_policy, confirmed_book, ok_reward


class Recorder(BaseCallbackHandler):
    """Collects the custom events of a run, as a tracing exporter would see them."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any], UUID]] = []

    def on_custom_event(self, name: str, data: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self.events.append((name, data, run_id))

    def named(self, name: str) -> list[dict[str, Any]]:
        return [d for n, d, _ in self.events if n == name]


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def _favour(evo: Evolver, key: str, arm: str) -> None:
    for _ in range(30):
        evo.selector.update(key, arm, 1.0)
        evo.selector.update(key, NULL_ARM, 0.0)


def _skills(lib: SkillLibrary) -> tuple[Evolver, str, str]:
    repair = lib.add_skill(
        "iso-date",
        Trigger(kind=TriggerKind.TOOL_ERROR, tool="book", pattern="YYYY-MM-DD"),
        Strategy(repair={"ops": [{"op": "set", "arg": "date", "value": "2025-03-04"}]}),  # type: ignore[arg-type]
        status=VersionStatus.ACTIVE,
    ).id
    tone = lib.add_skill(
        "tone", Trigger(kind=TriggerKind.ALWAYS), Strategy(guidance="Be terse."), status=VersionStatus.ACTIVE
    ).id
    evo = Evolver(lib, miner=None, seed=0)
    _favour(evo, "iso-date", repair)
    _favour(evo, "tone", tone)
    return evo, repair, tone


def _ask() -> dict[str, Any]:
    return {"messages": [HumanMessage(content="book Oslo on March 4th")]}


def _check_records(rec: Recorder, repair: str, tone: str, episode_id: str, run_id: str) -> None:
    selections = {d["skill"]: d for d in rec.named("skillevo.selection")}
    assert selections["tone"]["version"] == tone and selections["tone"]["arm"] == tone
    assert selections["iso-date"]["version"] == repair and 0.0 < selections["iso-date"]["propensity"] <= 1.0
    assert [d["version"] for d in rec.named("skillevo.guidance")] == [tone]
    (fix,) = rec.named("skillevo.repair")
    assert fix["version"] == repair and fix["tool"] == "book" and fix["changed"] == ["date"]
    assert fix["before"]["date"] == "03/04/2025" and fix["after"]["date"] == "2025-03-04"
    (reward,) = rec.named("skillevo.reward")
    assert reward == {"episode_id": episode_id, "run_id": run_id, "reward": 1.0}
    assert {d["episode_id"] for _, d, _ in rec.events} == {episode_id}


def test_a_callback_handler_sees_the_selection_the_repair_diff_and_the_reward(lib: SkillLibrary) -> None:
    evo, repair, tone = _skills(lib)
    mw = SkillMiddleware(evo, reward=ok_reward)
    agent = create_agent(ScriptedChat(booking_policy), [book], middleware=[mw])
    rec, run_id = Recorder(), uuid.uuid4()
    out = agent.invoke(_ask(), {"callbacks": [rec], "run_id": run_id})
    assert out["messages"][-1].text == "booked"
    _check_records(rec, repair, tone, mw.last_episode_id or "", str(run_id))
    # The repair is visible in the conversation too: the tool message says what changed, and by which version.
    (tool_msg,) = [m for m in out["messages"] if isinstance(m, ToolMessage)]
    (made,) = tool_msg.response_metadata["skillevo"]["repairs"]
    assert made["version"] == repair and made["changed"] == ["date"] and made["before"]["date"] == "03/04/2025"
    assert lib.episode(mw.last_episode_id or "").metadata["run_id"] == str(run_id)


def test_async_runs_dispatch_the_same_records(lib: SkillLibrary) -> None:
    evo, repair, tone = _skills(lib)
    mw = SkillMiddleware(evo, reward=ok_reward)
    agent = create_agent(ScriptedChat(booking_policy), [book], middleware=[mw])
    rec, run_id = Recorder(), uuid.uuid4()
    asyncio.run(agent.ainvoke(_ask(), {"callbacks": [rec], "run_id": run_id}))
    _check_records(rec, repair, tone, mw.last_episode_id or "", str(run_id))


def test_the_trace_policy_shapes_the_arguments_in_repair_events(lib: SkillLibrary) -> None:
    evo, repair, _ = _skills(lib)
    mw = SkillMiddleware(evo, reward=ok_reward, trace_policy=TracePolicy(process_inputs=omit_payload))
    agent = create_agent(ScriptedChat(booking_policy), [book], middleware=[mw])
    rec = Recorder()
    agent.invoke(_ask(), {"callbacks": [rec]})
    (fix,) = rec.named("skillevo.repair")
    assert fix["before"] == {} and fix["after"] == {} and fix["changed"] == ["date"] and fix["version"] == repair


def test_a_failing_reward_function_is_logged_and_recorded_not_raised(lib: SkillLibrary) -> None:
    evo, _, _ = _skills(lib)
    for bad in (lambda s: s["score"], lambda s: 5):
        mw = SkillMiddleware(evo, reward=bad)
        rec = Recorder()
        out = create_agent(ScriptedChat(booking_policy), [book], middleware=[mw]).invoke(_ask(), {"callbacks": [rec]})
        assert out["messages"][-1].text == "booked"
        episode = lib.episode(mw.last_episode_id or "")
        assert episode.reward is None and episode.metadata["reward_error"]
        (reward,) = rec.named("skillevo.reward")
        assert reward["reward"] is None and reward["error"]


def test_feedback_by_run_id_after_the_run_moves_the_posterior(lib: SkillLibrary) -> None:
    evo, _, tone = _skills(lib)
    mw = SkillMiddleware(evo, reward=None)
    agent = create_agent(ScriptedChat(booking_policy), [book], middleware=[mw])
    run_id = uuid.uuid4()
    agent.invoke(_ask(), {"run_id": run_id})
    before = lib.posteriors("tone")
    episode = evo.feedback(str(run_id), 0.0)
    assert episode.id == mw.last_episode_id and lib.episode(episode.id).reward == 0.0
    after = {p.arm: p for p in lib.posteriors("tone")}
    old = {p.arm: p for p in before}
    assert after[tone].beta == pytest.approx(old[tone].beta + 1) and after[tone].alpha == old[tone].alpha
    # Another process (a fresh Evolver on the same library) finds the run id in the stored episodes.
    again = Evolver(lib, miner=None).feedback(str(run_id), 1.0)
    assert again.id == episode.id and lib.episode(episode.id).reward == 1.0
    with pytest.raises(NotFoundError):
        evo.feedback(str(uuid.uuid4()), 1.0)


def test_without_a_run_id_in_the_config_the_root_run_of_a_tracer_is_recorded(lib: SkillLibrary) -> None:
    evo, _, _ = _skills(lib)
    mw = SkillMiddleware(evo, reward=None)
    agent = create_agent(ScriptedChat(booking_policy), [book], middleware=[mw])
    with collect_runs() as runs:
        agent.invoke(_ask())
    (root,) = [str(r.id) for r in runs.traced_runs if r.name == agent.get_name()]  # the invocation's run
    assert lib.episode(mw.last_episode_id or "").metadata["run_id"] == root
    assert evo.feedback(root, 1.0).id == mw.last_episode_id


def test_the_middleware_rejects_bad_construction_arguments(lib: SkillLibrary) -> None:
    from skillevo import ConfigError

    evo = Evolver(lib, miner=None)
    with pytest.raises(ConfigError, match="Evolver"):
        SkillMiddleware("evo")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="reward"):
        SkillMiddleware(evo, reward=1.0)  # type: ignore[arg-type]


def test_astream_events_carries_skillevo_events(lib: SkillLibrary) -> None:
    evo, repair, _ = _skills(lib)
    model = ScriptedChat(booking_policy, disable_streaming=True)  # the fake answers whole messages only
    agent = create_agent(model, [book], middleware=[SkillMiddleware(evo, reward=ok_reward)])

    async def run() -> list[dict[str, Any]]:
        return [e async for e in agent.astream_events(_ask(), version="v2") if e["event"] == "on_custom_event"]

    events = asyncio.run(run())
    names = {e["name"] for e in events}
    assert names == {"skillevo.selection", "skillevo.guidance", "skillevo.repair", "skillevo.reward"}
    assert [e["data"]["version"] for e in events if e["name"] == "skillevo.repair"] == [repair]


class FakeLangSmithClient:
    """Receives the runs LangSmith tracing would upload (no network)."""

    def __init__(self) -> None:
        self.runs: list[dict[str, Any]] = []

    def create_run(self, **run: Any) -> None:
        self.runs.append(run)

    def update_run(self, run_id: Any, **run: Any) -> None:
        self.runs.append({"id": run_id, **run})

    def __getattr__(self, name: str) -> Any:  # the rest of the client's surface: nothing to do offline
        return lambda *args, **kwargs: None


def test_langsmith_runs_carry_skillevo_events_and_the_trace_id_is_the_run_id(lib: SkillLibrary) -> None:
    from langsmith.run_helpers import tracing_context

    evo, repair, _ = _skills(lib)
    mw = SkillMiddleware(evo, reward=ok_reward)
    agent = create_agent(ScriptedChat(booking_policy), [book], middleware=[mw])
    client = FakeLangSmithClient()
    with tracing_context(enabled=True, client=client, project_name="skillevo-test"):
        agent.invoke(_ask())
    events = [e for run in client.runs for e in run.get("events") or [] if str(e.get("name")).startswith("skillevo")]
    names = {e["name"] for e in events}
    assert names == {"skillevo.selection", "skillevo.guidance", "skillevo.repair", "skillevo.reward"}
    (fix,) = [e["kwargs"] for e in events if e["name"] == "skillevo.repair"]
    assert fix["version"] == repair and fix["changed"] == ["date"]
    tagged = {(run.get("extra") or {}).get("metadata", {}).get("skillevo_episode_id") for run in client.runs}
    assert mw.last_episode_id in tagged
    roots = {str(run["id"]) for run in client.runs if run.get("parent_run_id") is None and "trace_id" in run}
    run_id = lib.episode(mw.last_episode_id or "").metadata["run_id"]
    assert run_id in roots
    assert evo.feedback(str(run_id), 1.0).id == mw.last_episode_id


def test_a_run_resumed_with_a_handler_dispatches_its_records_though_its_first_invocation_had_none(
    lib: SkillLibrary,
) -> None:
    # A run's records are dropped unread in an invocation that had no receiver when its episode
    # started; the invocation resuming it (another LangGraph loop) has one: it must get them.
    from langgraph.checkpoint.memory import InMemorySaver
    from langgraph.types import Command

    book = confirmed_book

    evo, repair, _ = _skills(lib)
    mw = SkillMiddleware(evo, reward=ok_reward)
    agent = create_agent(ScriptedChat(booking_policy), [book], middleware=[mw], checkpointer=InMemorySaver())
    config: dict[str, Any] = {"configurable": {"thread_id": "t"}}
    assert agent.invoke(_ask(), config)["__interrupt__"]
    rec = Recorder()
    out = agent.invoke(Command(resume=True), {**config, "callbacks": [rec]})
    assert out["messages"][-1].text == "booked"
    fixes = rec.named("skillevo.repair")  # (the call ran again in the resumed invocation)
    assert fixes and all(f["version"] == repair and f["changed"] == ["date"] for f in fixes)
    (reward,) = rec.named("skillevo.reward")
    assert reward["episode_id"] == mw.last_episode_id and reward["reward"] == 1.0
