"""A long-lived process builds its crews, agents and tools anew for each request (``@CrewBase``
does): once a kickoff is over and the caller drops them, skillevo holds none of them alive (a tool
holds its clients, connections and files; thousands of kickoffs must not keep thousands of them).
Crews only: CrewAI itself keeps the last standalone agents alive through its event bus."""

from __future__ import annotations

import gc
import sys
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from crewai.events import crewai_event_bus

from skillevo import Evolver, SkillLibrary
from skillevo_crewai import ScriptedLLM, evolving

sys.path.insert(0, str(Path(__file__).parent))
from crewai_fakes import Book, booking_crew, booking_policy, ok_reward


def _freed(refs: list[weakref.ref[Any]]) -> bool:
    """Whether every referent but the last kickoff's is freed: what grows with the kickoffs is what
    this guards. (Under load the last kickoff's agent, tools and Evolving may still be held for a
    while by CrewAI's event bus threads and the test's log capture.)"""
    crewai_event_bus.flush(timeout=30.0)
    gc.collect()
    return all(r() is None for r in refs[:-1])


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def test_tools_of_finished_kickoffs_are_not_kept_alive(lib: SkillLibrary) -> None:
    tools: list[weakref.ref[Book]] = []
    with evolving(Evolver(lib, miner=None), reward=ok_reward) as ev:
        for day in range(5):
            tool = Book(accept_any_date=True)
            tools.append(weakref.ref(tool))
            ev(booking_crew(ScriptedLLM(booking_policy), tool)).kickoff(inputs={"day": str(day)})
        del tool
        assert _freed(tools)
    assert lib.count_episodes() == 5


def test_an_evolving_made_per_request_and_never_closed_is_freed_with_its_crews(lib: SkillLibrary) -> None:
    """``evolving(evo, reward=<a closure over the request>)`` per request, without ``close()``: once
    the request's crew is gone, nothing of it stays (its reward closure holds the request)."""
    evo = Evolver(lib, miner=None)
    made: list[weakref.ref[Any]] = []
    rewards: list[float] = []
    for day in range(5):
        request = {"expected": "booked", "day": str(day)}
        ev = evolving(evo, reward=lambda out, request=request: float(out.raw == request["expected"]))
        made.append(weakref.ref(ev))
        ev(booking_crew(ScriptedLLM(booking_policy), Book(accept_any_date=True))).kickoff(inputs={"day": str(day)})
        rewards.append(lib.episode(ev.last_episode_id or "").reward or 0.0)
    del ev
    assert _freed(made)
    assert rewards == [1.0] * 5
    # The hooks still work for an Evolving made afterwards.
    with evolving(evo, reward=lambda out: 0.5) as ev:
        ev(booking_crew(ScriptedLLM(booking_policy), Book(accept_any_date=True))).kickoff(inputs={"day": "x"})
        assert lib.episode(ev.last_episode_id or "").reward == 0.5
    assert lib.count_episodes() == 6
