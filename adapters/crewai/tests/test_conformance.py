"""The adapter conformance suite against CrewAI: crews, standalone agents, ``@CrewBase`` projects
and agents inside Flow steps (shared scenarios in tests/conformance/scenarios.py)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from skillevo import EventKind, Evolver, SkillLibrary

sys.path.insert(0, str(Path(__file__).parent))
from cr_harness import HARNESSES, AgentHarness, CrewHarness, FlowHarness
from scenarios import SHARED, TASK, first_tool_call_imports_nothing_heavy, repair_skill


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


@pytest.mark.parametrize("harness", HARNESSES, ids=lambda h: h.name)
@pytest.mark.parametrize("scenario", SHARED, ids=lambda s: s.__name__)
def test_shared_scenario(scenario: Any, harness: Any, lib: SkillLibrary) -> None:
    scenario(harness, lib)


def test_standalone_agent_kickoff_hands_the_reward_the_answer(lib: SkillLibrary) -> None:
    seen: list[Any] = []
    run = AgentHarness().run(Evolver(lib, miner=None), reward=lambda out: seen.append(out) or 1.0)
    assert run.answer == "booked" and seen == ["booked"]
    (episode,) = lib.episodes()
    assert episode.reward == 1.0 and episode.task == TASK


def test_an_agent_kickoff_inside_a_flow_step_is_recorded_and_repaired(lib: SkillLibrary) -> None:
    seen: list[Any] = []
    run = FlowHarness().run(repair_skill(lib), reward=lambda out: seen.append(out) or 1.0)
    assert run.answer == "booked" and seen == ["booked"]
    (episode,) = lib.episodes()
    assert episode.reward == 1.0 and episode.task == TASK
    (repair,) = [e for e in lib.events(episode_id=episode.id, kind=EventKind.REPAIR) if e.data.get("applied")]
    assert repair.data["after"]["date"] == "2025-03-04"
    assert [r["version"] for r in run.trace_repairs] == ["iso-date@1"]


@pytest.mark.slow
def test_first_tool_call_imports_nothing_heavy(tmp_path: Path) -> None:
    first_tool_call_imports_nothing_heavy(CrewHarness(), tmp_path)
