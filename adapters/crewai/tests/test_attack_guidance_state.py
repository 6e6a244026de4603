"""Guidance goes into the model request, never into the framework's state (the adapter contract):
the messages CrewAI hands back and keeps (``TaskOutput.messages``, a standalone agent's output,
the executor's own list, what a checkpoint or a replay reads) hold none of it once the model
answered, while every model call saw it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from skillevo import NULL_ARM, Evolver, SkillLibrary, Strategy, Trigger, TriggerKind
from skillevo import VersionStatus as VS
from skillevo_crewai import Evolving, ScriptedLLM, evolving

sys.path.insert(0, str(Path(__file__).parent))
from crewai_fakes import Book, booker, booking_crew, booking_policy, native_booking_policy

GUIDANCE = "Write dates as YYYY-MM-DD."


@pytest.fixture
def ev() -> Iterator[Evolving]:
    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, miner=None, seed=0)
        lib.add_skill("dates", Trigger(kind=TriggerKind.ALWAYS), Strategy(guidance=GUIDANCE), status=VS.ACTIVE)
        evo.invalidate()
        for _ in range(30):
            evo.selector.update("dates", "dates@1", 1.0)
            evo.selector.update("dates", NULL_ARM, 0.0)
        with evolving(evo, reward=lambda out: 1.0) as made:
            yield made


def _guided(messages: Any) -> int:
    return sum(GUIDANCE in str(m.get("content")) for m in messages or [])


@pytest.mark.parametrize("native", [False, True], ids=["react", "native"])
def test_crew_outputs_and_executors_keep_no_guidance(ev: Evolving, native: bool) -> None:
    llm = ScriptedLLM(native_booking_policy if native else booking_policy, native=native)
    crew = ev(booking_crew(llm, Book(accept_any_date=True)))
    out = crew.kickoff(inputs={"day": "March 4th"})
    assert llm.systems and all(GUIDANCE in s for s in llm.systems)  # the model saw it on every call
    assert _guided(out.tasks_output[0].messages) == 0  # type: ignore[union-attr]
    executor = crew.agents[0].agent_executor
    assert _guided(getattr(executor, "messages", None)) == 0


def test_a_standalone_agents_output_keeps_no_guidance(ev: Evolving) -> None:
    llm = ScriptedLLM(booking_policy)
    result = ev(booker(llm, Book(accept_any_date=True))).kickoff("Book Oslo on March 4th.")
    assert all(GUIDANCE in s for s in llm.systems)
    assert _guided(result.messages) == 0
