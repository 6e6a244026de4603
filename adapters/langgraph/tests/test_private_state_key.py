"""What a LangGraph user sees of `SkillMiddleware`'s private state key (``skillevo_episode``).

Open finding (2026-12-07): the key shows in ``stream_mode="values"`` / ``"updates"`` chunks and in
a checkpointed thread's ``get_state``, which a user's code may serialise or compare. Decision: kept,
and documented (docs/langgraph.md). It is how LangChain treats every middleware's private state:
``ModelCallLimitMiddleware``'s counters show in the same places and are left out of the same
ones, since LangGraph streams and checkpoints every state channel and ``create_agent`` leaves
private keys out of ``invoke``'s result only. skillevo needs the key in the checkpoint: a run
interrupted and resumed by another process names its episode there. What it must not do, and this
checks, is add anything else: the only key beyond the run without skillevo is ``skillevo_episode``,
in exactly the places LangChain's own private keys appear (3 of 3 views), never in ``invoke``'s
result nor in the state a tool gets (see test_contract_tool_state.py).
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain.agents import create_agent
from langchain.agents.middleware import AgentMiddleware, ModelCallLimitMiddleware
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver

from skillevo import Evolver, SkillLibrary
from skillevo.testing import ScriptedChatModel
from skillevo_langgraph import SkillMiddleware


@tool
def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


def _policy(messages: Any) -> AIMessage:
    if isinstance(messages[-1], HumanMessage):
        return AIMessage("", tool_calls=[{"name": "add", "args": {"a": 1, "b": 2}, "id": "c1"}])
    return AIMessage(f"sum {messages[-1].content}")


def _views(middleware: list[AgentMiddleware[Any, Any]]) -> dict[str, set[str]]:
    """The state keys each view shows: the last values chunk, every update, get_state, invoke."""
    agent = create_agent(ScriptedChatModel(_policy), [add], middleware=middleware, checkpointer=InMemorySaver())
    config: Any = {"configurable": {"thread_id": "t"}}
    values = list(agent.stream({"messages": [HumanMessage("go")]}, config, stream_mode="values"))[-1]
    updates: set[str] = set()
    for chunk in agent.stream({"messages": [HumanMessage("again")]}, config, stream_mode="updates"):
        for update in chunk.values():
            updates |= set(update or {})
    result = agent.invoke({"messages": [HumanMessage("third")]}, config)
    return {"values": set(values), "updates": updates, "get_state": set(agent.get_state(config).values),
            "invoke": set(result)}


@pytest.fixture
def lib() -> Any:
    with SkillLibrary(":memory:") as library:
        yield library


def test_skillevo_adds_its_one_private_key_where_langchain_shows_private_state(lib: SkillLibrary) -> None:
    without = _views([])
    with_skillevo = _views([SkillMiddleware(Evolver(lib, miner=None), reward=lambda state: 1.0)])
    limits = _views([ModelCallLimitMiddleware(run_limit=9)])
    added = {view: with_skillevo[view] - without[view] for view in without}
    shown_by_langchain = {view: bool(limits[view] - without[view]) for view in without}
    assert added == {view: ({"skillevo_episode"} if shown else set()) for view, shown in shown_by_langchain.items()}
    assert shown_by_langchain == {"values": True, "updates": True, "get_state": True, "invoke": False}
    assert all(with_skillevo[view] >= without[view] for view in without)  # nothing of the user's is taken away
