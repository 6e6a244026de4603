"""An error inside skillevo's own CrewAI adapter is never the reason a kickoff fails or changes,
and never loses the episode of a kickoff that ran.

CrewAI swallows an exception raised by a hook (fail-open), but not one raised around the hooks:
before 2026-12-07 reading the live kickoffs at the start of a marked agent's task or kickoff (to
tell, on an interruption, which kickoffs it ended) failed every kickoff of a marked agent with
skillevo's exception (3 of 3 here), opening a replay's run failed the replay (2 faults), and a
failure while unregistering the hooks once the last kickoff ended lost that kickoff's episode
(taken out of the live kickoffs, never finished). No real fault reaches these steps on demand, so
each is made to raise by monkeypatching it; every kickoff is compared with the same crew without
skillevo.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import skillevo_crewai._hooks as hooks
from skillevo import Evolver, SkillLibrary
from skillevo_crewai import ScriptedLLM, evolving

sys.path.insert(0, str(Path(__file__).parent))
from crewai_fakes import Book, booking_crew, booking_policy, native_booking_policy, ok_reward

MODES = ("kickoff", "kickoff_async", "replay")


def boom(*args: Any, **kwargs: Any) -> Any:
    """A step of skillevo's that fails."""
    raise RuntimeError("skillevo internal fault")


class Unlistable(dict[int, Any]):
    """The live kickoffs, which cannot be listed (`live_runs` fails)."""

    def values(self) -> Any:
        raise RuntimeError("skillevo internal fault")


def _run(mode: str, skillevo: bool) -> tuple[Any, int]:
    """(what the caller got: the answers and every message the model saw; the episodes recorded)."""
    seen: list[Any] = []
    policy = native_booking_policy if mode == "kickoff_async" else booking_policy

    def watched(messages: list[dict[str, Any]]) -> Any:
        seen.append([(m.get("role"), str(m.get("content"))) for m in messages if m.get("role") != "system"])
        return policy(messages)

    crew = booking_crew(ScriptedLLM(watched, native=mode == "kickoff_async"), Book())
    with SkillLibrary(":memory:") as lib:
        evolve = evolving(Evolver(lib, miner=None), reward=ok_reward) if skillevo else None
        try:
            if evolve is not None:
                crew = evolve(crew)
            try:
                if mode == "kickoff_async":
                    answers = [asyncio.run(crew.kickoff_async(inputs={"day": "March 4"})).raw]
                else:
                    answers = [crew.kickoff(inputs={"day": "March 4"}).raw]
                if mode == "replay":
                    answers.append(crew.replay(task_id=str(crew.tasks[0].id)).raw)
            except Exception as exc:
                answers = [f"raised {type(exc).__name__}: {exc}"]
        finally:
            if evolve is not None:
                evolve.close()
        return (answers, seen), len(lib.episodes())


@pytest.fixture(scope="module")
def baseline() -> dict[str, Any]:
    return {mode: _run(mode, skillevo=False)[0] for mode in MODES}


@pytest.fixture(autouse=True)
def _nothing_left() -> Iterator[None]:
    yield
    assert hooks.live_runs() == []


# (owner, attribute, replacement, whether every kickoff is still recorded)
FAULTS = [
    (hooks, "_live", Unlistable(), True),  # listed at the start of a marked agent's task
    (hooks, "_unregister", boom, True),  # unregistering the hooks once no kickoff is left
    (hooks, "_agents_of", boom, False),  # opening a kickoff's run (a replay's: outside CrewAI's hooks)
    (hooks, "_open_run", boom, False),
]


def test_the_differential_holds_without_faults(baseline: dict[str, Any]) -> None:
    for mode in MODES:
        got, recorded = _run(mode, skillevo=True)
        assert got == baseline[mode]
        assert recorded == len(got[0])


@pytest.mark.parametrize(("owner", "name", "fault", "recorded"), FAULTS, ids=[f[1] for f in FAULTS])
@pytest.mark.parametrize("mode", MODES)
def test_a_fault_inside_the_adapter_leaves_the_kickoff_as_without_skillevo(
    baseline: dict[str, Any], monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, fault: Any,
    recorded: bool, mode: str,
) -> None:
    monkeypatch.setattr(owner, name, fault)
    got, episodes = _run(mode, skillevo=True)
    monkeypatch.undo()
    assert got == baseline[mode]
    if recorded:
        assert episodes == len(got[0])
