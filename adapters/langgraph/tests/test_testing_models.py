"""`skillevo.testing.ScriptedChatModel` drives a real LangChain agent, streamed or not, with a learned repair."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.tools import tool

from skillevo import EventKind, Evolver, ReformatDate, Repair, Strategy, Trigger, TriggerKind
from skillevo.testing import FixedSelector, ScriptedChatModel, last_tool_message, memory_library, tool_call
from skillevo_langgraph import SkillMiddleware


@tool
def book(date: str, city: str) -> str:
    """Book a trip on an ISO date (YYYY-MM-DD)."""
    try:
        datetime.date.fromisoformat(date)
    except ValueError:
        raise ValueError(f"invalid date '{date}': expected format YYYY-MM-DD") from None
    return f"booked {city} on {date}"


def us_dates(messages: Sequence[BaseMessage]) -> AIMessage | str:
    """Books with a US date, then reports what the tool said."""
    result = last_tool_message(messages)
    if result is None:
        return tool_call("book", {"date": "03/04/2025", "city": "Oslo"})
    return f"{result.status}: {result.text}"


def test_the_scripted_model_shows_its_public_name() -> None:
    assert repr(ScriptedChatModel).endswith("'skillevo.testing.ScriptedChatModel'>")
    assert tool_call.__module__ == "skillevo.testing"


def test_without_skills_the_tool_error_reaches_the_model() -> None:
    with memory_library() as lib:
        evo = Evolver(lib, miner=None, sandbox=None)
        model = ScriptedChatModel(us_dates)
        agent = create_agent(model, [book], middleware=[SkillMiddleware(evo, reward=lambda state: 0.0)])
        out = agent.invoke({"messages": [HumanMessage("book Oslo on March 4th")]})
    assert out["messages"][-1].text.startswith("error: ")
    assert model.calls == 2
    assert len(model.systems) == 2


@pytest.mark.parametrize("stream", [False, True])
def test_a_learned_repair_fixes_the_call_inside_the_agent(stream: bool) -> None:
    repair = Strategy(repair=Repair(ops=[ReformatDate(arg="date", from_format="%m/%d/%Y")]))
    trigger = Trigger(kind=TriggerKind.TOOL_ERROR, tool="book", pattern="YYYY-MM-DD")
    with memory_library({"iso-dates": (trigger, repair)}) as lib:
        evo = Evolver(lib, miner=None, selector=FixedSelector(), sandbox=None)
        model = ScriptedChatModel(us_dates)
        agent = create_agent(model, [book], middleware=[SkillMiddleware(evo, reward=lambda state: 1.0)])
        ask = {"messages": [HumanMessage("book Oslo on March 4th")]}
        if stream:
            last = None
            for chunk in agent.stream(ask, stream_mode="values"):
                last = chunk
            assert last is not None
            answer = last["messages"][-1].text
        else:
            answer = agent.invoke(ask)["messages"][-1].text
        assert answer == "success: booked Oslo on 2025-03-04"
        assert model.calls == 2
        assert lib.events(kind=EventKind.REPAIR)
