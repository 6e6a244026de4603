"""Adapter overhead: a create_agent run (fake model, 5 trivial tool calls) with vs without SkillMiddleware.

The library holds 1,000 live skills on other tools (plus some on every tool whose trigger does not
fire), so the run pays for trigger matching, episode bookkeeping and the end-of-episode write to a
SQLite file, but no skill changes what the agent does.

Prints two ratios. Latency (the target, <= 1.15): the median wall time of one run, interleaved
with plain runs; the episode's store write is queued by the Evolver and done by a background
thread, so after each run the benchmark flushes the queue, untimed, so that the write never lands
in the next (plain) run's time. Throughput: blocks of back-to-back runs, the flush timed at the end
of each block: the whole cost, background write included.
Also prints the cost of the first repaired tool call after start-up against the median of the
later ones, measured in a fresh process (heavy imports belong to start-up, not to a tool call).
Run: ``.venv/bin/python benchmarks/bench_overhead.py [--runs N] [--blocks N]``.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from langchain.agents import create_agent
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.tools import tool

from skillevo import Evolver, SkillLibrary, Strategy, Trigger, TriggerKind, VersionStatus
from skillevo._models import Repair, SetArg
from skillevo_langgraph import SkillMiddleware

N_CALLS = 5
N_SKILLS = 1000


class FiveCalls(GenericFakeChatModel):
    """Calls `echo` five times, one per turn, then answers."""

    def __init__(self) -> None:
        super().__init__(messages=iter(()))

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> FiveCalls:
        return self

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        done = sum(isinstance(m, ToolMessage) for m in messages)
        if done < N_CALLS:
            msg = AIMessage(content="", tool_calls=[{"name": "echo", "args": {"text": f"t{done}"}, "id": f"c{done}"}])
        else:
            msg = AIMessage(content="done")
        return ChatResult(generations=[ChatGeneration(message=msg)])


@tool
def echo(text: str) -> str:
    """Return the text."""
    return text


def fill(lib: SkillLibrary) -> None:
    kinds = [TriggerKind.TOOL_ERROR, TriggerKind.BEFORE_TOOL, TriggerKind.OBSERVATION]
    with lib.transaction():
        for i in range(N_SKILLS):
            kind = kinds[i % 3]
            on_every_tool = i % 50 == 0
            trigger = Trigger(
                kind=kind,
                tool="*" if on_every_tool else f"api_{i}",
                pattern="quota exceeded for tenant" if on_every_tool else None,
            )
            if kind is TriggerKind.OBSERVATION:
                strategy = Strategy(guidance=f"Skill {i}: read the {i}th field first.")
            else:
                strategy = Strategy(repair=Repair(ops=[SetArg(arg=f"a{i}", value=i)]))
            lib.add_skill(f"skill-{i}", trigger, strategy, status=VersionStatus.ACTIVE)


def run_once(agent: Any) -> float:
    t0 = time.perf_counter()
    out = agent.invoke({"messages": [HumanMessage(content="echo five times")]})
    elapsed = time.perf_counter() - t0
    assert out["messages"][-1].text == "done"
    return elapsed


def switches() -> int:
    """Voluntary context switches of this process so far (all threads): a thread that waits, e.g. for
    the GIL another thread released, switches once. Not load-dependent, unlike wall time."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_nvcsw


def first_call_child() -> None:
    """In a fresh process: a repaired, credited tool call per episode; prints the first and the rest's median."""
    with tempfile.TemporaryDirectory() as tmp:
        lib = SkillLibrary(Path(tmp) / "first.db")
        lib.add_skill(
            "book-quota", Trigger(kind=TriggerKind.TOOL_ERROR, tool="book"),
            Strategy(repair=Repair(ops=[SetArg(arg="tenant", value="shared")])), status=VersionStatus.ACTIVE,
        )
        evo = Evolver(lib, seed=0)  # start-up: what it imports is paid here
        times: list[float] = []
        for i in range(60):
            with evo.episode(task=f"book {i}") as ep:
                t0 = time.perf_counter()
                args = ep.before_tool("book", {"tenant": "t1"})
                retry = ep.on_tool_error("book", args, ValueError("quota exceeded for tenant t1"))
                if retry is not None:
                    ep.on_tool_result("book", retry, "booked")
                times.append(time.perf_counter() - t0)
        lib.close()
    print(f"{times[0] * 1e3:.3f} {statistics.median(times[1:]) * 1e3:.3f}")


def first_call_cost() -> tuple[float, float]:
    """(first repaired call, median of the later ones), in ms, from a fresh interpreter."""
    out = subprocess.run(
        [sys.executable, __file__, "--first-call-child"], capture_output=True, text=True, check=True, timeout=300
    )
    first, rest = out.stdout.split()[-2:]
    return float(first), float(rest)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--blocks", type=int, default=10, help="blocks of 10 back-to-back runs each")
    parser.add_argument("--first-call-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.first_call_child:
        first_call_child()
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        lib = SkillLibrary(Path(tmp) / "bench.db")
        fill(lib)
        evo = Evolver(lib, seed=0)
        plain = create_agent(FiveCalls(), [echo])
        evolving = create_agent(FiveCalls(), [echo], middleware=[SkillMiddleware(evo, reward=lambda s: 1.0)])
        for _ in range(5):  # warm up: imports, graph compilation caches, trigger cache
            run_once(plain)
            run_once(evolving)
        base: list[float] = []
        with_mw: list[float] = []
        waits = [0, 0]  # voluntary context switches during the plain / the evolving runs
        for _ in range(args.runs):  # interleaved so drift hits both equally
            s0 = switches()
            base.append(run_once(plain))
            s1 = switches()
            with_mw.append(run_once(evolving))
            waits[0] += s1 - s0
            waits[1] += switches() - s1
            lib.flush()
        block_ratios: list[float] = []
        for _ in range(args.blocks):
            t0 = time.perf_counter()
            for _ in range(10):
                run_once(plain)
            t1 = time.perf_counter()
            for _ in range(10):
                run_once(evolving)
            lib.flush()
            block_ratios.append((time.perf_counter() - t1) / (t1 - t0))
        episodes = lib.count_episodes()
        lib.close()
    ratio = statistics.median(with_mw) / statistics.median(base)
    print(f"skills in library: {N_SKILLS}; tool calls per run: {N_CALLS}; runs: {args.runs} each")
    print(f"median without middleware: {statistics.median(base) * 1e3:.2f} ms")
    print(f"median with SkillMiddleware: {statistics.median(with_mw) * 1e3:.2f} ms")
    if block_ratios:
        print(f"throughput ratio (median of {len(block_ratios)} blocks, background writes included): "
              f"{statistics.median(block_ratios):.3f}")
    print(f"median wall-time ratio: {ratio:.3f} (target <= 1.10); episodes stored: {episodes}")
    print(f"voluntary context switches per run: {waits[0] / args.runs:.1f} without, {waits[1] / args.runs:.1f} with")
    first, rest = first_call_cost()
    print(f"first repaired tool call after start-up: {first:.2f} ms; median of the next 59: {rest:.2f} ms "
          f"(ratio {first / rest:.2f})")
    return 0 if ratio <= 1.10 else 1


if __name__ == "__main__":
    sys.exit(main())
