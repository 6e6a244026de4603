"""The manager CrewAI builds for a hierarchical crew from ``manager_llm`` (at kickoff, so nobody can
mark it beforehand) belongs to the crew: when every agent of the crew is marked by one `evolving`,
the manager's tool calls (its delegations) are that kickoff's, recorded and repaired like the
others'. A crew whose agents are marked only in part leaves the manager alone."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest
from crewai import Crew, Process, Task

from skillevo import EventKind, Evolver, SkillLibrary, Strategy, Trigger, VersionStatus
from skillevo_crewai import ScriptedLLM, evolving
from skillevo_crewai._hooks import binding_of

sys.path.insert(0, str(Path(__file__).parent))
from test_contract_differential import ADD, DONE, Add, _agent, _react

DELEGATE = "Delegate work to coworker"


def _ask(coworker: str) -> str:
    args = json.dumps({"task": "add 1 and 2", "context": "numbers", "coworker": coworker})
    return f"Thought: delegate\nAction: {DELEGATE}\nAction Input: {args}"


def _crew(manager_replies: tuple[str, ...], *roles: str) -> Crew:
    agents = [_agent(ScriptedLLM(_react(ADD, DONE)), Add(), role=role) for role in roles]
    manager = ScriptedLLM(_react(*manager_replies, "Thought: done\nFinal Answer: manager: {obs}"))
    task = Task(description="compute {x}", expected_output="a number")
    return Crew(agents=agents, tasks=[task], process=Process.hierarchical, manager_llm=manager)


def _tool_calls(lib: SkillLibrary) -> list[str | None]:
    (episode,) = lib.episodes()
    return sorted(e.tool or "" for e in lib.events(episode_id=episode.id, kind=EventKind.TOOL_CALL))


@pytest.mark.parametrize("mode", ["kickoff", "akickoff"])
def test_the_delegations_of_a_manager_built_from_manager_llm_are_recorded(mode: str) -> None:
    with SkillLibrary(":memory:") as lib:
        evolve = evolving(Evolver(lib, miner=None), reward=lambda output: 1.0)
        try:
            crew = evolve(lambda: _crew((_ask("adder"),), "adder"))()
            kick = crew.kickoff if mode == "kickoff" else (lambda **kw: asyncio.run(crew.akickoff(**kw)))
            assert kick(inputs={"x": "1"}).raw == "manager: got 3"
        finally:
            evolve.close()
        assert _tool_calls(lib) == ["add", "delegate_work_to_coworker"]


def test_a_learned_repair_of_a_delegation_reaches_the_built_manager() -> None:
    # the manager names a coworker that does not exist; a learned repair names the right one
    with SkillLibrary(":memory:") as lib:
        fix = Strategy(repair={"ops": [{"op": "set", "arg": "coworker", "value": "adder"}]})
        lib.add_skill("coworker", Trigger(kind="tool_error", pattern="adder"), fix, status=VersionStatus.ACTIVE)
        evo = Evolver(lib, miner=None, seed=0)
        evolve = evolving(evo, reward=lambda output: 1.0)
        try:
            crew = evolve(lambda: _crew((_ask("nobody"),), "adder"))()
            out = crew.kickoff(inputs={"x": "1"}).raw
        finally:
            evolve.close()
        (episode,) = lib.episodes()
        assert lib.events(episode_id=episode.id, kind=EventKind.TOOL_ERROR)  # the manager's failure is seen
        (repair,) = lib.events(episode_id=episode.id, kind=EventKind.REPAIR)
        assert repair.tool == "delegate_work_to_coworker"
        assert out == "manager: got 3"  # the repaired delegation reached the worker, which added


def test_a_crew_marked_in_part_leaves_its_built_manager_alone() -> None:
    with SkillLibrary(":memory:") as lib:
        evolve = evolving(Evolver(lib, miner=None), reward=lambda output: 1.0)
        try:
            crew = _crew((_ask("adder"),), "adder", "other")
            evolve(crew.agents[0])
            assert crew.kickoff(inputs={"x": "1"}).raw == "manager: got 3"
            assert binding_of(crew.manager_agent) is None
        finally:
            evolve.close()
        assert _tool_calls(lib) == ["add"]
