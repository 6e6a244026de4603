"""Scripted policies and real CrewAI tools for the CrewAI adapter tests."""

from __future__ import annotations

import datetime
import itertools
import json
from typing import Any

from crewai import Agent, Crew, Task
from crewai.tools import BaseTool
from pydantic import BaseModel, Field

from skillevo_crewai import ScriptedLLM, last_observation

WRONG = 'Thought: I will book it.\nAction: book\nAction Input: {"date": "03/04/2025", "city": "Oslo"}'
RIGHT = 'Thought: The date must be ISO.\nAction: book\nAction Input: {"date": "2025-03-04", "city": "Oslo"}'


def booking_policy(messages: list[dict[str, Any]]) -> str:
    """Books with a US date first; after an error, corrects the date itself; then answers."""
    observation = last_observation(messages)
    if observation is None:
        return WRONG
    if "booked" not in observation:
        return RIGHT
    return "Thought: I now know the final answer\nFinal Answer: booked"


_ids = itertools.count()


def _book_call(date: str) -> list[dict[str, Any]]:
    arguments = json.dumps({"date": date, "city": "Oslo"})
    return [{"id": f"call_{next(_ids)}", "type": "function", "function": {"name": "book", "arguments": arguments}}]


def native_booking_policy(messages: list[dict[str, Any]]) -> str | list[dict[str, Any]]:
    """`booking_policy` with native (OpenAI-style) tool calls instead of the ReAct text protocol."""
    observation = last_observation(messages)
    if observation is None:
        return _book_call("03/04/2025")
    if "booked" not in observation:
        return _book_call("2025-03-04")
    return "booked"


def boom_policy(messages: list[dict[str, Any]]) -> str:
    """Calls a tool that always raises, then answers."""
    if last_observation(messages) is None:
        return 'Thought: try it\nAction: explode\nAction Input: {"x": 1}'
    return "Thought: I now know the final answer\nFinal Answer: recovered"


class BookArgs(BaseModel):
    date: str
    city: str


class Book(BaseTool):
    """Books a trip; rejects anything but an ISO date."""

    name: str = "book"
    description: str = "Book a trip on an ISO date (YYYY-MM-DD)."
    args_schema: type[BaseModel] = BookArgs
    calls: list[dict[str, str]] = Field(default_factory=list)
    accept_any_date: bool = False

    def _run(self, date: str, city: str) -> str:
        self.calls.append({"date": date, "city": city})
        if date == "ctrl-c":  # the conformance suite's `CTRL_C`: Ctrl-C while the tool runs
            raise KeyboardInterrupt
        if self.accept_any_date:
            return f"booked {city} on {date}"
        try:
            datetime.date.fromisoformat(date)
        except ValueError:
            raise ValueError(f"invalid date '{date}': expected format YYYY-MM-DD") from None
        return f"booked {city} on {date}"


class ExplodeArgs(BaseModel):
    x: int


class Explode(BaseTool):
    """Always fails with an arbitrary exception."""

    name: str = "explode"
    description: str = "Explode."
    args_schema: type[BaseModel] = ExplodeArgs
    attempts: int = 0

    def _run(self, x: int) -> str:
        self.attempts += 1
        raise ZeroDivisionError("the tool divided by zero")


class Pair(BaseModel):
    a: int
    b: int


class Multiply(BaseTool):
    """Multiplies; rejects any `a` but 7 (each run is recorded on the instance: `calls`)."""

    name: str = "multiply"
    description: str = "Multiply a by b (a must be 7)."
    args_schema: type[BaseModel] = Pair
    calls: list[dict[str, int]] = Field(default_factory=list)

    def _run(self, a: int, b: int) -> str:
        self.calls.append({"a": a, "b": b})
        if a != 7:
            raise ValueError(f"a must be 7, got {a}")
        return f"product {a * b}"


def booker(llm: ScriptedLLM, *tools: BaseTool) -> Agent:
    return Agent(
        role="booker",
        goal="book trips",
        backstory="A travel agent.",
        llm=llm,
        tools=list(tools) or [Book()],
        max_iter=6,
    )


def booking_crew(llm: ScriptedLLM, *tools: BaseTool) -> Crew:
    agent = booker(llm, *tools)
    task = Task(description="Book Oslo on {day}.", expected_output="a confirmation", agent=agent)
    return Crew(agents=[agent], tasks=[task])


def ok_reward(output: Any) -> float:
    raw = getattr(output, "raw", output)
    return 1.0 if raw in ("booked", "recovered") else 0.0
