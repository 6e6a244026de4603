"""A call of a tool name the agent does not have (a name CrewAI's own matching does not resolve):
CrewAI answers in its own words ("Action 'x' don't exist, ..." on the ReAct path, "Tool not found" on
the native one), which name no tool the core can read, so before 2026-12-08 skillevo recorded the
call and learned nothing from it. It is now recorded with an error naming the agent's tools, the shape
LangGraph reports an unknown name in (the core mines it into guidance naming the tools that exist),
and, where exactly one of the agent's tools is the one meant, as a failed call of that tool, so the
lesson is shown whenever the agent has it, before the mistake is made again."""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from crewai import Agent, Crew, Task
from crewai.tools import BaseTool
from pydantic import BaseModel

from skillevo import EventKind, Evolver, RuleMiner, SkillLibrary
from skillevo.testing import FixedSelector
from skillevo_crewai import ScriptedLLM, evolving, last_observation

sys.path.insert(0, str(Path(__file__).parent))
from crewai_fakes import Book

GOOD = {"date": "2025-03-04", "city": "Oslo"}
_ids = itertools.count()


class _CityArgs(BaseModel):
    city: str


class Weather(BaseTool):
    name: str = "weather_report"
    description: str = "The weather in a city."
    args_schema: type[BaseModel] = _CityArgs

    def _run(self, city: str) -> str:
        return f"sunny in {city}"


def _policy(called: str, native: bool) -> Any:
    """Calls `called` first, then (told it failed) ``book``, then answers."""

    def call(name: str) -> Any:
        if native:
            function = {"name": name, "arguments": json.dumps(GOOD)}
            return [{"id": f"call_{next(_ids)}", "type": "function", "function": function}]
        return f"Thought: I will use a tool.\nAction: {name}\nAction Input: {json.dumps(GOOD)}"

    def policy(messages: list[dict[str, Any]]) -> Any:
        observation = last_observation(messages)
        if observation is None:
            return call(called)
        if "booked" not in observation:
            return call("book")
        return "booked" if native else "Thought: I now know the final answer\nFinal Answer: booked"

    return policy


def _kickoff(ev: Any, called: str, native: bool, tools: list[Any]) -> ScriptedLLM:
    llm = ScriptedLLM(_policy(called, native), native=native)
    agent = Agent(role="booker", goal="book trips", backstory="A travel agent.", llm=llm, tools=tools, max_iter=6)
    crew = Crew(agents=[agent], tasks=[Task(description="Book Oslo.", expected_output="a confirmation", agent=agent)])
    assert ev(crew).kickoff().raw == "booked"
    return llm


# called name -> the tools the agent has -> the tool the call is recorded under
CASES = {
    "a longer name holding the tool's": ("book_trip", [Book()], "book"),
    "a namespace prefix": ("functions_book", [Book(), Weather()], "book"),
    "a name of no tool": ("reserve_flight", [Book()], "reserve_flight"),
    "a name that two tools fit": ("book_weather_report", [Book(), Weather()], "book_weather_report"),
}


@pytest.mark.parametrize("native", [False, True], ids=["react", "native"])
@pytest.mark.parametrize("case", list(CASES))
def test_an_unknown_name_is_recorded_with_the_tools_there_are(case: str, native: bool) -> None:
    called, tools, recorded = CASES[case]
    with SkillLibrary(":memory:") as lib, evolving(Evolver(lib, miner=None), reward=lambda out: 1.0) as ev:
        _kickoff(ev, called, native, tools)
        (error,) = lib.events(kind=EventKind.TOOL_ERROR)
    names = ", ".join(sorted(t.name for t in tools))
    assert (error.tool, error.data["error_type"]) == (recorded, "UnknownToolError")
    assert error.data["error"] == f"Error: {called} is not a valid tool, try one of [{names}]."


@pytest.mark.parametrize("native", [False, True], ids=["react", "native"])
def test_the_lesson_of_a_misnamed_tool_is_shown_before_the_mistake(native: bool) -> None:
    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, miner=RuleMiner(), selector=FixedSelector())
        with evolving(evo, reward=lambda out: 1.0) as ev:
            _kickoff(ev, "book_trip", native, [Book()])  # mined at the episode's end
            later = _kickoff(ev, "book_trip", native, [Book()])
    # the first model call of the next kickoff, before any mistake, is told the tool's name
    assert "`book`" in later.systems[0]
