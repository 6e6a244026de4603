"""skillevo on a CrewAI crew (``@evolving``), offline.

A scripted model (``skillevo_crewai.ScriptedLLM``, CrewAI's ReAct text protocol) books a trip with
a US-style date; the real ``BaseTool`` raises; the model reads the error and corrects itself on an
extra turn. skillevo mines that self-correction into a repair skill, tests it against doing
nothing, and once it is active the same mistake is repaired in CrewAI's ``before_tool_call`` hook
before the tool runs: the kickoff needs one model call fewer. Its guidance text stays out of the
agent's system message, since the repair fixes the call before the model could make the mistake
(docs/evolver.md). A second, undecorated crew in the same process is left alone.
Run: ``python examples/crewai_agent.py``.
"""

from __future__ import annotations

import datetime
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

# CrewAI reads these when it is imported: no telemetry, no tracing prompt, no version check.
for _name in ("CREWAI_DISABLE_TELEMETRY", "OTEL_SDK_DISABLED", "CREWAI_DISABLE_VERSION_CHECK"):
    os.environ.setdefault(_name, "true")
os.environ.setdefault("CREWAI_TRACING_ENABLED", "false")
warnings.filterwarnings("ignore", category=DeprecationWarning, module="crewai")

from crewai import Agent, Crew, Task  # noqa: E402
from crewai.tools import BaseTool  # noqa: E402
from pydantic import BaseModel  # noqa: E402

from skillevo import Evolver, LifecycleConfig, SkillLibrary  # noqa: E402
from skillevo_crewai import ScriptedLLM, evolving, last_observation  # noqa: E402


def policy(messages: list[dict[str, Any]]) -> str:
    """Stands in for a real model: US date first, ISO date after an error, then the answer."""
    observation = last_observation(messages)
    if observation is None:
        return 'Thought: I will book it.\nAction: book\nAction Input: {"city": "Oslo", "date": "03/04/2025"}'
    if not observation.startswith("booked"):
        return 'Thought: The date must be ISO.\nAction: book\nAction Input: {"city": "Oslo", "date": "2025-03-04"}'
    return f"Thought: I now know the final answer\nFinal Answer: Done: {observation}"


class BookArgs(BaseModel):
    city: str
    date: str


class Book(BaseTool):
    name: str = "book"
    description: str = "Book a trip to a city on an ISO date (YYYY-MM-DD)."
    args_schema: type[BaseModel] = BookArgs

    def _run(self, city: str, date: str) -> str:
        try:
            day = datetime.date.fromisoformat(date)
        except ValueError:
            raise ValueError(f"invalid date '{date}': expected format YYYY-MM-DD") from None
        return f"booked {city} on {day.isoformat()}"


def trip_crew(llm: ScriptedLLM) -> Crew:
    booker = Agent(role="booker", goal="Book trips", backstory="A travel agent.", llm=llm, tools=[Book()])
    task = Task(description="Book {city} for {day}.", expected_output="a confirmation", agent=booker)
    return Crew(agents=[booker], tasks=[task])


def reward(output: Any) -> float:
    return 1.0 if output.raw.startswith("Done: booked") else 0.0


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, SkillLibrary(Path(tmp) / "skills.db") as lib:
        # Small test thresholds so the demo converges in a few dozen kickoffs.
        evo = Evolver(lib, seed=0, lifecycle=LifecycleConfig(min_updates=3, min_episodes=3))
        with evolving(evo, reward=reward) as evolve:
            evolving_crew = evolve(trip_crew)  # a Crew factory: every agent of the crew it returns evolves
            llm = ScriptedLLM(policy)
            for run in range(1, 21):
                llm = ScriptedLLM(policy)
                out = evolving_crew(llm).kickoff(inputs={"city": "Oslo", "day": "March 4th 2025"})
                if run in (1, 20):
                    print(f"kickoff {run:2d}: {llm.calls} model calls -> {out.raw!r}")
            learned = [line for line in llm.systems[-1].splitlines() if "`book`" in line]
            if learned:
                print("system message now ends with:", *learned, sep="\n  ")
            else:
                print("system message: no `book` guidance (the active repair fixes the call before the model sees "
                      "the mistake)")

            plain = ScriptedLLM(policy)
            trip_crew(plain).kickoff(inputs={"city": "Oslo", "day": "March 4th 2025"})
            print(f"undecorated crew, same process: {plain.calls} model calls, guidance seen: "
                  f"{any('`book`' in s for s in plain.systems)}")

        for skill in lib.skills():
            trigger = skill.trigger.model_dump(mode="json", exclude_none=True)
            print(f"skill {skill.name}: {skill.status.value}; trigger={trigger}")
            for v in skill.versions:
                strategy = v.strategy.model_dump(mode="json", exclude_none=True)
                print(f"  {v.id} {v.status.value} posterior=({v.alpha:.0f}, {v.beta:.0f}) strategy={strategy}")
        print(f"{lib.count_episodes()} episodes recorded")


if __name__ == "__main__":
    main()
