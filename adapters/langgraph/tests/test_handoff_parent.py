"""Multi-agent handoffs: a ``create_agent`` sub-agent whose tool returns
``Command(goto=..., graph=Command.PARENT)`` ends its run there, handing the conversation to another
node of the parent graph. That is the sub-agent's run finishing, not one the caller stopped: its
episode is finished with ``reward(state)`` (the state it hands over), sync and async, with or
without a checkpointed thread, every call of the handoff's batch recorded in it."""

from __future__ import annotations

import asyncio
import gc
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.tools import InjectedToolCallId, tool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import InjectedState
from langgraph.types import Command

from skillevo import Evolver, SkillLibrary
from skillevo_langgraph import SkillMiddleware
from skillevo_langgraph._stopped import settle

sys.path.insert(0, str(Path(__file__).parent))
from lg_fakes import ScriptedChat


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


@tool
def transfer_to_bob(tool_call_id: Annotated[str, InjectedToolCallId]) -> Command[Any]:
    """Hand the conversation to bob."""
    message = ToolMessage("Transferred to bob", tool_call_id=tool_call_id)
    return Command(goto="bob", graph=Command.PARENT, update={"messages": [message]})


@tool
def transfer_with_history(
    state: Annotated[dict[str, Any], InjectedState], tool_call_id: Annotated[str, InjectedToolCallId]
) -> Command[Any]:
    """Hand bob the whole conversation (the langgraph-supervisor pattern)."""
    message = ToolMessage("Transferred to bob", tool_call_id=tool_call_id)
    return Command(goto="bob", graph=Command.PARENT, update={"messages": [*state["messages"], message]})


@tool
def lookup(city: str) -> str:
    """Look a city up."""
    return f"{city}: sunny"


def _alice(handoff: str, beside: bool = False) -> Any:
    def policy(messages: list[BaseMessage]) -> AIMessage:
        calls = [{"name": handoff, "args": {}, "id": "h1"}]
        if beside:
            calls.insert(0, {"name": "lookup", "args": {"city": "Oslo"}, "id": "l1"})
        return AIMessage(content="", tool_calls=calls)

    return policy


def _app(lib: SkillLibrary, seen: list[dict[str, Any]], handoff: str = "transfer_to_bob", **kw: Any) -> Any:
    def reward(state: dict[str, Any]) -> float:
        seen.append(state)
        return 1.0

    mw = SkillMiddleware(Evolver(lib, miner=None), reward=reward)
    tools = [transfer_to_bob, transfer_with_history, lookup]
    alice = create_agent(ScriptedChat(_alice(handoff, kw.pop("beside", False))), tools, middleware=[mw], name="alice")
    bob = create_agent(ScriptedChat(lambda m: AIMessage(content="bob answered")), [], middleware=[mw], name="bob")
    graph = StateGraph(MessagesState)
    graph.add_node("alice", alice, destinations=("bob",))
    graph.add_node("bob", bob)
    graph.add_edge(START, "alice")
    return graph.compile(**kw)


def _settled(lib: SkillLibrary) -> list[Any]:
    gc.collect()
    settle()
    return sorted(lib.episodes(), key=lambda e: e.started_at)


def _assert_both_finished(lib: SkillLibrary, seen: list[dict[str, Any]]) -> None:
    episodes = _settled(lib)
    assert [(e.reward, e.metadata.get("aborted")) for e in episodes] == [(1.0, None), (1.0, None)]
    handed = next(s for s in seen if any(isinstance(m, ToolMessage) for m in s["messages"]))
    texts = [m.text for m in handed["messages"]]
    assert texts.count("Transferred to bob") == 1 and texts.count("help") == 1


INPUT = {"messages": [HumanMessage(content="help")]}


@pytest.mark.parametrize("handoff", ["transfer_to_bob", "transfer_with_history"])
@pytest.mark.parametrize("threaded", [False, True])
def test_a_handoff_finishes_the_handing_agents_episode(lib: SkillLibrary, handoff: str, threaded: bool) -> None:
    seen: list[dict[str, Any]] = []
    app = _app(lib, seen, handoff, checkpointer=InMemorySaver() if threaded else None)
    out = app.invoke(INPUT, {"configurable": {"thread_id": "t"}} if threaded else None)
    assert out["messages"][-1].text == "bob answered"
    _assert_both_finished(lib, seen)


def test_an_async_handoff_finishes_the_handing_agents_episode(lib: SkillLibrary) -> None:
    seen: list[dict[str, Any]] = []
    app = _app(lib, seen)
    out = asyncio.run(app.ainvoke(INPUT))
    assert out["messages"][-1].text == "bob answered"
    _assert_both_finished(lib, seen)


def test_a_streamed_handoff_finishes_the_handing_agents_episode(lib: SkillLibrary) -> None:
    seen: list[dict[str, Any]] = []
    chunks = list(_app(lib, seen).stream(INPUT, stream_mode="updates", subgraphs=True))
    assert chunks
    _assert_both_finished(lib, seen)


def test_a_call_beside_the_handoff_is_recorded_in_the_handing_agents_episode(lib: SkillLibrary) -> None:
    seen: list[dict[str, Any]] = []
    _app(lib, seen, beside=True).invoke(INPUT)
    _assert_both_finished(lib, seen)
    first = _settled(lib)[0]
    tools = sorted(e.tool for e in lib.events(episode_id=first.id, kind="tool_call"))
    assert tools == ["lookup", "transfer_to_bob"]


def _evolved_alice(lib: SkillLibrary, seen: list[dict[str, Any]]) -> Any:
    """A hand-built sub-agent graph under `evolve`, handing off with ``transfer_to_bob``."""
    from langgraph.prebuilt import ToolNode, tools_condition

    from skillevo_langgraph import evolve, with_guidance, wrap_tools

    model = with_guidance(ScriptedChat(_alice("transfer_to_bob")))
    graph = StateGraph(MessagesState)
    graph.add_node("agent", lambda state: {"messages": [model.invoke(state["messages"])]})
    graph.add_node("tools", ToolNode(wrap_tools([transfer_to_bob])))
    graph.add_edge(START, "agent")
    graph.add_conditional_edges("agent", tools_condition)
    graph.add_edge("tools", "agent")

    def reward(state: dict[str, Any]) -> float:
        seen.append(state)
        return 1.0

    return evolve(graph.compile(), Evolver(lib, miner=None), reward=reward)


@pytest.mark.parametrize("run", ["invoke", "ainvoke"])
def test_an_evolved_sub_agent_handing_off_is_finished_not_failed(lib: SkillLibrary, run: str) -> None:
    seen: list[dict[str, Any]] = []
    parent = StateGraph(MessagesState)
    parent.add_node("alice", _evolved_alice(lib, seen), destinations=("bob",))
    parent.add_node("bob", lambda state: {"messages": [AIMessage(content="bob answered")]})
    parent.add_edge(START, "alice")
    app = parent.compile()
    out = app.invoke(INPUT) if run == "invoke" else asyncio.run(app.ainvoke(INPUT))
    assert out["messages"][-1].text == "bob answered"
    (episode,) = _settled(lib)
    assert (episode.reward, episode.metadata.get("aborted")) == (1.0, None)
    assert [m.text for m in seen[0]["messages"]].count("Transferred to bob") == 1
