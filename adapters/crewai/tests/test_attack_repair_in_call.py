"""A learned repair after a tool failed (raised, or returned a failure) is retried inside the tool's
own call, so that CrewAI acts on the repaired call's result as on any successful call: a
``result_as_answer`` tool's repaired result is the kickoff's answer, the tool runs once with the
failing arguments and once repaired (not again by CrewAI's own retries of a raising tool), a
``max_usage_count`` counts one use per call, and a repaired result is not cached as the result of
the arguments that failed.

Before 2026-12-07 CrewAI judged the call from the original failure (its retries and usage counts
included) before skillevo's after-hook ran the repaired retry."""

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
from crewai.tools.tool_failure import ToolFailure, ToolFailureReason

from skillevo import NULL_ARM, Evolver, SkillLibrary, Strategy, Trigger, TriggerKind
from skillevo import VersionStatus as VS
from skillevo_crewai import ScriptedLLM, evolving, last_observation

sys.path.insert(0, str(Path(__file__).parent))
from crewai_fakes import Multiply


class Returns(Multiply):
    """`Multiply` that returns its failure (CrewAI's explicit `ToolFailure`, or an error text) instead of raising."""

    shape: str = "text"

    def _run(self, a: int, b: int) -> Any:
        self.calls.append({"a": a, "b": b})
        if a == 7:
            return f"product {a * b}"
        message = f"a must be 7, got {a}"
        if self.shape == "text":
            return f"Error: {message}"
        return ToolFailure(message=message, reason=ToolFailureReason.EXCEPTION, code="ValueError")


CALL = {"a": 1, "b": 2}
GOOD = {"a": 7, "b": 2}


def _react(args: dict[str, int]) -> Callable[[list[dict[str, Any]]], str]:
    def policy(messages: list[dict[str, Any]]) -> str:
        if last_observation(messages) is None:
            return f"Thought: t\nAction: multiply\nAction Input: {json.dumps(args)}"
        return "Thought: done\nFinal Answer: model text"

    return policy


def _native(args: dict[str, int]) -> Callable[[list[dict[str, Any]]], Any]:
    ids = itertools.count()

    def policy(messages: list[dict[str, Any]]) -> Any:
        if not any(m.get("role") == "tool" for m in messages):
            call = {"name": "multiply", "arguments": json.dumps(args)}
            return [{"id": f"call_{next(ids)}", "type": "function", "function": call}]
        return "model text"

    return policy


def _llm(protocol: str, args: dict[str, int] = CALL) -> ScriptedLLM:
    return ScriptedLLM(_native(args), native=True) if protocol == "native" else ScriptedLLM(_react(args))


def _crew(protocol: str, tool: Multiply, args: dict[str, int] = CALL, *, cache: bool = False) -> Crew:
    agent = Agent(role="r", goal="g", backstory="b", llm=_llm(protocol, args), tools=[tool], max_iter=4,
                  allow_delegation=False)
    return Crew(agents=[agent], tasks=[Task(description="multiply", expected_output="x", agent=agent)], cache=cache)


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def _kickoff(lib: SkillLibrary, protocol: str, tool: Multiply, *, mode: str = "kickoff") -> str:
    evo = Evolver(lib, miner=None, seed=0)
    repair = Strategy(repair={"ops": [{"op": "set", "arg": "a", "value": 7}]})  # type: ignore[arg-type]
    vid = lib.add_skill("a-is-7", Trigger(kind=TriggerKind.TOOL_ERROR, tool="multiply"), repair, status=VS.ACTIVE).id
    evo.invalidate()
    for _ in range(30):
        evo.selector.update("a-is-7", vid, 1.0)
        evo.selector.update("a-is-7", NULL_ARM, 0.0)
    with evolving(evo, reward=lambda out: 1.0) as ev:
        crew = ev(_crew(protocol, tool))
        return str((asyncio.run(crew.akickoff()) if mode == "akickoff" else crew.kickoff()).raw)


PROTOCOLS = ["react", "native"]


@pytest.mark.parametrize("mode", ["kickoff", "akickoff"])
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_repaired_result_as_answer_call_is_the_kickoffs_answer(lib: SkillLibrary, protocol: str, mode: str) -> None:
    tool = Multiply(result_as_answer=True)
    assert _kickoff(lib, protocol, tool, mode=mode) == "product 14"
    assert tool.calls == [CALL, GOOD]


@pytest.mark.parametrize("shape", ["text", "tool_failure"])
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_repaired_returned_failure_of_a_result_as_answer_tool_is_the_answer(
    lib: SkillLibrary, protocol: str, shape: str
) -> None:
    tool = Returns(result_as_answer=True, shape=shape)
    assert _kickoff(lib, protocol, tool) == "product 14"
    assert tool.calls == [CALL, GOOD]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_repaired_call_runs_the_failing_arguments_once_and_the_repair_once(lib: SkillLibrary, protocol: str) -> None:
    tool = Multiply()
    _kickoff(lib, protocol, tool)
    assert tool.calls == [CALL, GOOD]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_repaired_call_counts_the_uses_of_one_call(lib: SkillLibrary, protocol: str) -> None:
    plain = Multiply(max_usage_count=5)
    _crew(protocol, plain, GOOD).kickoff()  # without skillevo, the right arguments at once
    tool = Multiply(max_usage_count=5)
    _kickoff(lib, protocol, tool)
    assert tool.current_usage_count == plain.current_usage_count



@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_repaired_result_is_not_cached_as_the_failing_arguments_result(lib: SkillLibrary, protocol: str) -> None:
    tool = Multiply()
    evo = Evolver(lib, miner=None, seed=0)
    repair = Strategy(repair={"ops": [{"op": "set", "arg": "a", "value": 7}]})  # type: ignore[arg-type]
    vid = lib.add_skill("a-is-7", Trigger(kind=TriggerKind.TOOL_ERROR, tool="multiply"), repair, status=VS.ACTIVE).id
    evo.invalidate()
    for _ in range(30):
        evo.selector.update("a-is-7", vid, 1.0)
        evo.selector.update("a-is-7", NULL_ARM, 0.0)
    crew = _crew(protocol, tool, cache=True)
    with evolving(evo, reward=lambda out: 1.0) as ev:
        marked = ev(crew)
        marked.kickoff()
        marked.kickoff()  # the same crew (its tool cache) asked the same call again
    # the failing arguments never gave the repaired result: each kickoff runs and repairs the call
    assert tool.calls == [CALL, GOOD, CALL, GOOD], tool.calls


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_successful_call_is_still_cached(lib: SkillLibrary, protocol: str) -> None:
    tool = Multiply()
    crew = _crew(protocol, tool, GOOD, cache=True)
    with evolving(Evolver(lib, miner=None), reward=lambda out: 1.0) as ev:
        marked = ev(crew)
        marked.kickoff()
        marked.kickoff()
    assert tool.calls == [GOOD]  # the second kickoff's call came from CrewAI's cache


@pytest.mark.parametrize("shape", ["text", "tool_failure"])
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_failure_is_not_cached_where_a_later_repair_cannot_reach_it(
    lib: SkillLibrary, protocol: str, shape: str
) -> None:
    """A failure a marked call returned is not put in CrewAI's tool cache: once a repair is learned,
    the same call runs again and is repaired inside it (a cached failure was served without running,
    and CrewAI judged the call by it: with the ReAct protocol the failure stayed the answer)."""
    tool = Returns(result_as_answer=True, shape=shape)
    crew = _crew(protocol, tool, cache=True)
    with evolving(Evolver(lib, miner=None), reward=lambda out: 1.0) as ev:
        ev(crew).kickoff()  # nothing learned yet: the failure is the call's outcome
    evo = Evolver(lib, miner=None, seed=0)
    repair = Strategy(repair={"ops": [{"op": "set", "arg": "a", "value": 7}]})  # type: ignore[arg-type]
    vid = lib.add_skill("a-is-7", Trigger(kind=TriggerKind.TOOL_ERROR, tool="multiply"), repair, status=VS.ACTIVE).id
    for _ in range(30):
        evo.selector.update("a-is-7", vid, 1.0)
        evo.selector.update("a-is-7", NULL_ARM, 0.0)
    with evolving(evo, reward=lambda out: 1.0) as ev:
        assert str(ev(crew).kickoff().raw) == "product 14"
    assert tool.calls == [CALL, CALL, GOOD]
