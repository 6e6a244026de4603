"""skillevo on CrewAI's event bus, and feedback by a kickoff's id."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from crewai.events import crewai_event_bus
from crewai.events.types.crew_events import CrewKickoffStartedEvent

from skillevo import NULL_ARM, Evolver, SkillLibrary, Strategy, Trigger, TriggerKind
from skillevo import VersionStatus as VS
from skillevo_crewai import (
    Evolving,
    ScriptedLLM,
    SkillGuidanceEvent,
    SkillRepairEvent,
    SkillRewardEvent,
    SkillSelectionEvent,
    evolving,
)

sys.path.insert(0, str(Path(__file__).parent))
from crewai_fakes import booking_crew, booking_policy, ok_reward

DAY = {"day": "March 4th"}
KINDS = (SkillSelectionEvent, SkillRepairEvent, SkillGuidanceEvent, SkillRewardEvent, CrewKickoffStartedEvent)


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


@pytest.fixture
def bus() -> Iterator[list[Any]]:
    """The events of the kinds in KINDS, from handlers that live only as long as the test."""
    seen: list[Any] = []
    lock = threading.Lock()

    def record(source: Any, event: Any) -> None:
        with lock:
            seen.append(event)

    with crewai_event_bus.scoped_handlers():
        for kind in KINDS:
            crewai_event_bus.on(kind)(record)
        yield seen


@pytest.fixture
def closing() -> Iterator[list[Evolving]]:
    made: list[Evolving] = []
    yield made
    for ev in made:
        ev.close()


def _skills(lib: SkillLibrary) -> tuple[Evolver, str]:
    repair: dict[str, Any] = {
        "ops": [{"op": "set", "arg": "date", "value": "2025-03-04"}],
        "precondition": [{"arg": "date", "regex": r"\d{2}/\d{2}/\d{4}"}],
    }
    vid = lib.add_skill(
        "iso-date",
        Trigger(kind=TriggerKind.TOOL_ERROR, tool="book", pattern="YYYY-MM-DD"),
        Strategy(repair=repair),  # type: ignore[arg-type]
        status=VS.ACTIVE,
    ).id
    lib.add_skill("dates", Trigger(kind=TriggerKind.ALWAYS), Strategy(guidance="ISO dates."), status=VS.ACTIVE)
    evo = Evolver(lib, miner=None, seed=0)
    for key, arm in (("iso-date", vid), ("dates", "dates@1")):
        for _ in range(30):
            evo.selector.update(key, arm, 1.0)
            evo.selector.update(key, NULL_ARM, 0.0)
    return evo, vid


def _of(seen: list[Any], kind: type) -> list[Any]:
    assert crewai_event_bus.flush(timeout=10)
    return [e for e in seen if type(e) is kind]


def test_the_event_bus_carries_the_selection_the_repair_diff_and_the_reward(
    lib: SkillLibrary, bus: list[Any], closing: list[Evolving]
) -> None:
    evo, vid = _skills(lib)
    ev = evolving(evo, reward=ok_reward)
    closing.append(ev)
    assert ev(booking_crew(ScriptedLLM(booking_policy))).kickoff(inputs=DAY).raw == "booked"
    episode_id = ev.last_episode_id
    (kickoff,) = _of(bus, CrewKickoffStartedEvent)
    selections = {e.skill: e for e in _of(bus, SkillSelectionEvent)}
    assert selections["iso-date"].version == vid and 0.0 < (selections["iso-date"].propensity or 0) <= 1.0
    assert selections["dates"].arm == "dates@1"
    assert [e.version for e in _of(bus, SkillGuidanceEvent)] == ["dates@1"]
    (repair,) = _of(bus, SkillRepairEvent)
    assert repair.applied and repair.tool == "book" and repair.version == vid and repair.changed == ["date"]
    assert repair.before["date"] == "03/04/2025" and repair.after["date"] == "2025-03-04"
    (reward,) = _of(bus, SkillRewardEvent)
    assert reward.reward == 1.0 and reward.error is None and reward.run_id == kickoff.event_id
    skill_events = [e for e in bus if not isinstance(e, CrewKickoffStartedEvent)]
    assert {(e.episode_id, e.run_id) for e in skill_events} == {(episode_id, kickoff.event_id)}


def test_feedback_by_kickoff_id_after_the_kickoff_moves_the_posterior(
    lib: SkillLibrary, bus: list[Any], closing: list[Evolving]
) -> None:
    evo, _ = _skills(lib)
    ev = evolving(evo)  # no reward: it comes later, by the kickoff's id
    closing.append(ev)
    ev(booking_crew(ScriptedLLM(booking_policy))).kickoff(inputs=DAY)
    (kickoff,) = _of(bus, CrewKickoffStartedEvent)
    assert ev.last_run_id == kickoff.event_id
    assert lib.episode(ev.last_episode_id or "").metadata["run_id"] == kickoff.event_id
    beta = {p.arm: p.beta for p in lib.posteriors("dates")}["dates@1"]
    episode = evo.feedback(kickoff.event_id, 0.0)
    assert episode.id == ev.last_episode_id and lib.episode(episode.id).reward == 0.0
    assert {p.arm: p.beta for p in lib.posteriors("dates")}["dates@1"] == pytest.approx(beta + 1)


def test_a_reward_out_of_range_is_reported_on_the_bus(
    lib: SkillLibrary, bus: list[Any], closing: list[Evolving]
) -> None:
    evo, _ = _skills(lib)
    ev = evolving(evo, reward=lambda out: 5.0)
    closing.append(ev)
    assert ev(booking_crew(ScriptedLLM(booking_policy))).kickoff(inputs=DAY).raw == "booked"
    (reward,) = _of(bus, SkillRewardEvent)
    assert reward.reward is None and reward.error and "[0, 1]" in reward.error


def test_a_standalone_agent_kickoff_records_its_execution_event_id(lib: SkillLibrary, closing: list[Evolving]) -> None:
    from crewai.events.types.agent_events import LiteAgentExecutionStartedEvent
    from crewai_fakes import booker

    evo, _ = _skills(lib)
    ev = evolving(evo)
    closing.append(ev)
    started: list[Any] = []
    with crewai_event_bus.scoped_handlers():
        crewai_event_bus.on(LiteAgentExecutionStartedEvent)(lambda source, event: started.append(event))
        assert ev(booker(ScriptedLLM(booking_policy))).kickoff("Book Oslo on March 4th").raw == "booked"
        assert crewai_event_bus.flush(timeout=10)
    (event,) = started
    assert ev.last_run_id == event.event_id
    assert evo.feedback(event.event_id, 1.0).id == ev.last_episode_id
