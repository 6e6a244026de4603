"""Repairs inside the tool's own call hold for every shape of CrewAI tool, not only a sync
``BaseTool._run``: an ``async def`` tool (``@tool`` on a coroutine function, a
``CrewStructuredTool`` over one), under ``kickoff`` and ``akickoff``, with the ReAct protocol and
native tool calls; and a tool copied with pydantic's ``model_copy`` after skillevo wrapped it runs
its own instance, wrapped once.

Before 2026-12-07 an async tool's failure was awaited outside the wrapped call: with the ReAct
protocol the failing arguments ran 6 times and no repair applied (CrewAI's own retries), with native
calls the repaired ``result_as_answer`` result was not the answer (4 of 4 probes wrong). A copy made
after a marked kickoff ran the original instance's ``_run`` (its state, its configuration: the copy's
own never ran)."""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from crewai import Agent, Crew, Task
from crewai.tools import tool as crewai_tool

from skillevo import NULL_ARM, Evolver, SkillLibrary, Strategy, Trigger, TriggerKind
from skillevo import VersionStatus as VS
from skillevo_crewai import ScriptedLLM, evolving, last_observation

sys.path.insert(0, str(Path(__file__).parent))
from crewai_fakes import Multiply

CALL = {"a": 1, "b": 2}
GOOD = {"a": 7, "b": 2}
PROTOCOLS = ["react", "native"]


def _policy(protocol: str) -> Callable[[list[dict[str, Any]]], Any]:
    ids = itertools.count()

    def policy(messages: list[dict[str, Any]]) -> Any:
        if protocol == "react":
            if last_observation(messages) is None:
                return f"Thought: t\nAction: multiply\nAction Input: {json.dumps(CALL)}"
            return "Thought: done\nFinal Answer: model text"
        if not any(m.get("role") == "tool" for m in messages):
            call = {"name": "multiply", "arguments": json.dumps(CALL)}
            return [{"id": f"call_{next(ids)}", "type": "function", "function": call}]
        return "model text"

    return policy


def _crew(protocol: str, tool: Any) -> Crew:
    llm = ScriptedLLM(_policy(protocol), native=protocol == "native")
    agent = Agent(role="r", goal="g", backstory="b", llm=llm, tools=[tool], max_iter=4, allow_delegation=False)
    return Crew(agents=[agent], tasks=[Task(description="multiply", expected_output="x", agent=agent)])


@pytest.fixture
def evo() -> Iterator[Evolver]:
    with SkillLibrary(":memory:") as lib:
        evolver = Evolver(lib, miner=None, seed=0)
        repair = Strategy(repair={"ops": [{"op": "set", "arg": "a", "value": 7}]})  # type: ignore[arg-type]
        trigger = Trigger(kind=TriggerKind.TOOL_ERROR, tool="multiply")
        vid = lib.add_skill("a-is-7", trigger, repair, status=VS.ACTIVE).id
        evolver.invalidate()
        for _ in range(30):
            evolver.selector.update("a-is-7", vid, 1.0)
            evolver.selector.update("a-is-7", NULL_ARM, 0.0)
        yield evolver


def _async_tool(calls: list[dict[str, int]]) -> Any:
    @crewai_tool("multiply", result_as_answer=True)
    async def multiply(a: int, b: int) -> str:
        """Multiply a by b (a must be 7)."""
        await asyncio.sleep(0)
        calls.append({"a": a, "b": b})
        if a != 7:
            raise ValueError(f"a must be 7, got {a}")
        return f"product {a * b}"

    return multiply


def _run(evo: Evolver, protocol: str, tool: Any, mode: str = "kickoff") -> str:
    with evolving(evo, reward=lambda out: 1.0) as ev:
        crew = ev(_crew(protocol, tool))
        return str((asyncio.run(crew.akickoff()) if mode == "akickoff" else crew.kickoff()).raw)


@pytest.mark.parametrize("mode", ["kickoff", "akickoff"])
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_an_async_tools_repaired_call_is_the_answer(evo: Evolver, protocol: str, mode: str) -> None:
    calls: list[dict[str, int]] = []
    assert _run(evo, protocol, _async_tool(calls), mode) == "product 14"
    assert calls == [CALL, GOOD]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_an_async_tool_without_a_repair_behaves_as_without_skillevo(protocol: str) -> None:
    plain: list[dict[str, int]] = []
    _crew(protocol, _async_tool(plain)).kickoff()
    calls: list[dict[str, int]] = []
    with SkillLibrary(":memory:") as lib:
        _run(Evolver(lib, miner=None), protocol, _async_tool(calls))
    assert calls == plain


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_copy_of_a_wrapped_tool_runs_its_own_instance(evo: Evolver, protocol: str) -> None:
    tool = Multiply(result_as_answer=True)
    assert _run(evo, protocol, tool) == "product 14"  # skillevo wrapped the tool in that call
    copy = tool.model_copy(update={"calls": []})
    assert _run(evo, protocol, copy) == "product 14"
    assert copy.calls == [CALL, GOOD]  # the copy ran, once with the model's arguments, once repaired
    assert tool.calls == [CALL, GOOD]  # the original did not run for the copy
