"""Differential kickoffs: a CrewAI run is the same with skillevo installed, when no skill can act
or skillevo fails inside, as without it.

The same scripted crews (the ReAct text protocol and native tool calls, a tool that raises, a
``result_as_answer`` tool, a schema the model breaks, a hierarchical crew delegating to a
coworker, ``kickoff_for_each``) run without skillevo and under ``evolving`` with an empty library,
skills that are all retired, a store whose every call fails, or a selector that raises: the
answers, the number of model calls and every observation the model saw must be the same.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sqlite3
from collections.abc import Callable
from typing import Any

import pytest
from crewai import Agent, Crew, Process, Task
from crewai.tools import BaseTool
from pydantic import BaseModel

from skillevo import Evolver, SkillLibrary, SkillStore, Strategy, Trigger, VersionStatus
from skillevo_crewai import ScriptedLLM, evolving, last_observation


class Pair(BaseModel):
    a: int
    b: int


class Add(BaseTool):
    name: str = "add"
    description: str = "Add two numbers."
    args_schema: type[BaseModel] = Pair

    def _run(self, a: int, b: int) -> str:
        return str(a + b)


class Boom(BaseTool):
    name: str = "boom"
    description: str = "Always raises."
    args_schema: type[BaseModel] = Pair

    def _run(self, a: int, b: int) -> str:
        raise ValueError(f"boom {a}")


class Answer(BaseTool):
    name: str = "answer"
    description: str = "Its result is the task's answer."
    args_schema: type[BaseModel] = Pair
    result_as_answer: bool = True

    def _run(self, a: int, b: int) -> str:
        return f"answer {a * b}"


def _react(*replies: str) -> Callable[[list[dict[str, Any]]], str]:
    def policy(messages: list[dict[str, Any]]) -> str:
        turn = sum(1 for m in messages if m.get("role") == "assistant")  # the task's turns so far
        return replies[min(turn, len(replies) - 1)].replace("{obs}", str(last_observation(messages))[:40])

    return policy


def _native(*replies: Any) -> Callable[[list[dict[str, Any]]], Any]:
    ids = itertools.count()
    turn = itertools.count()

    def policy(messages: list[dict[str, Any]]) -> Any:
        reply = replies[min(next(turn), len(replies) - 1)]
        if isinstance(reply, str):
            return reply
        return [{"id": f"call_{next(ids)}", "type": "function",
                 "function": {"name": name, "arguments": json.dumps(args)}} for name, args in reply]

    return policy


def _seen(llm: ScriptedLLM, log: list[list[tuple[Any, str]]]) -> ScriptedLLM:
    policy = llm.policy

    def watched(messages: list[dict[str, Any]]) -> Any:
        log.append([(m.get("role"), str(m.get("content"))) for m in messages if m.get("role") != "system"])
        return policy(messages)

    llm.policy = watched
    return llm


def _agent(llm: ScriptedLLM, *tools: BaseTool, role: str = "worker") -> Agent:
    return Agent(role=role, goal="do the task", backstory="b", llm=llm, tools=list(tools), max_iter=5,
                 allow_delegation=False)


def _crew(agent: Agent) -> Crew:
    return Crew(agents=[agent], tasks=[Task(description="task {x}", expected_output="x", agent=agent)])


ADD = 'Thought: t\nAction: add\nAction Input: {"a": 1, "b": 2}'
BOOM = 'Thought: t\nAction: boom\nAction Input: {"a": 1, "b": 2}'
DONE = "Thought: done\nFinal Answer: got {obs}"


def _scenario(name: str, log: list[Any]) -> Callable[[], Crew]:
    if name == "react":
        llm = _seen(ScriptedLLM(_react(BOOM, ADD, DONE)), log)
        return lambda: _crew(_agent(llm, Boom(), Add()))
    if name == "native":
        llm = _seen(ScriptedLLM(_native([("add", {"a": 1, "b": 2}), ("boom", {"a": 1, "b": 1}),
                                         ("add", {"a": "x"})], "all done"), native=True), log)
        return lambda: _crew(_agent(llm, Add(), Boom()))
    if name == "result_as_answer":
        llm = _seen(ScriptedLLM(_react('Thought: t\nAction: answer\nAction Input: {"a": 2, "b": 5}', DONE)), log)
        return lambda: _crew(_agent(llm, Answer()))
    # a hierarchical crew: the manager delegates to the worker, which uses its tool
    worker = _seen(ScriptedLLM(_react(ADD, DONE)), log)
    delegate = json.dumps({"task": "add 1 and 2", "context": "numbers", "coworker": "adder"})
    ask = f"Thought: delegate\nAction: Delegate work to coworker\nAction Input: {delegate}"
    manager = _seen(ScriptedLLM(_react(ask, "Thought: done\nFinal Answer: manager: {obs}")), log)

    def hierarchical() -> Crew:
        task = Task(description="compute {x}", expected_output="a number")
        return Crew(agents=[_agent(worker, Add(), role="adder")], tasks=[task], process=Process.hierarchical,
                    manager_llm=manager)

    return hierarchical


def _broken(*args: Any, **kwargs: Any) -> Any:
    raise sqlite3.OperationalError("disk I/O error")


def _down(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("selector down")


def _evolver(setup: str, lib: SkillLibrary) -> Evolver:
    status = VersionStatus.RETIRED if setup == "retired" else VersionStatus.ACTIVE
    if setup != "empty":
        lib.add_skill("brief", Trigger(kind="always"), Strategy(guidance="Answer briefly."), status=status)
        for tool in ("add", "boom", "answer"):
            fix = Strategy(repair={"ops": [{"op": "set", "arg": "a", "value": 7}]})
            lib.add_skill(f"fix-{tool}", Trigger(kind="tool_error", tool=tool), fix, status=status)
    evo = Evolver(lib, miner=None)
    if setup == "store_fails":
        for name in dir(SkillStore):
            if not name.startswith("_") and name != "close" and callable(getattr(SkillStore, name)):
                setattr(lib, name, _broken)
    if setup == "selector_raises":
        for name in ("choose", "update", "posterior", "propensity", "prob_better"):
            setattr(evo.selector, name, _down)
    return evo


def _run(scenario: str, setup: str | None, mode: str) -> Any:
    log: list[Any] = []
    make = _scenario(scenario, log)
    lib = SkillLibrary(":memory:")
    evolve = evolving(_evolver(setup, lib), reward=lambda output: 1.0) if setup is not None else None
    try:
        if evolve is not None:
            make = evolve(make)
        crew = make()
        try:
            if mode == "kickoff":
                answers = [crew.kickoff(inputs={"x": "1"}).raw]
            elif mode == "kickoff_async":
                answers = [asyncio.run(crew.kickoff_async(inputs={"x": "1"})).raw]
            else:
                answers = [out.raw for out in crew.kickoff_for_each(inputs=[{"x": "1"}, {"x": "2"}])]
        except Exception as exc:
            answers = [f"raised {type(exc).__name__}: {exc}"]
        return answers, log
    finally:
        if evolve is not None:
            evolve.close()
        lib.close()


CASES = [("react", "kickoff"), ("react", "kickoff_for_each"), ("native", "kickoff"), ("native", "kickoff_async"),
         ("result_as_answer", "kickoff"), ("hierarchical", "kickoff")]


@pytest.mark.parametrize("setup", ["empty", "retired", "store_fails", "selector_raises"])
@pytest.mark.parametrize(("scenario", "mode"), CASES)
def test_a_kickoff_is_the_same_with_skillevo_as_without(scenario: str, mode: str, setup: str) -> None:
    without = _run(scenario, None, mode)
    assert not without[0][0].startswith("raised"), without[0]
    assert _run(scenario, setup, mode) == without
