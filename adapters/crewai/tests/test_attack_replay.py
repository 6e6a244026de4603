"""``Crew.replay(task_id)`` runs the crew's agents again from a task on, but CrewAI dispatches no
INPUT / EXECUTION_END for it: the marked agents' tool calls went unrecorded and unrepaired, and the
run left no episode. A replay is a kickoff from a task on: one episode, rewarded with its output."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from skillevo import EventKind, Evolver, SkillLibrary
from skillevo_crewai import ScriptedLLM, evolving
from skillevo_crewai._hooks import live_runs

sys.path.insert(0, str(Path(__file__).parent))
from crewai_fakes import Book, booking_crew, booking_policy, ok_reward

_CALLS = (EventKind.TOOL_CALL, EventKind.TOOL_RESULT, EventKind.TOOL_ERROR)


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def _calls(lib: SkillLibrary, episode_id: str) -> list[tuple[Any, Any]]:
    return [(e.kind, e.tool) for e in lib.events(episode_id=episode_id) if e.kind in _CALLS]


def test_a_replay_is_one_episode_with_its_tool_calls(lib: SkillLibrary) -> None:
    with evolving(Evolver(lib, miner=None), reward=ok_reward) as evolve:
        crew = evolve(booking_crew(ScriptedLLM(booking_policy), Book()))
        crew.kickoff(inputs={"day": "March 4"})
        (first,) = lib.episodes()
        output = crew.replay(task_id=str(crew.tasks[0].id))
        assert output.raw == "booked"
        assert live_runs() == []
        (replayed,) = [e for e in lib.episodes() if e.id != first.id]
        assert replayed.reward == 1.0 and replayed.task == "Book Oslo on March 4."
        assert (
            _calls(lib, replayed.id)
            == _calls(lib, first.id)
            == [
                (EventKind.TOOL_CALL, "book"),
                (EventKind.TOOL_ERROR, "book"),
                (EventKind.TOOL_CALL, "book"),
                (EventKind.TOOL_RESULT, "book"),
            ]
        )
        assert replayed.metadata.get("run_id") not in (None, first.metadata.get("run_id"))


def test_a_failed_replay_is_recorded_aborted_and_the_error_goes_on(lib: SkillLibrary) -> None:
    def model_down(messages: list[dict[str, Any]]) -> str:
        raise ConnectionError("model unreachable")

    with evolving(Evolver(lib, miner=None), reward=ok_reward) as evolve:
        llm = ScriptedLLM(booking_policy)
        crew = evolve(booking_crew(llm, Book()))
        crew.kickoff(inputs={"day": "March 4"})
        crew.agents[0].llm = ScriptedLLM(model_down)
        with pytest.raises(ConnectionError):
            crew.replay(task_id=str(crew.tasks[0].id))
        assert live_runs() == []
        assert len(lib.episodes()) == 2
        (aborted,) = [e for e in lib.episodes() if e.reward == 0.0]
        assert aborted.metadata.get("aborted") == "ConnectionError"
