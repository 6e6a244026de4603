"""skillevo around a hand-built LangGraph ``StateGraph`` with ``evolve()``, offline.

The graph has a model node and a ``ToolNode``; ``wrap_tools`` lets learned repairs fix tool calls
inside the ToolNode and ``with_guidance`` puts learned guidance in every model call. Here the
library is seeded with one guidance skill and one repair skill by hand (in real use the miner
writes them); the run shows both at work. Run: ``python examples/langgraph_graph.py``.
"""

from __future__ import annotations

import asyncio
import datetime
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.tools import tool
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition

from skillevo import Evolver, ReformatDate, Repair, SkillLibrary, Strategy, Trigger, TriggerKind, VersionStatus
from skillevo.testing import ScriptedChatModel, last_tool_message, tool_call
from skillevo_langgraph import evolve, with_guidance, wrap_tools


def policy(messages: Sequence[BaseMessage]) -> AIMessage | str:
    """Books with a US date; reports the tool's outcome. Prints the system prompt it sees."""
    system = " | ".join(m.text for m in messages if isinstance(m, SystemMessage))
    print(f"  model sees system prompt: {system!r}")
    result = last_tool_message(messages)
    if result is None:
        return tool_call("book", {"city": "Oslo", "date": "03/04/2025"}, call_id="c1")
    return f"Done: {result.text}" if result.status != "error" else f"Failed: {result.text}"


@tool
def book(city: str, date: str) -> str:
    """Book a trip to a city on an ISO date (YYYY-MM-DD)."""
    try:
        day = datetime.date.fromisoformat(date)
    except ValueError:
        raise ValueError(f"invalid date '{date}': expected format YYYY-MM-DD") from None
    return f"booked {city} on {day.isoformat()}"


def build_graph() -> Any:
    llm = with_guidance(ScriptedChatModel(policy)).bind_tools([book])
    builder = StateGraph(MessagesState)
    builder.add_node("model", lambda state: {"messages": [llm.invoke(state["messages"])]})
    builder.add_node("tools", ToolNode(wrap_tools([book]), handle_tool_errors=True))
    builder.add_edge(START, "model")
    builder.add_conditional_edges("model", tools_condition)
    builder.add_edge("tools", "model")
    return builder.compile()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, SkillLibrary(Path(tmp) / "skills.db") as lib:
        lib.add_skill(
            "iso-dates",
            Trigger(kind=TriggerKind.TOOL_ERROR, tool="book", pattern="YYYY-MM-DD"),
            Strategy(repair=Repair(ops=[ReformatDate(arg="date", from_format="%m/%d/%Y")])),
            status=VersionStatus.ACTIVE,
        )
        lib.add_skill(
            "say-done",
            Trigger(kind=TriggerKind.ALWAYS),
            Strategy(guidance="Start the final answer with 'Done:'."),
            status=VersionStatus.ACTIVE,
        )
        evo = Evolver(lib, seed=0)
        app = evolve(build_graph(), evo, reward=lambda s: 1.0 if "booked" in s["messages"][-1].text else 0.0)
        for i in range(4):
            out = app.invoke({"messages": [HumanMessage(content="Book Oslo for March 4th 2025")]})
            print(f"invoke {i}: {out['messages'][-1].text}")
        out = asyncio.run(app.ainvoke({"messages": [HumanMessage(content="Book Oslo again")]}))
        print(f"ainvoke: {out['messages'][-1].text}")
        for p in lib.posteriors():
            print(f"posterior {p.key}/{p.arm}: alpha={p.alpha:.0f} beta={p.beta:.0f}")


if __name__ == "__main__":
    main()
