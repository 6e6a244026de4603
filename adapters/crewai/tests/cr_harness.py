"""Conformance harnesses for CrewAI: a crew (with a sync and with an ``async def`` tool), a standalone
agent, a ``@CrewBase`` project and an ``Agent.kickoff`` inside a Flow step, each marked by `evolving`."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from crewai import Agent, Crew, Task
from crewai.events import crewai_event_bus
from crewai.flow.flow import Flow, start
from crewai.project import CrewBase, agent, crew, task
from crewai.tools import tool

from skillevo import Evolver
from skillevo_crewai import ScriptedLLM, SkillRepairEvent, evolving, last_observation

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[2] / "tests" / "conformance"))
from crewai_fakes import WRONG, Book, booking_policy  # noqa: E402
from scenarios import CTRL_C, TASK, Harness, Run  # noqa: E402


def fails_second(messages: list[dict[str, Any]]) -> str:
    """A tool call (with the US date), then the model times out."""
    if last_observation(messages) is None:
        return WRONG
    raise TimeoutError("model timed out")


def interrupted_second(messages: list[dict[str, Any]]) -> str:
    """A tool call (with the US date), then Ctrl-C during the model call."""
    if last_observation(messages) is None:
        return WRONG
    raise KeyboardInterrupt


def tool_interrupted_second(messages: list[dict[str, Any]]) -> str:
    """A tool call (with the US date), then one on which the tool raises ``KeyboardInterrupt``."""
    if last_observation(messages) is None:
        return WRONG
    if any(CTRL_C in str(m.get("content")) for m in messages if m.get("role") == "assistant"):
        return "Thought: done\nFinal Answer: booked"  # the interruption was swallowed: must not end like this
    return f'Thought: again\nAction: book\nAction Input: {{"date": "{CTRL_C}", "city": "Oslo"}}'


POLICIES = {
    "booking": booking_policy,
    "fails_second": fails_second,
    "interrupted_second": interrupted_second,
    "tool_interrupted_second": tool_interrupted_second,
}


def _observed(policy: str, seen: list[str]) -> Any:
    """`policy`, recording each new tool result the model receives (CrewAI's observation)."""

    def observing(messages: list[dict[str, Any]]) -> Any:
        observation = last_observation(messages)
        calls = sum(
            1
            for m in messages
            if m.get("role") == "tool" or (m.get("role") == "assistant" and "Observation:" in str(m.get("content")))
        )
        if observation is not None and calls > len(seen):
            seen.append(observation)
        return POLICIES[policy](messages)

    return observing


def async_book() -> Any:
    """`Book` as an ``async def`` function tool (``@tool``)."""

    @tool("book")
    async def book(date: str, city: str) -> str:
        """Book a trip on an ISO date (YYYY-MM-DD)."""
        await asyncio.sleep(0)
        return Book()._run(date, city)

    return book


def _agent(policy: str, seen: list[str] | None = None, *, tools: list[Any] | None = None) -> Agent:
    return Agent(
        role="booker",
        goal="book trips",
        backstory="A travel agent.",
        llm=ScriptedLLM(_observed(policy, [] if seen is None else seen)),
        tools=tools or [Book()],
        max_iter=6,
    )


class _Bus:
    """Collects skillevo's repair events from CrewAI's event bus during one run."""

    def __enter__(self) -> _Bus:
        self.seen: list[Any] = []

        def record(source: Any, event: Any) -> None:
            self.seen.append(event)

        self._record = record
        crewai_event_bus.on(SkillRepairEvent)(record)
        return self

    def __exit__(self, *exc: object) -> None:
        crewai_event_bus.flush(timeout=10)
        crewai_event_bus.off(SkillRepairEvent, self._record)

    def repairs(self) -> list[dict[str, Any]]:
        return [e.model_dump() for e in self.seen if e.applied]


class _CrewAIHarness(Harness):
    def wrap(self, evo: Any, reward: Any = None) -> Any:
        return evolving(evo, reward=reward)

    #: the observations the model of the running kickoff received
    seen: list[str]

    def kickoff(self, ev: Any, policy: str) -> str:
        raise NotImplementedError

    def run(self, evo: Evolver, *, reward: Any = None, policy: str = "booking") -> Run:
        self.seen = []
        with self.wrap(evo, reward) as ev, _Bus() as bus:
            answer = self.kickoff(ev, policy)
        # CrewAI's conversation is text: the repaired call's result is the observation the model
        # sees; what was changed travels on the event bus (CrewAI's trace).
        return Run(answer, bus.repairs(), bus.repairs(), list(self.seen))


class CrewHarness(_CrewAIHarness):
    name = "Crew"

    def script(self) -> str:
        return (
            f"import sys\nsys.path.insert(0, {str(HERE)!r})\nfrom cr_harness import CrewHarness\n"
            "def run(evo):\n    CrewHarness().run(evo, reward=lambda out: 1.0)\n"
        )

    def kickoff(self, ev: Any, policy: str) -> str:
        a = _agent(policy, self.seen)
        t = Task(description=TASK, expected_output="a confirmation", agent=a)
        return str(ev(Crew(agents=[a], tasks=[t])).kickoff().raw)


class AsyncToolCrewHarness(_CrewAIHarness):
    name = "Crew, async tool"

    def kickoff(self, ev: Any, policy: str) -> str:
        a = _agent(policy, self.seen, tools=[async_book()])
        t = Task(description=TASK, expected_output="a confirmation", agent=a)
        return str(ev(Crew(agents=[a], tasks=[t])).kickoff().raw)


class AgentHarness(_CrewAIHarness):
    name = "Agent.kickoff"

    def kickoff(self, ev: Any, policy: str) -> str:
        return str(ev(_agent(policy, self.seen)).kickoff(TASK).raw)


class CrewBaseHarness(_CrewAIHarness):
    name = "@CrewBase"

    def kickoff(self, ev: Any, policy: str) -> str:
        seen = self.seen

        @ev
        @CrewBase
        class Trips:
            agents: list[Any]
            tasks: list[Any]

            @agent
            def booker(self) -> Agent:
                return _agent(policy, seen)

            @task
            def booking(self) -> Task:
                return Task(description=TASK, expected_output="a confirmation", agent=self.booker())

            @crew
            def crew(self) -> Crew:
                return Crew(agents=self.agents, tasks=self.tasks)

        return str(Trips().crew().kickoff().raw)


class FlowHarness(_CrewAIHarness):
    name = "Agent.kickoff in a Flow step"

    def kickoff(self, ev: Any, policy: str) -> str:
        booker = ev(_agent(policy, self.seen))

        class Booking(Flow):  # type: ignore[type-arg]
            @start()
            def book(self) -> str:
                return str(booker.kickoff(TASK).raw)

        return str(Booking().kickoff())


HARNESSES = [CrewHarness(), AsyncToolCrewHarness(), AgentHarness(), CrewBaseHarness(), FlowHarness()]
