"""Scripted chat models and a small agent world for the LangGraph adapter tests (also imported by worker processes)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.tools import tool
from pydantic import Field

Policy = Callable[[Sequence[BaseMessage]], AIMessage]


class ScriptedChat(GenericFakeChatModel):
    """A fake chat model that answers with `policy(messages)` and records every call."""

    policy: Any
    calls: int = 0
    systems: list[str] = Field(default_factory=list)

    def __init__(self, policy: Policy, **kwargs: Any) -> None:
        super().__init__(messages=iter(()), policy=policy, systems=[], **kwargs)

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> ScriptedChat:
        return self

    def _generate(
        self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None, **kwargs: Any
    ) -> ChatResult:
        self.calls += 1
        self.systems.append(" ".join(m.text for m in messages if isinstance(m, SystemMessage)))
        message = self.policy(messages)
        return ChatResult(generations=[ChatGeneration(message=message)])


_counter = iter(range(10**9))


def booking_policy(messages: Sequence[BaseMessage]) -> AIMessage:
    """Books with a US date first; after an error, corrects the date itself; then answers."""
    last = messages[-1]
    if isinstance(last, HumanMessage):
        return AIMessage(
            content="",
            tool_calls=[{"name": "book", "args": {"date": "03/04/2025", "city": "Oslo"}, "id": f"c{next(_counter)}"}],
        )
    if isinstance(last, ToolMessage) and last.status == "error":
        return AIMessage(
            content="",
            tool_calls=[{"name": "book", "args": {"date": "2025-03-04", "city": "Oslo"}, "id": f"c{next(_counter)}"}],
        )
    return AIMessage(content="booked")


def boom_policy(messages: Sequence[BaseMessage]) -> AIMessage:
    if isinstance(messages[-1], HumanMessage):
        return AIMessage(content="", tool_calls=[{"name": "explode", "args": {"x": 1}, "id": f"c{next(_counter)}"}])
    return AIMessage(content="recovered")


@tool
def book(date: str, city: str) -> str:
    """Book a trip on an ISO date (YYYY-MM-DD)."""
    import datetime

    if date == "ctrl-c":  # the conformance suite's `CTRL_C`: Ctrl-C while the tool runs
        raise KeyboardInterrupt
    try:
        datetime.date.fromisoformat(date)
    except ValueError:
        raise ValueError(f"invalid date '{date}': expected format YYYY-MM-DD") from None
    return f"booked {city} on {date}"


@tool("book")
def confirmed_book(date: str, city: str) -> str:
    """Book a trip on an ISO date (YYYY-MM-DD), once confirmed."""
    import datetime

    from langgraph.types import interrupt

    try:
        datetime.date.fromisoformat(date)
    except ValueError:
        raise ValueError(f"invalid date '{date}': expected format YYYY-MM-DD") from None
    return f"booked {city} on {date}" if interrupt({"confirm": city}) else "cancelled"


@tool
def explode(x: int) -> str:
    """Always fails with an arbitrary exception."""
    raise ZeroDivisionError("the tool divided by zero")


def ok_reward(state: dict[str, Any]) -> float:
    last = state["messages"][-1]
    return 1.0 if isinstance(last, AIMessage) and last.text in ("booked", "recovered") else 0.0
