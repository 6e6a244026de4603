"""Guidance leaves the system message even when another hook edited it too (inject2, 2026-12-07).

The adapter appends the chosen guidance to the system message before a model call and takes it out
once the model answered, restoring the message only when its content is still exactly what the
adapter wrote. A team's own ``before_llm_call`` hook that also edits the system message (a date, a
user profile: a common pattern) changed the content after the adapter's write, so the restore gave
up and left the guidance there: in the executor's messages CrewAI hands back and checkpoints
(``TaskOutput.messages``), and, as every later call appended it again, piled up in the prompt. A
version rejected or retired mid-run stays in the prompt that way, which the review promises it
leaves (docs/review.md). Before the fix the second model call of a task saw the guidance twice
(each call one more copy); now every call sees it once, the other hook's note is kept, and the
messages CrewAI hands back hold none of it: the adapter takes out exactly what it added, wherever
the other hook wrote its part.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from crewai.hooks import register_before_llm_call_hook, unregister_before_llm_call_hook

from skillevo import NULL_ARM, Evolver, SkillLibrary, Strategy, Trigger, TriggerKind
from skillevo import VersionStatus as VS
from skillevo_crewai import Evolving, ScriptedLLM, evolving

sys.path.insert(0, str(Path(__file__).parent))
from crewai_fakes import Book, booking_crew, booking_policy
from test_attack_guidance_state import GUIDANCE, _guided

NOTE = "Today is Monday."


def _dated(ctx: Any) -> None:
    """The team's own hook: a note appended to the system message (in place, as CrewAI hooks do)."""
    for message in ctx.messages:
        if isinstance(message, dict) and message.get("role") == "system" and NOTE not in str(message["content"]):
            message["content"] = f"{message['content']}\n\n{NOTE}"


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


@pytest.fixture
def dated() -> Iterator[None]:
    register_before_llm_call_hook(_dated)
    yield
    unregister_before_llm_call_hook(_dated)


def test_guidance_leaves_a_system_message_another_hook_edited(ev: Evolving, dated: None) -> None:
    llm = ScriptedLLM(booking_policy)
    crew = ev(booking_crew(llm, Book(accept_any_date=True)))
    out = crew.kickoff(inputs={"day": "March 4th"})
    assert llm.systems and all(s.count(GUIDANCE) == 1 for s in llm.systems)  # once per call, no pile-up
    assert all(NOTE in s for s in llm.systems)  # the other hook's edit is kept
    assert _guided(out.tasks_output[0].messages) == 0  # type: ignore[union-attr]

