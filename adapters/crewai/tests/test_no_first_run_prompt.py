"""The CrewAI tests run as CrewAI's own suite runs (``CREWAI_TESTING=true``, set by conftest.py before
crewai is imported): CrewAI treats a private, fresh ``HOME`` as a first-time user, and a kickoff
whose events reach its trace listener outside an execution (``Crew.replay`` does) then put its
first-run trace question to nobody and printed a "Tracing Preference Saved" panel, on every such
kickoff of the session, and wrote the answer under ``HOME`` (before 2026-12-08). CrewAI itself does
this, with or without skillevo: the adapter changes nothing here."""

from __future__ import annotations

import pytest
from crewai import Agent, Crew, Task
from crewai.events import crewai_event_bus

from skillevo import Evolver, SkillLibrary
from skillevo_crewai import ScriptedLLM, evolving


def test_a_replay_prints_no_first_run_tracing_panel(capfd: pytest.CaptureFixture[str]) -> None:
    agent = Agent(role="r", goal="g", backstory="b", llm=ScriptedLLM(lambda m: "Thought: t\nFinal Answer: ok"))
    crew = Crew(agents=[agent], tasks=[Task(description="d", expected_output="o", agent=agent)])
    with SkillLibrary(":memory:") as lib, evolving(Evolver(lib, miner=None), reward=lambda out: 1.0) as ev:
        ev(crew).kickoff()
        crew.replay(task_id=str(crew.tasks[0].id))
    crewai_event_bus.flush(timeout=10)  # (the trace listener runs on CrewAI's handler pool)
    out = capfd.readouterr()
    assert "Tracing Preference" not in out.out + out.err
    assert "Execution Traces" not in out.out + out.err
