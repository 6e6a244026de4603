"""A standalone ``Agent.kickoff`` whose guardrail rejects an answer: CrewAI runs the agent's executor
again (a second execution boundary) inside the same kickoff. It is one kickoff, so one episode,
rewarded with the answer the kickoff returns; a kickoff the guardrail fails for good is one
episode failed with the kickoff's error. (``kickoff_async`` with a guardrail retry fails inside
CrewAI 1.15 itself (seen with 1.15.30), with or without skillevo: its retry calls the sync executor path.)"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from crewai import Agent

from skillevo import EventKind, Evolver, SkillLibrary
from skillevo_crewai import ScriptedLLM, evolving

sys.path.insert(0, str(Path(__file__).parent))
from test_contract_differential import ADD, Add, _react


def _agent(answers: list[str], accept: int) -> Agent:
    replies = [r for answer in answers for r in (ADD, f"Thought: done\nFinal Answer: {answer}")]
    seen = {"n": 0}

    def guardrail(output: Any) -> tuple[bool, Any]:
        seen["n"] += 1
        return (True, output.raw) if seen["n"] >= accept else (False, "say it again")

    llm = ScriptedLLM(_react(*replies))
    return Agent(
        role="w",
        goal="g",
        backstory="b",
        llm=llm,
        tools=[Add()],
        guardrail=guardrail,
        guardrail_max_retries=1,
        max_iter=6,
    )


def test_a_guardrail_retry_is_one_episode_rewarded_with_the_returned_answer() -> None:
    rewarded: list[str] = []
    with SkillLibrary(":memory:") as lib:
        evolve = evolving(Evolver(lib, miner=None), reward=lambda out: rewarded.append(str(out)) or 1.0)
        try:
            agent = evolve(_agent(["first", "second"], accept=2))
            answer = agent.kickoff("add the numbers").raw
        finally:
            evolve.close()
        (episode,) = lib.episodes()
        assert episode.reward == 1.0
        assert rewarded == [answer]
        assert len(lib.events(episode_id=episode.id, kind=EventKind.TOOL_CALL)) == 2  # both attempts' calls


def test_a_kickoff_the_guardrail_fails_for_good_is_one_failed_episode() -> None:
    with SkillLibrary(":memory:") as lib:
        evolve = evolving(Evolver(lib, miner=None), reward=lambda out: 1.0)
        try:
            agent = evolve(_agent(["first", "second"], accept=99))
            with pytest.raises(ValueError, match="guardrail"):
                agent.kickoff("add the numbers")
        finally:
            evolve.close()
        (episode,) = lib.episodes()
        assert episode.reward == 0.0 and episode.metadata.get("aborted")
