"""A learned repair of a ``return_direct`` tool's failure: the repaired call's result is the run's
last message (the agent acts on it), and the tool runs once with the failing arguments and once
repaired, for a sync tool, an async-only tool and a tool with both, under ``invoke`` and ``ainvoke``.
(Measured 2026-12-07: 0 of 5 probes wrong; the middleware runs the retry inside the tool call.)"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.tools import BaseTool, StructuredTool

from skillevo import NULL_ARM, Evolver, SkillLibrary, Strategy, Trigger, TriggerKind
from skillevo import VersionStatus as VS
from skillevo_langgraph import SkillMiddleware

sys.path.insert(0, str(Path(__file__).parent))
from lg_fakes import ScriptedChat


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def _evolver(lib: SkillLibrary) -> Evolver:
    evo = Evolver(lib, miner=None, seed=0)
    repair = Strategy(repair={"ops": [{"op": "set", "arg": "a", "value": 7}]})  # type: ignore[arg-type]
    vid = lib.add_skill("a-is-7", Trigger(kind=TriggerKind.TOOL_ERROR, tool="mul"), repair, status=VS.ACTIVE).id
    evo.invalidate()
    for _ in range(30):
        evo.selector.update("a-is-7", vid, 1.0)
        evo.selector.update("a-is-7", NULL_ARM, 0.0)
    return evo


def _tool(kind: str, calls: list[tuple[int, int]]) -> BaseTool:
    def mul(a: int, b: int) -> str:
        """Multiply a by b (a must be 7)."""
        calls.append((a, b))
        if a != 7:
            raise ValueError(f"a must be 7, got {a}")
        return f"product {a * b}"

    async def amul(a: int, b: int) -> str:
        """Multiply a by b (a must be 7)."""
        return mul(a, b)

    func = None if kind == "async_only" else mul
    coroutine = None if kind == "sync" else amul
    return StructuredTool.from_function(func, coroutine=coroutine, name="mul", return_direct=True)


def _policy(messages: Sequence[BaseMessage]) -> AIMessage:
    if isinstance(messages[-1], HumanMessage):
        return AIMessage("", tool_calls=[{"name": "mul", "args": {"a": 1, "b": 2}, "id": "c1"}])
    return AIMessage("model text")


CASES = [("sync", "invoke"), ("sync", "ainvoke"), ("async_only", "ainvoke"), ("both", "invoke"), ("both", "ainvoke")]


@pytest.mark.parametrize(("kind", "mode"), CASES)
def test_a_repaired_return_direct_call_is_the_runs_answer(lib: SkillLibrary, kind: str, mode: str) -> None:
    calls: list[tuple[int, int]] = []
    mw = SkillMiddleware(_evolver(lib), reward=lambda state: 1.0)
    agent = create_agent(ScriptedChat(_policy), [_tool(kind, calls)], middleware=[mw])
    request = {"messages": [HumanMessage("multiply")]}
    out = agent.invoke(request) if mode == "invoke" else asyncio.run(agent.ainvoke(request))
    assert out["messages"][-1].text == "product 14"
    assert calls == [(1, 2), (7, 2)]
