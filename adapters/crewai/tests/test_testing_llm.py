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


def test_last_observation_is_the_tool_result_after_crewais_format_reminder() -> None:
    """Every few tool uses CrewAI appends its format reminder to the observation, and the reminder
    holds "Observation: the result of the action"; `last_observation` returned that text instead of
    the tool's result from the third call on (heldout9)."""
    from crewai import Agent, Crew, Task
    from crewai.tools import BaseTool

    class Count(BaseTool):
        name: str = "count"
        description: str = "Say a number back."

        def _run(self, n: int) -> str:
            return f"count-{n}"

    seen: list[str | None] = []

    def policy(messages: list[dict[str, object]]) -> str:
        observation = last_observation(messages)  # type: ignore[arg-type]
        seen.append(observation)
        if len(seen) <= 5:
            return f'Thought: once more\nAction: count\nAction Input: {{"n": {len(seen)}}}'
        return f"Thought: I now know the final answer\nFinal Answer: {observation}"

    agent = Agent(role="counter", goal="Count", backstory="Counts.", llm=ScriptedLLM(policy), tools=[Count()])
    task = Task(description="Count five times.", expected_output="the last count", agent=agent)
    Crew(agents=[agent], tasks=[task]).kickoff()
    assert seen == [None, "count-1", "count-2", "count-3", "count-4", "count-5"]
