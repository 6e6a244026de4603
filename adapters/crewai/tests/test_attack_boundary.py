"""Other users' execution-boundary hooks (CrewAI's hooks are process-wide): a gate that refuses a
kickoff at EXECUTION_START, or an EXECUTION_END hook that aborts, must not leave skillevo's episode
open (lost, leaked, recorded at exit as something it was not) nor its run in the caller's context."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from crewai.hooks import InterceptionPoint, register_hook, unregister_hook
from crewai.hooks.dispatch import HookAborted

from skillevo import Episode, Evolver, SkillLibrary
from skillevo_crewai import Evolving, ScriptedLLM, evolving
from skillevo_crewai._hooks import _abort_live_at_exit, live_runs

sys.path.insert(0, str(Path(__file__).parent))
from crewai_fakes import booker, booking_crew, booking_policy, ok_reward

DAY = {"day": "March 4th"}


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def _refuse(ctx: Any) -> None:
    raise HookAborted("kickoffs are closed for maintenance")


@pytest.fixture
def gate() -> Iterator[Any]:
    """Registers a hook at an interception point for the test, and takes it out afterwards."""
    added: list[tuple[InterceptionPoint, Any]] = []

    def add(point: InterceptionPoint, hook: Any = _refuse) -> None:
        register_hook(point, hook)
        added.append((point, hook))

    yield add
    for point, hook in added:
        unregister_hook(point, hook)


@pytest.fixture
def evolve(lib: SkillLibrary) -> Iterator[tuple[Evolving, list[Episode]]]:
    finished: list[Episode] = []
    ev = evolving(Evolver(lib, miner=None), reward=ok_reward, on_finish=finished.append)
    yield ev, finished
    ev.close()


def test_a_kickoff_another_start_hook_refuses_leaves_nothing_open(
    lib: SkillLibrary, gate: Any, evolve: tuple[Evolving, list[Episode]]
) -> None:
    ev, finished = evolve
    gate(InterceptionPoint.EXECUTION_START)  # registered after skillevo's hooks: it runs after them
    crew = ev(booking_crew(ScriptedLLM(booking_policy)))
    agent = ev(booker(ScriptedLLM(booking_policy)))
    for _ in range(3):
        with pytest.raises(HookAborted):
            crew.kickoff(inputs=DAY)
        with pytest.raises(HookAborted):
            agent.kickoff("Book Oslo on March 4th.")
    assert live_runs() == []  # nothing held for kickoffs that never ran
    _abort_live_at_exit()  # what the interpreter's exit would record
    assert lib.count_episodes() == 0 and finished == []


def test_the_next_kickoff_after_a_refused_one_is_its_own_episode(
    lib: SkillLibrary, gate: Any, evolve: tuple[Evolving, list[Episode]]
) -> None:
    ev, finished = evolve
    crew = ev(booking_crew(ScriptedLLM(booking_policy)))
    refused = [True]

    def sometimes(ctx: Any) -> None:
        if refused[0]:
            raise HookAborted("not now")

    gate(InterceptionPoint.EXECUTION_START, sometimes)
    with pytest.raises(HookAborted):
        crew.kickoff(inputs=DAY)
    refused[0] = False
    crew = ev(booking_crew(ScriptedLLM(booking_policy)))
    assert getattr(crew.kickoff(inputs=DAY), "raw", None) == "booked"
    _abort_live_at_exit()
    assert [e.reward for e in finished] == [1.0] and lib.count_episodes() == 1


def test_an_end_hook_that_aborts_does_not_lose_the_episode(lib: SkillLibrary, gate: Any) -> None:
    # The user's EXECUTION_END hook was registered first (at import, before any Evolving existed).
    gate(InterceptionPoint.EXECUTION_END)
    finished: list[Episode] = []
    ev = evolving(Evolver(lib, miner=None), reward=ok_reward, on_finish=finished.append)
    try:
        with pytest.raises(HookAborted):
            ev(booking_crew(ScriptedLLM(booking_policy))).kickoff(inputs=DAY)
        with pytest.raises(HookAborted):
            ev(booker(ScriptedLLM(booking_policy))).kickoff("Book Oslo on March 4th.")
        assert live_runs() == []
        assert len(finished) == 2 and lib.count_episodes() == 2  # recorded when they ended, not at exit
        assert all(e.reward == 1.0 for e in finished)  # the kickoffs' work was done: rewarded as it was
    finally:
        ev.close()
