"""The CrewAI adapter on real CrewAI crews, agents and BaseTools driven by a scripted BaseLLM (offline)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from crewai import Agent, Crew, Task
from crewai.hooks import (
    InterceptionPoint,
    get_after_llm_call_hooks,
    get_after_tool_call_hooks,
    get_before_llm_call_hooks,
    get_before_tool_call_hooks,
    get_hooks,
)
from crewai.project import CrewBase, agent, crew, task

from skillevo import (
    NULL_ARM,
    ConfigError,
    EventKind,
    Evolver,
    LifecycleConfig,
    SkillLibrary,
    Strategy,
    Trigger,
    TriggerKind,
)
from skillevo import VersionStatus as VS
from skillevo_crewai import Evolving, ScriptedLLM, evolving, last_observation

sys.path.insert(0, str(Path(__file__).parent))
from crewai_fakes import (
    WRONG,
    Book,
    Explode,
    booker,
    booking_crew,
    booking_policy,
    boom_policy,
    native_booking_policy,
    ok_reward,
)

FAST = LifecycleConfig(min_updates=3, min_episodes=3)
DAY = {"day": "March 4th"}
GUIDANCE = "Write dates as YYYY-MM-DD."


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


@pytest.fixture
def closing() -> Iterator[list[Evolving]]:
    """Evolving objects made by a test, closed after it (so no hook outlives the test)."""
    made: list[Evolving] = []
    yield made
    for ev in made:
        ev.close()


def _evolving(closing: list[Evolving], evo: Evolver, **kwargs: Any) -> Evolving:
    ev = evolving(evo, **kwargs)
    closing.append(ev)
    return ev


def _favour(evo: Evolver, key: str, arm: str) -> None:
    for _ in range(30):
        evo.selector.update(key, arm, 1.0)
        evo.selector.update(key, NULL_ARM, 0.0)


def _known_skills(lib: SkillLibrary, evo: Evolver, *, before_the_call: bool = True) -> None:
    """An active ISO-date repair on `book` and an always-on guidance, both favoured over doing nothing.

    With `before_the_call` the repair has a precondition (a US date), so it applies before the call;
    without, only after the call failed.
    """
    # (a date rewritten in another form, not a constant over the model's value: that one runs before
    # the call only with proof that the tool refuses the argument, `skillevo._discards`)
    repair: dict[str, Any] = {"ops": [{"op": "reformat_date", "arg": "date", "from_format": "%m/%d/%Y"}]}
    if before_the_call:
        repair["precondition"] = [{"arg": "date", "regex": r"\d{2}/\d{2}/\d{4}"}]
    vid = lib.add_skill(
        "iso-date",
        Trigger(kind=TriggerKind.TOOL_ERROR, tool="book", pattern="YYYY-MM-DD"),
        Strategy(repair=repair),  # type: ignore[arg-type]
        status=VS.ACTIVE,
    ).id
    lib.add_skill("dates", Trigger(kind=TriggerKind.ALWAYS), Strategy(guidance=GUIDANCE), status=VS.ACTIVE)
    evo.invalidate()
    _favour(evo, "iso-date", vid)
    _favour(evo, "dates", "dates@1")


def test_self_corrected_mistake_becomes_a_repair_and_saves_a_model_turn(
    lib: SkillLibrary, closing: list[Evolving]
) -> None:
    evo = Evolver(lib, seed=0, lifecycle=FAST)
    ev = _evolving(closing, evo, reward=ok_reward)

    @ev
    def make(llm: ScriptedLLM) -> Crew:  # a Crew factory
        return booking_crew(llm)

    calls = []
    for _ in range(10):
        llm = ScriptedLLM(booking_policy)
        out = make(llm).kickoff(inputs=DAY)
        assert out.raw == "booked"
        calls.append(llm.calls)
    assert calls[0] == 3  # book (error) -> corrected book -> answer
    mined = [s for s in lib.skills() if s.trigger.tool == "book"]
    assert mined and any(s.status is VS.ACTIVE for s in mined), "the self-corrected date mistake was not mined"
    assert calls[-5:] == [2] * 5  # repaired without the model's extra turn
    repairs = [r for r in lib.events(kind=EventKind.REPAIR) if r.data.get("applied")]
    assert repairs and all(r.data["after"]["date"] == "2025-03-04" for r in repairs)  # type: ignore[index]
    last = lib.episode(ev.last_episode_id or "")
    assert last.reward == 1.0 and last.task == "Book Oslo on March 4th."
    assert [e.kind for e in lib.events(episode_id=last.id, kind=EventKind.TOOL_ERROR)] == []


def test_guidance_and_repairs_reach_only_the_decorated_agent(lib: SkillLibrary, closing: list[Evolving]) -> None:
    evo = Evolver(lib, miner=None, seed=0)
    _known_skills(lib, evo)
    ev = _evolving(closing, evo, reward=ok_reward)
    plain_llm, evolving_llm = ScriptedLLM(booking_policy), ScriptedLLM(booking_policy)
    plain_tool, evolving_tool = Book(), Book()
    plain = booking_crew(plain_llm, plain_tool)  # built first: its executor snapshots the hooks too
    decorated = ev(booking_crew(evolving_llm, evolving_tool))
    assert plain.kickoff(inputs=DAY).raw == "booked"
    assert decorated.kickoff(inputs=DAY).raw == "booked"
    assert plain.kickoff(inputs=DAY).raw == "booked"  # after the decorated run, still untouched

    assert evolving_llm.calls == 2 and all(GUIDANCE in s for s in evolving_llm.systems)
    assert evolving_tool.calls == [{"date": "2025-03-04", "city": "Oslo"}]  # repaired before the call
    assert plain_llm.calls == 6 and not any(GUIDANCE in s for s in plain_llm.systems)
    assert plain_tool.calls[0] == {"date": "03/04/2025", "city": "Oslo"}  # CrewAI ran the mistake as written
    assert lib.count_episodes() == 1
    # The system message is extended once, not once per model call of the task.
    assert all(s.count(GUIDANCE) == 1 for s in evolving_llm.systems)


def test_a_repair_after_a_failure_retries_inside_the_tool_hook(lib: SkillLibrary, closing: list[Evolving]) -> None:
    evo = Evolver(lib, miner=None, seed=0)
    _known_skills(lib, evo, before_the_call=False)
    ev = _evolving(closing, evo, reward=ok_reward)
    tool, llm = Book(), ScriptedLLM(booking_policy)
    out = ev(booking_crew(llm, tool)).kickoff(inputs=DAY)
    assert out.raw == "booked" and llm.calls == 2
    assert tool.calls[-1] == {"date": "2025-03-04", "city": "Oslo"}
    events = lib.events(episode_id=ev.last_episode_id)
    kinds = [e.kind for e in events]
    assert kinds.count(EventKind.TOOL_ERROR) == 1 and EventKind.TOOL_RESULT in kinds
    repair = next(e for e in events if e.kind is EventKind.REPAIR)
    assert repair.data["when"] == "after_error" and repair.data["applied"]
    credit = next(e for e in events if e.kind is EventKind.CREDIT and e.data.get("source") == "call")
    assert credit.data["key"] == "iso-date" and credit.data["reward"] == 1.0


def test_native_function_calling_gets_the_same_treatment(lib: SkillLibrary, closing: list[Evolving]) -> None:
    evo = Evolver(lib, miner=None, seed=0)
    _known_skills(lib, evo, before_the_call=False)
    ev = _evolving(closing, evo, reward=ok_reward)
    tool, llm = Book(), ScriptedLLM(native_booking_policy, native=True)
    out = ev(booking_crew(llm, tool)).kickoff(inputs=DAY)
    assert out.raw == "booked" and llm.calls == 2  # the failed call was repaired inside the hook
    assert all(GUIDANCE in s for s in llm.systems)
    assert tool.calls == [{"date": "03/04/2025", "city": "Oslo"}, {"date": "2025-03-04", "city": "Oslo"}]
    events = lib.events(episode_id=ev.last_episode_id)
    (error,) = [e for e in events if e.kind is EventKind.TOOL_ERROR]
    assert error.data["error_type"] == "ValueError"
    assert any(e.kind is EventKind.REPAIR and e.data["when"] == "after_error" for e in events)


def test_tool_exception_is_handled_as_crewai_would_and_recorded(lib: SkillLibrary, closing: list[Evolving]) -> None:
    evo = Evolver(lib, miner=None)
    finished = []
    ev = _evolving(closing, evo, reward=ok_reward, on_finish=finished.append)
    tool, llm = Explode(), ScriptedLLM(boom_policy)
    plain_tool = Explode()
    out = ev(booking_crew(llm, tool)).kickoff(inputs=DAY)
    assert out.raw == "recovered" and llm.calls == 2
    booking_crew(ScriptedLLM(boom_policy), plain_tool).kickoff(inputs=DAY)
    assert tool.attempts == plain_tool.attempts > 1  # CrewAI's own retries ran, exactly as without skillevo
    (episode,) = finished
    assert episode.id == ev.last_episode_id and episode.reward == 1.0
    (error,) = lib.events(episode_id=episode.id, kind=EventKind.TOOL_ERROR)
    assert error.tool == "explode" and error.data["error_type"] == "ZeroDivisionError"
    assert "divided by zero" in error.data["error"]


def test_kickoff_async_and_kickoff_for_each_are_episodes(lib: SkillLibrary, closing: list[Evolving]) -> None:
    evo = Evolver(lib, miner=None)
    ev = _evolving(closing, evo, reward=ok_reward)
    crew_ = ev(booking_crew(ScriptedLLM(booking_policy)))

    other = ev(booking_crew(ScriptedLLM(booking_policy)))

    async def run() -> list[Any]:
        both = crew_.kickoff_async(inputs=DAY), other.kickoff_async(inputs={"day": "May 1st"})
        return list(await asyncio.gather(*both))

    outs = asyncio.run(run())
    assert [o.raw for o in outs] == ["booked", "booked"]
    each = ev(booking_crew(ScriptedLLM(booking_policy))).kickoff_for_each([{"day": "June 2nd"}, {"day": "July 3rd"}])
    assert [o.raw for o in each] == ["booked", "booked"]  # type: ignore[union-attr]

    async def native() -> list[Any]:
        first = await ev(booking_crew(ScriptedLLM(booking_policy))).akickoff(inputs={"day": "Aug 4th"})
        rest = await ev(booking_crew(ScriptedLLM(booking_policy))).kickoff_for_each_async([{"day": "Sep 5th"}])
        return [first, *rest]  # type: ignore[list-item]

    assert [o.raw for o in asyncio.run(native())] == ["booked", "booked"]
    episodes = lib.episodes()
    assert len(episodes) == 6 and all(e.reward == 1.0 for e in episodes)
    days = ("Aug 4th", "July 3rd", "June 2nd", "March 4th", "May 1st", "Sep 5th")
    assert sorted(e.task for e in episodes) == [f"Book Oslo on {d}." for d in days]
    assert all(len(lib.events(episode_id=e.id, kind=EventKind.TOOL_ERROR)) == 1 for e in episodes)


def test_standalone_agent_kickoff_and_delayed_feedback(lib: SkillLibrary, closing: list[Evolving]) -> None:
    lib.add_skill("dates", Trigger(kind=TriggerKind.ALWAYS), Strategy(guidance=GUIDANCE), status=VS.ACTIVE)
    evo = Evolver(lib, miner=None, seed=0)
    _favour(evo, "dates", "dates@1")
    ev = _evolving(closing, evo)  # no reward: it comes later
    llm = ScriptedLLM(booking_policy)
    out = ev(booker(llm)).kickoff("Book Oslo on March 4th")
    assert out.raw == "booked" and all(GUIDANCE in s for s in llm.systems)
    episode = lib.episode(ev.last_episode_id or "")
    assert episode.reward is None and episode.task == "Book Oslo on March 4th"
    before = evo.selector.posterior("dates", "dates@1")
    evo.feedback(episode.id, 0.0)
    assert evo.selector.posterior("dates", "dates@1")[1] == pytest.approx(before[1] + 1)

    again = ev(booker(ScriptedLLM(booking_policy)))
    assert asyncio.run(again.kickoff_async("Book Oslo on May 1st")).raw == "booked"
    assert lib.episode(ev.last_episode_id or "").task == "Book Oslo on May 1st"


def test_a_broken_reward_is_logged_and_the_episode_kept(
    lib: SkillLibrary, closing: list[Evolving], caplog: pytest.LogCaptureFixture
) -> None:
    def broken(output: Any) -> float:
        raise KeyError("score")

    ev = _evolving(closing, Evolver(lib, miner=None), reward=broken)
    assert ev(booking_crew(ScriptedLLM(booking_policy))).kickoff(inputs=DAY).raw == "booked"
    episode = lib.episode(ev.last_episode_id or "")
    assert episode.reward is None and episode.metadata["reward_error"] == "KeyError: 'score'"
    assert "reward function failed (KeyError" in caplog.text


def test_crewbase_agent_methods_and_classes(lib: SkillLibrary, closing: list[Evolving]) -> None:
    evo = Evolver(lib, miner=None)
    _known_skills(lib, evo)
    ev = _evolving(closing, evo, reward=ok_reward)

    def project(mark: str) -> type:
        def planner(self: Any) -> Agent:
            return booker(self.llm)

        if mark == "function":  # @agent over @evolving: evolving wraps the plain method
            planner_method: Any = agent(ev(planner))
        elif mark == "agent method":  # @evolving over @agent: evolving rewraps CrewAI's AgentMethod
            planner_method = ev(agent(planner))
        else:
            planner_method = agent(planner)

        class Trips:
            agents_config = None
            tasks_config = None

            def __init__(self) -> None:
                self.llm = ScriptedLLM(booking_policy)

            planner_agent = planner_method

            @agent
            def helper(self) -> Agent:
                return Agent(role="helper", goal="help", backstory="h", llm=self.llm, tools=[Book()])

            @task
            def plan(self) -> Task:
                return Task(
                    description="Book Oslo on {day}.", expected_output="a confirmation", agent=self.planner_agent()
                )

            @crew
            def crew(self) -> Crew:
                return Crew(agents=self.agents, tasks=self.tasks)

        return CrewBase(Trips)  # type: ignore[no-any-return]

    for mark in ("function", "agent method"):
        trips = project(mark)()
        assert trips.crew().kickoff(inputs=DAY).raw == "booked" and trips.llm.calls == 2, mark
        roles = {a.role: a for a in trips.crew().agents}
        assert isinstance(roles["booker"], Agent) and type(roles["booker"]) is not Agent
        assert type(roles["helper"]) is Agent  # not decorated

    class_marked = ev(project("class"))()
    assert class_marked.crew().kickoff(inputs=DAY).raw == "booked" and class_marked.llm.calls == 2
    assert {type(a) is not Agent for a in class_marked.crew().agents} == {True}
    assert lib.count_episodes() == 3


def test_is_failure_marks_application_level_failures(lib: SkillLibrary, closing: list[Evolving]) -> None:
    def policy(messages: list[dict[str, Any]]) -> str:
        if last_observation(messages) is None:
            return WRONG
        return "Thought: I now know the final answer\nFinal Answer: booked"

    ev = _evolving(closing, Evolver(lib, miner=None), reward=ok_reward, is_failure=lambda r: "03/04" in str(r))
    tool = Book()
    tool.accept_any_date = True
    assert ev(booking_crew(ScriptedLLM(policy), tool)).kickoff(inputs=DAY).raw == "booked"
    (error,) = lib.events(episode_id=ev.last_episode_id, kind=EventKind.TOOL_ERROR)
    assert error.data["error_type"] == "ToolFailure" and "03/04/2025" in error.data["error"]


def test_a_kickoff_that_raises_is_an_episode_with_reward_0(lib: SkillLibrary, closing: list[Evolving]) -> None:
    def down(messages: list[dict[str, Any]]) -> str:
        raise ConnectionError("model endpoint unreachable")

    ev = _evolving(closing, Evolver(lib, miner=None), reward=ok_reward)
    with pytest.raises(ConnectionError, match="unreachable"):
        ev(booking_crew(ScriptedLLM(down))).kickoff(inputs=DAY)
    (episode,) = lib.episodes()
    assert episode.reward == 0.0 and episode.metadata["exception"] == "ConnectionError"


def test_public_names() -> None:
    import skillevo_crewai

    assert sorted(skillevo_crewai.__all__) == [
        "Evolving",
        "Policy",
        "ScriptedLLM",
        "SkillGuidanceEvent",
        "SkillRepairEvent",
        "SkillRewardEvent",
        "SkillSelectionEvent",
        "SkillevoEvent",
        "evolving",
        "last_observation",
    ]
    assert all(getattr(skillevo_crewai, name).__doc__ for name in skillevo_crewai.__all__ if name != "Policy")


def test_close_unregisters_every_hook(lib: SkillLibrary) -> None:
    from skillevo_crewai import _hooks

    before = (get_before_llm_call_hooks(), get_before_tool_call_hooks(), get_after_tool_call_hooks())
    after_llm = get_after_llm_call_hooks()
    with evolving(Evolver(lib, miner=None), reward=ok_reward) as ev:
        assert _hooks._before_llm in get_before_llm_call_hooks()
        assert _hooks._on_start in get_hooks(InterceptionPoint.INPUT)
        crew_ = ev(booking_crew(ScriptedLLM(booking_policy)))
        crew_.kickoff(inputs=DAY)
        executor = crew_.agents[0].agent_executor
        assert executor is not None and _hooks._before_llm in executor.before_llm_call_hooks
    assert ev.closed
    assert (get_before_llm_call_hooks(), get_before_tool_call_hooks(), get_after_tool_call_hooks()) == before
    assert get_after_llm_call_hooks() == after_llm  # the hook that takes the guidance out again
    assert _hooks._after_llm not in executor.after_llm_call_hooks
    assert _hooks._on_start not in get_hooks(InterceptionPoint.INPUT)  # episodes open at INPUT
    assert _hooks._on_start not in get_hooks(InterceptionPoint.EXECUTION_START)
    assert _hooks._on_end not in get_hooks(InterceptionPoint.EXECUTION_END)
    assert _hooks._before_llm not in executor.before_llm_call_hooks  # removed from CrewAI's snapshot too
    llm = ScriptedLLM(booking_policy)
    crew_.agents[0].llm = llm
    assert crew_.kickoff(inputs=DAY).raw == "booked" and llm.calls == 3
    assert lib.count_episodes() == 1  # the closed decorator recorded nothing more


def test_bad_input_gets_a_clear_error(lib: SkillLibrary, closing: list[Evolving]) -> None:
    with pytest.raises(ConfigError, match=r"evo must be a skillevo\.Evolver"):
        evolving("skills.db")  # type: ignore[arg-type]
    ev = _evolving(closing, Evolver(lib, miner=None))
    with pytest.raises(ConfigError, match="reward must be callable"):
        evolving(ev.evo, reward=1.0)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="expected an Agent, a Crew"):
        ev(42)
    with pytest.raises(ConfigError, match="returned str, expected an Agent or a Crew"):
        ev(lambda: "not an agent")()
    with pytest.raises(ConfigError, match="is not a @CrewBase class"):
        ev(dict)
