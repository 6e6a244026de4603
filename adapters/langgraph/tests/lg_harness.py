"""Conformance harnesses for LangGraph: ``create_agent`` + `SkillMiddleware`, and a hand-built
``StateGraph`` under `evolve` (also imported by the subprocess scenarios)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from uuid import UUID

from langchain.agents import create_agent
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition

from skillevo import Evolver
from skillevo_langgraph import SkillMiddleware, evolve, with_guidance, wrap_tools

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[2] / "tests" / "conformance"))
from lg_fakes import ScriptedChat, book, booking_policy  # noqa: E402
from scenarios import CTRL_C, TASK, Harness, Run  # noqa: E402


def fails_second(messages: Sequence[BaseMessage]) -> AIMessage:
    """A tool call (with the US date), then the model times out."""
    if isinstance(messages[-1], HumanMessage):
        return booking_policy(messages)
    raise TimeoutError("model timed out")


def interrupted_second(messages: Sequence[BaseMessage]) -> AIMessage:
    """A tool call (with the US date), then Ctrl-C during the model call."""
    if isinstance(messages[-1], HumanMessage):
        return booking_policy(messages)
    raise KeyboardInterrupt


def tool_interrupted_second(messages: Sequence[BaseMessage]) -> AIMessage:
    """A tool call (with the US date), then one on which the tool raises ``KeyboardInterrupt``."""
    if isinstance(messages[-1], HumanMessage):
        return booking_policy(messages)
    if any(isinstance(m, ToolMessage) and m.tool_call_id == "stop" for m in messages):
        return AIMessage(content="booked")  # the interruption was swallowed: the run must not end like this
    return AIMessage(content="", tool_calls=[{"name": "book", "args": {"date": CTRL_C, "city": "Oslo"}, "id": "stop"}])


POLICIES = {
    "booking": booking_policy,
    "fails_second": fails_second,
    "interrupted_second": interrupted_second,
    "tool_interrupted_second": tool_interrupted_second,
}


def observed(policy: str, seen: list[str]) -> Any:
    """`policy`, recording the tool results each model request ends with (what the model received)."""

    def observing(messages: Sequence[BaseMessage]) -> AIMessage:
        trailing: list[str] = []
        for m in reversed(messages):
            if not isinstance(m, ToolMessage):
                break
            trailing.insert(0, m.text)
        seen.extend(trailing)
        return POLICIES[policy](messages)

    return observing


class Recorder(BaseCallbackHandler):
    """Collects skillevo's custom events from LangChain callbacks."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    def on_custom_event(self, name: str, data: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self.events.append((name, data))

    def repairs(self) -> list[dict[str, Any]]:
        return [d for n, d in self.events if n == "skillevo.repair" and d.get("applied")]


def message_repairs(messages: Sequence[Any]) -> list[dict[str, Any]]:
    """The repairs tool messages carry in ``response_metadata["skillevo"]``."""
    out: list[dict[str, Any]] = []
    for m in messages:
        if isinstance(m, ToolMessage):
            out.extend((m.response_metadata or {}).get("skillevo", {}).get("repairs", []))
    return out


def graph(model: Any, tools: Sequence[Any] = (book,)) -> StateGraph[Any]:
    """The booking agent as a hand-built graph: guidance through `with_guidance`, repairs through `wrap_tools`."""
    llm = with_guidance(model).bind_tools(list(tools))
    builder = StateGraph(MessagesState)
    builder.add_node("model", lambda s: {"messages": [llm.invoke(s["messages"])]})
    builder.add_node("tools", ToolNode(wrap_tools(list(tools)), handle_tool_errors=True))
    builder.add_edge(START, "model")
    builder.add_conditional_edges("model", tools_condition)
    builder.add_edge("tools", "model")
    return builder


class CreateAgent(Harness):
    name = "create_agent"

    def wrap(self, evo: Any, reward: Any = None) -> Any:
        return SkillMiddleware(evo, reward=reward)

    def agent(
        self, evo: Evolver, reward: Any = None, policy: str = "booking", seen: list[str] | None = None, **kwargs: Any
    ) -> Any:
        model = ScriptedChat(observed(policy, [] if seen is None else seen))
        return create_agent(model, [book], middleware=[self.wrap(evo, reward)], **kwargs)

    def run(self, evo: Evolver, *, reward: Any = None, policy: str = "booking") -> Run:
        recorder, seen = Recorder(), []
        out = self.agent(evo, reward, policy, seen).invoke(
            {"messages": [HumanMessage(content=TASK)]}, {"callbacks": [recorder]}
        )
        return Run(out["messages"][-1].text, message_repairs(out["messages"]), recorder.repairs(), seen)

    def script(self) -> str:
        return (
            f"import sys\nsys.path.insert(0, {str(HERE)!r})\nfrom lg_harness import CreateAgent\n"
            "def run(evo):\n    CreateAgent().run(evo, reward=lambda s: 1.0)\n"
        )


class EvolvedGraph(Harness):
    name = "evolve(StateGraph)"

    def wrap(self, evo: Any, reward: Any = None) -> Any:
        return evolve(graph(ScriptedChat(booking_policy)).compile(), evo, reward=reward)

    def app(
        self, evo: Evolver, reward: Any = None, policy: str = "booking", seen: list[str] | None = None, **compile: Any
    ) -> Any:
        model = ScriptedChat(observed(policy, [] if seen is None else seen))
        return evolve(graph(model).compile(**compile), evo, reward=reward)

    def run(self, evo: Evolver, *, reward: Any = None, policy: str = "booking") -> Run:
        recorder, seen = Recorder(), []
        out = self.app(evo, reward, policy, seen).invoke(
            {"messages": [HumanMessage(content=TASK)]}, {"callbacks": [recorder]}
        )
        return Run(out["messages"][-1].text, message_repairs(out["messages"]), recorder.repairs(), seen)

    def script(self) -> str:
        return (
            f"import sys\nsys.path.insert(0, {str(HERE)!r})\nfrom lg_harness import EvolvedGraph\n"
            "def run(evo):\n    EvolvedGraph().run(evo, reward=lambda s: 1.0)\n"
        )


HARNESSES = [CreateAgent(), EvolvedGraph()]
