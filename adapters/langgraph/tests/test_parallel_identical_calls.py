"""A model turn that asks for the same call twice: LangGraph's ToolNode runs both at once, so both
calls wait on one call key before either returns. Each credits the arms its own call carried, once,
with its own outcome (before: the first outcome credited the repair twice and the second nothing)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.language_models.fake_chat_models import FakeMessagesListChatModel
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.tools import tool

from skillevo import ArgCondition, CoerceArg, Evolver, Repair, SkillLibrary, Strategy, Trigger, TriggerKind
from skillevo_langgraph import SkillMiddleware


class _Listed(FakeMessagesListChatModel):
    def bind_tools(self, tools: Any, **kwargs: Any) -> _Listed:
        return self


def _turn() -> AIMessage:
    call = {"name": "lookup", "args": {"code": 5}}
    return AIMessage("", tool_calls=[{**call, "id": "c1"}, {**call, "id": "c2"}])


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_two_identical_calls_run_together_credit_their_repair_once_each(mode: str) -> None:
    both_in = threading.Barrier(2, timeout=10)  # neither returns before both were sent
    outcomes = iter(["Error: code is not accepted here", "found"])
    lock = threading.Lock()
    seen: list[Any] = []

    @tool
    def lookup(code: Any) -> str:
        """Look a code up."""
        seen.append(code)
        if mode == "sync":
            both_in.wait()
        with lock:
            return next(outcomes)

    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, miner=None, null_arm=False, cache_ttl_s=float("inf"))
        repair = Repair(ops=[CoerceArg(arg="code", to="str")], precondition=[ArgCondition(arg="code", type="int")])
        version = lib.add_skill("code-text", Trigger(kind=TriggerKind.TOOL_ERROR, tool="lookup", pattern="code"),
                                Strategy(repair=repair))
        evo.lifecycle.start(version.id)
        evo.invalidate()
        agent = create_agent(_Listed(responses=[_turn(), AIMessage("done")]), [lookup],
                             middleware=[SkillMiddleware(evo)])
        inputs = {"messages": [HumanMessage("go")]}
        out = agent.invoke(inputs) if mode == "sync" else asyncio.run(agent.ainvoke(inputs))
        assert out["messages"][-1].content == "done" and seen == ["5", "5"]
        a, b = evo.selector.posterior("code-text", version.id)
        assert (a - 1.0, b - 1.0) == (1.0, 1.0)  # one success, one failure
