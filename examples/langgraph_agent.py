"""skillevo on a LangChain v1 agent (``create_agent`` + ``SkillMiddleware``), offline.

A scripted chat model (``skillevo.testing.ScriptedChatModel``) books a trip with a US-style date,
gets a validation error, and corrects itself on an extra turn. skillevo mines that self-correction
into a repair skill, tests it against doing nothing, and once it is active the same mistake is
repaired before the model ever sees it: the run needs one model call fewer. Run:
``python examples/langgraph_agent.py``.
"""

from __future__ import annotations

import datetime
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from langchain.agents import create_agent
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.tools import tool

from skillevo import Evolver, LifecycleConfig, SkillLibrary
from skillevo.testing import ScriptedChatModel, last_tool_message, tool_call
from skillevo_langgraph import SkillMiddleware


def policy(messages: Sequence[BaseMessage]) -> AIMessage | str:
    """Stands in for a real chat model: US date first, ISO date after an error, then an answer."""
    result = last_tool_message(messages)
    if result is None:
        return tool_call("book", {"city": "Oslo", "date": "03/04/2025"})
    if result.status == "error":
        return tool_call("book", {"city": "Oslo", "date": "2025-03-04"})
    return f"Done: {result.text}"


@tool
def book(city: str, date: str) -> str:
    """Book a trip to a city on an ISO date (YYYY-MM-DD)."""
    try:
        day = datetime.date.fromisoformat(date)
    except ValueError:
        raise ValueError(f"invalid date '{date}': expected format YYYY-MM-DD") from None
    return f"booked {city} on {day.isoformat()}"


def reward(state: dict[str, Any]) -> float:
    return 1.0 if state["messages"][-1].text.startswith("Done: booked") else 0.0


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, SkillLibrary(Path(tmp) / "skills.db") as lib:
        # Small test thresholds so the demo converges in a few dozen runs.
        evo = Evolver(lib, seed=0, lifecycle=LifecycleConfig(min_updates=3, min_episodes=3))
        middleware = SkillMiddleware(evo, reward=reward)
        for run in range(1, 31):
            model = ScriptedChatModel(policy)
            agent = create_agent(model, [book], middleware=[middleware])
            agent.invoke({"messages": [HumanMessage(content="Book Oslo for March 4th 2025")]})
            if run in (1, 30):
                print(f"run {run:2d}: {model.calls} model calls")
        for skill in lib.skills():
            trigger = skill.trigger.model_dump(mode="json", exclude_none=True)
            print(f"skill {skill.name}: {skill.status.value}; trigger={trigger}")
            for v in skill.versions:
                strategy = v.strategy.model_dump(mode="json", exclude_none=True)
                print(f"  {v.id} {v.status.value} posterior=({v.alpha:.0f}, {v.beta:.0f}) strategy={strategy}")


if __name__ == "__main__":
    main()
