"""The first call of a tool never seen before, against a warm call of a known tool, as the library grows.

A tool's first call offers it the repairs learned on other tools' arguments of the same name
(`skillevo._transfer`). Two SQLite libraries are built through the public API: ``--small`` and
``--large`` skills, each an active id cast on one of 500 tools' 200 argument names, one in ten
with a winning record. On each: the median time of the first call (``before_tool``) of ``--tools``
new tool names (arguments shared with no skill, then one shared with some), divided by the median
of warm calls of a known tool in the same process, and the store reads the first calls made
(whole-library reads, posterior reads), counted by wrapping the store's methods.

Run: ``.venv/bin/python benchmarks/bench_transfer_first_call.py [--small 100] [--large 3000] [--tools 20]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from skillevo import (
    NULL_ARM,
    ArgCondition,
    Evolver,
    Repair,
    SkillLibrary,
    Strategy,
    Trigger,
    TriggerKind,
    VersionStatus,
)
from skillevo._models import CoerceArg, PosteriorState

READS = ("skills", "posterior_snapshot", "match", "skill", "version")


def _build(path: Path, n: int) -> None:
    with SkillLibrary(path) as lib, lib.transaction():
        for i in range(n):
            arg = f"a{i % 200}"
            repair = Repair(ops=[CoerceArg(arg=arg, to="str")], precondition=[ArgCondition(arg=arg, type="int")])
            trigger = Trigger(kind=TriggerKind.TOOL_ERROR, tool=f"t{i % 500}", error_type="ValidationError")
            v = lib.add_skill(f"s{i}", trigger, Strategy(repair=repair), status=VersionStatus.ACTIVE)
            if i % 10 == 0:
                lib.put_posterior(PosteriorState(key=f"s{i}", arm=v.id, alpha=5.0, beta=1.0, observations=4))
                lib.put_posterior(PosteriorState(key=f"s{i}", arm=NULL_ARM, alpha=1.0, beta=5.0, observations=4))


def _measure(path: Path, tools: int) -> dict[str, Any]:
    lib = SkillLibrary(path)
    counts: Counter[str] = Counter()
    on = [False]
    for name in READS:
        method = getattr(lib, name)

        def counted(*a: Any, _m: Any = method, _n: str = name, **k: Any) -> Any:
            if on[0]:
                counts[_n] += 1
            return _m(*a, **k)

        setattr(lib, name, counted)
    evo = Evolver(lib, seed=0, sandbox=None, mining="inline")
    warm: list[float] = []
    first: dict[str, list[float]] = {"unshared": [], "shared": []}
    with evo.episode(task="bench") as ep:
        for _ in range(5):
            ep.before_tool("known", {"x": "1"})
        for _ in range(200):
            t = time.perf_counter()
            ep.before_tool("known", {"x": "1"})
            warm.append(time.perf_counter() - t)
        on[0] = True
        for kind, args in (("unshared", {"city": "Oslo"}), ("shared", {"a7": 5, "city": "Oslo"})):
            for j in range(tools):
                t = time.perf_counter()
                ep.before_tool(f"{kind}{j}", dict(args))
                first[kind].append(time.perf_counter() - t)
        on[0] = False
        ep.finish(reward=1.0)
    lib.close()
    base = statistics.median(warm)
    return {"warm_us": base * 1e6, **{k: statistics.median(v) / base for k, v in first.items()},
            **{f"{k}_ms": statistics.median(v) * 1e3 for k, v in first.items()},
            "reads": {k: round(v / (2 * tools), 1) for k, v in counts.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--large", type=int, default=3000)
    parser.add_argument("--tools", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = {}
        for n in (args.small, args.large):
            path = Path(tmp) / f"lib{n}.db"
            _build(path, n)
            rows[n] = _measure(path, args.tools)
    print(f"first call of a new tool / warm call of a known tool (median of {args.tools} new tools each)")
    for n, row in rows.items():
        print(f"  {n:>6} skills: warm {row['warm_us']:7.1f} us | new tool, no shared argument "
              f"x{row['unshared']:8.1f} ({row['unshared_ms']:7.2f} ms) | sharing one x{row['shared']:8.1f} "
              f"({row['shared_ms']:7.2f} ms) | store reads per first call {row['reads']}")
    small, large = rows[args.small], rows[args.large]
    print(f"large / small library, first call with no shared argument: x{large['unshared'] / small['unshared']:.2f}")


if __name__ == "__main__":
    main()
