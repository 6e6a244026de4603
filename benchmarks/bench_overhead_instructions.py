"""Adapter overhead in CPU instructions: `bench_overhead.py`'s agents under callgrind.

Wall time on a shared machine measures the other jobs; instruction counts do not. This runs one
agent of `bench_overhead.py` (after the same warm-up) with callgrind's instrumentation switched on
only around each timed run (a client request from a tiny C helper compiled here), the episode
queue flushed and a garbage collection made between runs, outside the count (``--natural-gc``: no
collection between runs, so each run pays for the collections its garbage triggers); trigger-cache TTL
long enough that no library refresh falls inside. Prints the instructions per run.

Agents: ``plain`` (no middleware), ``pass`` (a pass-through ``wrap_model_call`` / ``wrap_tool_call``
middleware: LangChain's own cost of such hooks), ``shape`` (the same plus this middleware's private
state key and first-call ``Command``), ``mw`` (``SkillMiddleware``), ``adapter`` (``SkillMiddleware``
with the Evolver's per-run work made a no-op: the episode's tool-call hooks return at once, its
guidance is empty and `finish` records nothing; what is left above ``shape`` is the adapter's own
cost), ``core`` (only the Evolver calls of one such run, no LangChain).

``--cache-sim``: callgrind also simulates the caches and prints the misses per run and its estimate of
cycles (Ir + 10 x L1 misses + 100 x last-level misses): a run's wall time follows the cache misses as
much as the instructions (skillevo's code runs cold, between LangChain's), and the simulation does not
depend on the machine's load.

Run: ``.venv/bin/python benchmarks/bench_overhead_instructions.py mw [--runs 20]`` (needs valgrind
and its headers, and a C compiler).
"""

from __future__ import annotations

import argparse
import ctypes
import functools
import gc
import inspect
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

_HELPER = """#include <valgrind/callgrind.h>
void cg_on(void) { CALLGRIND_START_INSTRUMENTATION; }
void cg_off(void) { CALLGRIND_STOP_INSTRUMENTATION; }
"""
AGENTS = ("plain", "pass", "shape", "mw", "adapter", "core")


def _helper(tmp: Path) -> ctypes.PyDLL:
    (tmp / "cg.c").write_text(_HELPER)
    subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-o", str(tmp / "cg.so"), str(tmp / "cg.c")], check=True)
    # PyDLL: the calls keep the GIL (a CDLL call releases it, and another thread could run at the edge
    # of the counted span).
    return ctypes.PyDLL(str(tmp / "cg.so"))


def _agents(evo: Any) -> dict[str, Any]:
    from bench_overhead import FiveCalls, echo  # type: ignore[import-not-found]
    from langchain.agents import create_agent
    from langchain.agents.middleware import AgentMiddleware, ModelResponse
    from langchain.agents.middleware.types import ExtendedModelResponse
    from langchain_core.messages import AIMessage
    from langgraph.types import Command

    from skillevo_langgraph import SkillMiddleware
    from skillevo_langgraph._middleware import SkillState

    class Pass(AgentMiddleware):  # type: ignore[type-arg]
        def __init__(self) -> None:
            super().__init__()
            for hook in ("wrap_model_call", "wrap_tool_call"):  # bound as SkillMiddleware binds its hooks
                bound = functools.partial(getattr(type(self), hook), self)
                bound.__signature__ = inspect.signature(getattr(self, hook))  # type: ignore[attr-defined]
                setattr(self, hook, bound)

        def wrap_model_call(self, request: Any, handler: Any) -> Any:
            return handler(request)

        def wrap_tool_call(self, request: Any, handler: Any) -> Any:
            return handler(request)

    class Shape(Pass):
        state_schema = SkillState

        def wrap_model_call(self, request: Any, handler: Any) -> Any:
            response = handler(request)
            if request.state.get("skillevo_episode"):
                return response
            if isinstance(response, AIMessage):
                response = ModelResponse(result=[response])
            return ExtendedModelResponse(model_response=response, command=Command(update={"skillevo_episode": "x"}))

    class Core:
        """The Evolver calls `SkillMiddleware` makes in one run of the benchmark's agent."""

        def invoke(self, _: Any) -> dict[str, Any]:
            ep = evo.episode(task="echo five times")
            for i in range(6):
                ep.guidance(tools=["echo"])
                if i < 5:
                    args = ep.before_tool("echo", {"text": f"t{i}"})
                    ep.on_tool_result("echo", args, f"t{i}")
            ep.finish(1.0)
            return {"messages": [AIMessage(content="done")]}

    def agent(middleware: list[Any]) -> Any:
        return create_agent(FiveCalls(), [echo], middleware=middleware)

    return {
        "plain": agent([]),
        "pass": agent([Pass()]),
        "shape": agent([Shape()]),
        "mw": agent([SkillMiddleware(evo, reward=lambda s: 1.0)]),
        "adapter": agent([SkillMiddleware(evo, reward=lambda s: 1.0)]),
        "core": Core(),
    }


def _core_as_no_op() -> None:
    """The Evolver's per-run work made a no-op (this process only): the adapter's share alone."""
    from skillevo.adapters import EpisodeContext

    def finish(self: Any, reward: float | None = None) -> Any:
        self._finished = True
        return self.episode

    EpisodeContext.before_tool = lambda self, name, args: args  # type: ignore[method-assign]
    EpisodeContext.on_tool_result = lambda self, name, args, result: False  # type: ignore[method-assign]
    EpisodeContext.guidance = lambda self, tools=None: ""  # type: ignore[method-assign]
    EpisodeContext.finish = finish  # type: ignore[method-assign]


def child(name: str, runs: int, natural_gc: bool = False) -> None:
    """Inside valgrind: warm up, then count only the timed runs."""
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_overhead import fill, run_once

    from skillevo import Evolver, SkillLibrary

    if name == "adapter":
        _core_as_no_op()
    with tempfile.TemporaryDirectory() as tmp:
        cg = _helper(Path(tmp))
        lib = SkillLibrary(Path(tmp) / "bench.db")
        fill(lib)
        evo = Evolver(lib, seed=0, cache_ttl_s=1e9)
        agents = _agents(evo)
        for _ in range(5):
            run_once(agents["plain"])
            run_once(agents[name])
            lib.flush()
        gc.collect()
        for _ in range(runs):
            if not natural_gc:
                gc.collect()
            cg.cg_on()
            run_once(agents[name])
            cg.cg_off()
            lib.flush()
        lib.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("agent", choices=AGENTS)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--natural-gc", action="store_true",
                        help="no collection between runs: each run pays the collections its garbage triggers"
                             " (as in bench_overhead.py's wall time); use more runs, the count varies more")
    parser.add_argument("--cache-sim", action="store_true", help="also simulate the caches: misses and estimated cycles per run")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.agent, args.runs, args.natural_gc)
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind is not installed", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        cmd = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}"]
        cmd += ["--cache-sim=yes"] if args.cache_sim else []
        cmd += [sys.executable, __file__, args.agent, "--runs", str(args.runs), "--child"]
        cmd += ["--natural-gc"] if args.natural_gc else []
        subprocess.run(cmd, check=True, capture_output=True, env={**os.environ, "PYTHONHASHSEED": "0"})
        lines = out.read_text().splitlines()
    events = next(line for line in lines if line.startswith("events:")).split()[1:]
    totals = dict(zip(events, map(int, next(line for line in lines if line.startswith("totals:")).split()[1:]), strict=False))
    per_run = totals["Ir"] / args.runs
    gc_note = ", natural GC" if args.natural_gc else ""
    print(f"{args.agent}: {per_run / 1e6:.2f} M instructions per run ({args.runs} runs{gc_note})")
    if args.cache_sim:
        l1 = totals["I1mr"] + totals["D1mr"] + totals["D1mw"]
        ll = totals["ILmr"] + totals["DLmr"] + totals["DLmw"]
        cycles = totals["Ir"] + 10 * l1 + 100 * ll
        print(f"{args.agent}: {l1 / args.runs / 1e3:.1f} K L1 misses, {ll / args.runs / 1e3:.2f} K last-level misses, "
              f"{cycles / args.runs / 1e6:.2f} M estimated cycles per run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
