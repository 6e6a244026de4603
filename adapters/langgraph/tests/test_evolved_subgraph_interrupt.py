"""An evolved graph run as a node of a checkpointed parent graph, stopped by an ``interrupt()``
(human in the loop) and resumed with ``Command(resume=...)``: one logical run, one episode, as at
the root. In a subgraph the interrupt reaches the evolved graph as LangGraph's ``GraphInterrupt``
(not as an ``__interrupt__`` chunk), and the resume calls it again with the parent's state and
LangGraph's resuming flag (not a ``Command``): before 2026-12-07 the first part was recorded as
failed (reward 0, ``GraphInterrupt``) and the resume as a second episode."""

from __future__ import annotations

import asyncio
import gc
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition
from langgraph.types import Command, interrupt

from skillevo import Evolver, SkillLibrary
from skillevo_langgraph import evolve, with_guidance, wrap_tools
from skillevo_langgraph._stopped import settle

sys.path.insert(0, str(Path(__file__).parent))
from lg_fakes import ScriptedChat


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


@tool
def confirm(order: str) -> str:
    """Ask a human to confirm the order."""
    answer = interrupt({"confirm": order})
    return f"confirmed: {answer}"


def _policy(messages: list[BaseMessage]) -> AIMessage:
    if isinstance(messages[-1], HumanMessage):
        return AIMessage(content="", tool_calls=[{"name": "confirm", "args": {"order": "A1"}, "id": "c1"}])
    return AIMessage(content="done")


def _app(lib: SkillLibrary) -> Any:
    model = with_guidance(ScriptedChat(_policy))
    inner = StateGraph(MessagesState)
    inner.add_node("agent", lambda state: {"messages": [model.invoke(state["messages"])]})
    inner.add_node("tools", ToolNode(wrap_tools([confirm])))
    inner.add_edge(START, "agent")
    inner.add_conditional_edges("agent", tools_condition)
    inner.add_edge("tools", "agent")
    evolved = evolve(inner.compile(), Evolver(lib, miner=None), reward=lambda state: 1.0)
    parent = StateGraph(MessagesState)
    parent.add_node("inner", evolved)
    parent.add_edge(START, "inner")
    return parent.compile(checkpointer=InMemorySaver())


def _episodes(lib: SkillLibrary) -> list[Any]:
    gc.collect()
    settle()
    return lib.episodes()


@pytest.mark.parametrize("run", ["invoke", "ainvoke"])
def test_an_interrupted_evolved_subgraph_is_one_episode_with_its_resume(lib: SkillLibrary, run: str) -> None:
    app = _app(lib)
    config = {"configurable": {"thread_id": "t1"}}

    def call(value: Any) -> Any:
        return app.invoke(value, config) if run == "invoke" else asyncio.run(app.ainvoke(value, config))

    first = call({"messages": [HumanMessage(content="order A1")]})
    assert first["__interrupt__"]
    assert _episodes(lib) == []  # paused, not failed
    out = call(Command(resume="yes"))
    assert out["messages"][-1].text == "done"
    (episode,) = _episodes(lib)
    assert (episode.reward, episode.metadata.get("aborted")) == (1.0, None)
    kinds = [(e.kind.value, e.tool) for e in lib.events(episode_id=episode.id) if e.tool == "confirm"]
    assert ("tool_result", "confirm") in kinds
