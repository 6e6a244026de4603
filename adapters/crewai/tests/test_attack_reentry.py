"""A reward (or ``on_finish``) that runs a crew or an agent itself, an LLM judge say, built from
the same marked project: that kickoff is skillevo's scoring, not the user's run. It is not an
episode of the same `Evolving` (whose reward would run the judge again, without end)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from crewai import Crew, Task

from skillevo import Episode, Evolver, SkillLibrary
from skillevo_crewai import Evolving, ScriptedLLM, evolving

sys.path.insert(0, str(Path(__file__).parent))
from crewai_fakes import booker, booking_crew, booking_policy

DAY = {"day": "March 4th"}
RUNAWAY = 20


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


class Judge:
    """An LLM judge made of CrewAI parts marked by the same `Evolving` as the crew it grades."""

    def __init__(self, *, standalone: bool = False) -> None:
        self.calls = 0
        self.standalone = standalone
        self.ev: Evolving | None = None

    def policy(self, messages: list[dict[str, Any]]) -> str:
        self.calls += 1
        if self.calls > RUNAWAY:  # stop a runaway test instead of recursing until RecursionError
            raise RuntimeError("the judge was asked again and again")
        return "Thought: graded\nFinal Answer: 1.0"

    def __call__(self, output: Any) -> float:
        assert self.ev is not None
        agent = self.ev(booker(ScriptedLLM(self.policy)))
        if self.standalone:
            return float(agent.kickoff(f"Grade: {output}").raw)
        task = Task(description="Grade {answer}", expected_output="a number", agent=agent)
        return float(str(self.ev(Crew(agents=[agent], tasks=[task])).kickoff(inputs={"answer": "x"}).raw))


@pytest.mark.parametrize("standalone", [False, True], ids=["judge-crew", "judge-agent"])
def test_a_judge_kickoff_inside_the_reward_is_not_an_episode(lib: SkillLibrary, standalone: bool) -> None:
    judge = Judge(standalone=standalone)
    finished: list[Episode] = []
    with evolving(Evolver(lib, miner=None), reward=judge, on_finish=finished.append) as ev:
        judge.ev = ev
        for _ in range(2):
            assert ev(booking_crew(ScriptedLLM(booking_policy))).kickoff(inputs=DAY).raw == "booked"
    assert judge.calls == 2  # once per kickoff
    assert [e.reward for e in finished] == [1.0, 1.0]
    assert [e.task for e in finished] == ["Book Oslo on March 4th."] * 2 and lib.count_episodes() == 2


def test_a_kickoff_inside_on_finish_is_not_an_episode(lib: SkillLibrary) -> None:
    seen: list[Episode] = []
    follow_ups: list[str] = []
    ev: Evolving

    def on_finish(episode: Episode) -> None:
        seen.append(episode)
        if len(seen) > RUNAWAY:
            raise RuntimeError("on_finish ran again and again")
        # e.g. a summary crew from the same project, run after each kickoff
        follow_ups.append(str(ev(booking_crew(ScriptedLLM(booking_policy))).kickoff(inputs=DAY).raw))

    with evolving(Evolver(lib, miner=None), reward=lambda out: 1.0, on_finish=on_finish) as ev:
        ev(booking_crew(ScriptedLLM(booking_policy))).kickoff(inputs=DAY)
    assert len(seen) == 1 and follow_ups == ["booked"] and lib.count_episodes() == 1


def test_another_evolvings_kickoff_inside_a_reward_is_its_own_episode(lib: SkillLibrary) -> None:
    grader_lib = SkillLibrary(":memory:")
    judge = Judge()
    try:
        with (
            evolving(Evolver(grader_lib, miner=None), reward=lambda out: 0.5) as judges,
            evolving(Evolver(lib, miner=None), reward=judge) as ev,
        ):
            judge.ev = judges  # the judge evolves too, under its own decorator and library
            ev(booking_crew(ScriptedLLM(booking_policy))).kickoff(inputs=DAY)
        assert [e.reward for e in lib.episodes()] == [1.0]
        assert [e.reward for e in grader_lib.episodes()] == [0.5]
    finally:
        grader_lib.close()
