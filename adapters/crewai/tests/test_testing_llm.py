"""`skillevo.testing.ScriptedLLM` is the one scripted CrewAI model; ``skillevo_crewai`` re-exports it."""

from __future__ import annotations

import sys
from pathlib import Path

import skillevo_crewai
from skillevo.testing import ScriptedLLM, last_observation

sys.path.insert(0, str(Path(__file__).parent))
from crewai_fakes import booking_crew, booking_policy

DAY = {"day": "March 4th"}


def test_one_scripted_llm_under_its_public_name() -> None:
    assert skillevo_crewai.ScriptedLLM is ScriptedLLM
    assert skillevo_crewai.last_observation is last_observation
    assert repr(ScriptedLLM).endswith("'skillevo.testing.ScriptedLLM'>")


def test_the_scripted_llm_plays_a_crew() -> None:
    llm = ScriptedLLM(booking_policy)
    assert booking_crew(llm).kickoff(inputs=DAY).raw == "booked"
    assert llm.calls == 3  # wrong date, corrected date, answer
    assert last_observation([{"role": "tool", "content": " booked "}]) == "booked"
