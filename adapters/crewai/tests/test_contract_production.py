"""Differential kickoffs of what production crews do beyond `test_contract_differential`: a tool
CrewAI caches (``cache_function``) or limits (``max_usage_count``), a tool that always raises,
``akickoff``, a standalone ``Agent.kickoff``, a crew kicked off inside a ``Flow`` step, an async
kickoff cancelled or timed out mid tool call, and several crews kicked off at once from threads
(CrewAI's hooks are process-wide), some of them not marked.
Each runs without skillevo and under ``evolving`` with an empty library and with active skills
whose triggers match no tool of the crew: answers and every message the model saw must be the
same, every marked kickoff one episode, and nothing left live.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from crewai import Crew
from crewai.flow.flow import Flow, listen, start
from crewai.tools import BaseTool
from pydantic import BaseModel

from skillevo import Evolver, SkillLibrary, Strategy, Trigger, VersionStatus
from skillevo_crewai import ScriptedLLM, evolving
from skillevo_crewai._hooks import live_runs

sys.path.insert(0, str(Path(__file__).parent))
from test_contract_differential import BOOM, DONE, Boom, Pair, _agent, _crew, _react, _scenario, _seen


class Counted(BaseTool):
    name: str = "counted"
    description: str = "Counts its calls."
    args_schema: type[BaseModel] = Pair
    calls: int = 0

    def _run(self, a: int, b: int) -> str:
        self.calls += 1
        return f"sum {a + b} call {self.calls}"


class Limited(BaseTool):
    name: str = "limited"
    description: str = "May be used once."
    args_schema: type[BaseModel] = Pair
    max_usage_count: int | None = 1

    def _run(self, a: int, b: int) -> str:
        return f"limited {a + b}"


def keep(args: Any, result: Any) -> bool:
    """CrewAI caches every result of the tool."""
    return True


def drop(args: Any, result: Any) -> bool:
    """CrewAI caches no result of the tool."""
    return False


COUNTED = 'Thought: t\nAction: counted\nAction Input: {"a": 1, "b": 2}'
LIMITED = 'Thought: t\nAction: limited\nAction Input: {"a": 1, "b": 2}'


def _make(name: str, log: list[Any]) -> Callable[[], Crew]:
    if name in ("cached", "uncached"):
        llm = _seen(ScriptedLLM(_react(COUNTED, COUNTED, DONE)), log)
        cache = keep if name == "cached" else drop
        return lambda: _crew(_agent(llm, Counted(cache_function=cache)))
    if name == "limited":
        llm = _seen(ScriptedLLM(_react(LIMITED, LIMITED, LIMITED, DONE)), log)
        return lambda: _crew(_agent(llm, Limited()))
    llm = _seen(ScriptedLLM(_react(BOOM, BOOM, DONE)), log)  # "raises": every call raises
    return lambda: _crew(_agent(llm, Boom()))


def _evolver(setup: str, lib: SkillLibrary) -> Evolver:
    if setup == "unmatched":
        lib.add_skill("other", Trigger(kind="before_tool", tool="elsewhere"), Strategy(guidance="Other."),
                      status=VersionStatus.ACTIVE)
        fix = Strategy(repair={"ops": [{"op": "set", "arg": "a", "value": 7}]})
        lib.add_skill("fix-other", Trigger(kind="tool_error", tool="elsewhere"), fix, status=VersionStatus.ACTIVE)
    return Evolver(lib, miner=None)


def _kick(crew: Crew, mode: str) -> Any:
    if mode == "akickoff":
        return asyncio.run(crew.akickoff(inputs={"x": "1"})).raw
    if mode == "agent":
        return crew.agents[0].kickoff("do the task").raw

    class Steps(Flow):  # type: ignore[type-arg]
        @start()
        def work(self) -> str:
            return str(crew.kickoff(inputs={"x": "1"}).raw)

        @listen(work)
        def report(self, answer: str) -> str:
            return "flow: " + answer

    return Steps().kickoff()


def _run(name: str, setup: str | None, mode: str) -> tuple[Any, int]:
    log: list[Any] = []
    make = _make(name, log)
    with SkillLibrary(":memory:") as lib:
        evolve = evolving(_evolver(setup, lib), reward=lambda output: 1.0) if setup is not None else None
        try:
            if evolve is not None:
                make = evolve(make)
            try:
                answer = _kick(make(), mode)
            except Exception as exc:
                answer = f"raised {type(exc).__name__}: {exc}"
        finally:
            if evolve is not None:
                evolve.close()
        return (answer, log), len(lib.episodes())


@pytest.mark.parametrize("setup", ["empty", "unmatched"])
@pytest.mark.parametrize("mode", ["akickoff", "agent", "flow"])
@pytest.mark.parametrize("name", ["cached", "uncached", "limited", "raises"])
def test_a_kickoff_is_the_same_with_skillevo_as_without(name: str, mode: str, setup: str) -> None:
    without, _ = _run(name, None, mode)
    got, episodes = _run(name, setup, mode)
    assert not str(without[0]).startswith("raised"), without[0]
    assert got == without
    assert episodes == 1 and live_runs() == []


def _threads(setup: str | None) -> tuple[dict[int, Any], int]:
    """Six crews kicked off at once from six threads; the first four marked."""
    results: dict[int, Any] = {}
    with SkillLibrary(":memory:") as lib:
        evolve = evolving(_evolver(setup, lib), reward=lambda output: 1.0) if setup is not None else None
        ready = threading.Barrier(6)

        def work(i: int) -> None:
            log: list[Any] = []
            make = _scenario("react" if i % 2 else "native", log)
            if evolve is not None and i < 4:
                make = evolve(make)
            crew = make()
            ready.wait()
            try:
                results[i] = (crew.kickoff(inputs={"x": str(i)}).raw, log)
            except Exception as exc:
                results[i] = (f"raised {type(exc).__name__}: {exc}", log)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if evolve is not None:
            evolve.close()
        return results, len(lib.episodes())


@pytest.mark.parametrize("setup", ["empty", "unmatched"])
def test_crews_kicked_off_at_once_from_threads_are_the_same_as_without_skillevo(setup: str) -> None:
    without, _ = _threads(None)
    got, episodes = _threads(setup)
    assert got == without
    assert episodes == 4 and live_runs() == []


class Slow(BaseTool):
    name: str = "slow"
    description: str = "Takes a while."
    args_schema: type[BaseModel] = Pair

    def _run(self, a: int, b: int) -> str:
        time.sleep(0.6)
        return "slow"

    async def _arun(self, a: int, b: int) -> str:
        await asyncio.sleep(0.6)
        return "slow"


def _cancelled(setup: str | None, how: str, mode: str) -> str:
    llm = ScriptedLLM(_react('Thought: t\nAction: slow\nAction Input: {"a": 1, "b": 2}', DONE))
    crew = _crew(_agent(llm, Slow()))
    with SkillLibrary(":memory:") as lib:
        evolve = evolving(_evolver(setup, lib), reward=lambda output: 1.0) if setup is not None else None
        if evolve is not None:
            evolve(crew)

        async def main() -> str:
            run = crew.akickoff(inputs={"x": "1"}) if mode == "akickoff" else crew.kickoff_async(inputs={"x": "1"})
            if how == "wait_for":
                try:
                    await asyncio.wait_for(run, 0.3)
                except TimeoutError:
                    return "timed out"
                return "finished"
            task = asyncio.ensure_future(run)
            await asyncio.sleep(0.3)
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                return f"cancelled {task.cancelled()}"
            return "finished"

        try:
            return asyncio.run(main())
        finally:
            time.sleep(0.8)  # kickoff_async's worker thread runs on after the cancellation
            if evolve is not None:
                evolve.close()


@pytest.mark.parametrize("mode", ["akickoff", "kickoff_async"])
@pytest.mark.parametrize("how", ["cancel", "wait_for"])
def test_a_kickoff_cancelled_mid_tool_call_is_cancelled_as_without_skillevo(how: str, mode: str) -> None:
    without = _cancelled(None, how, mode)
    assert without in ("cancelled True", "timed out")
    assert _cancelled("unmatched", how, mode) == without
    assert live_runs() == []
