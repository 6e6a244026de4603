"""A call CrewAI turns down (an unknown tool name, arguments that do not parse) under
``tool_failure_policy=IGNORE``, set on the crew, the agent or the task: CrewAI's failure handling
then neither collects nor emits the failure, so before 2026-12-08 the call was missing from its
episode (the mistake and its correction could not be learned). The policy says how CrewAI reacts to
a failure, not whether one happened: the call is recorded as under any other policy, once, in order,
and the kickoff runs as CrewAI runs it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from crewai import Crew, Task
from crewai.tools.tool_failure import ToolFailurePolicy

from skillevo import Evolver, SkillLibrary
from skillevo_crewai import evolving

sys.path.insert(0, str(Path(__file__).parent))
from test_attack_rejected_calls import MISTAKES, _agent, expected, tool_events


@pytest.mark.parametrize("where", ["crew", "agent", "task"])
@pytest.mark.parametrize("path", list(MISTAKES))
def test_a_call_crewai_turns_down_under_ignore_is_recorded(path: str, where: str) -> None:
    with SkillLibrary(":memory:") as lib:
        with evolving(Evolver(lib, miner=None), reward=lambda out: 1.0) as ev:
            agent = _agent(path)
            task = Task(description="Book Oslo.", expected_output="a confirmation", agent=agent)
            if where == "agent":
                agent.tool_failure_policy = ToolFailurePolicy.IGNORE
            if where == "task":
                task.tool_failure_policy = ToolFailurePolicy.IGNORE
            crew = Crew(agents=[agent], tasks=[task])
            if where == "crew":
                crew.tool_failure_policy = ToolFailurePolicy.IGNORE
            assert ev(crew).kickoff().raw == "booked"
            (episode,) = lib.episodes()
            assert tool_events(lib, episode.id) == expected(path)
