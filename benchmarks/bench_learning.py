"""The learning benchmark: skillevo against the alternatives people would pick instead.

Run: .venv/bin/python benchmarks/bench_learning.py [--seeds 5] [--episodes 300] [--jobs 2] [--skip-bfcl]

Six arms over the same seeds, before and after a policy upgrade: "no skills", "skillevo",
"static library", "naive memory", "no discounting", "no null arm" (see _learning_demo.py and
docs/benchmarks.md). Two worlds: the bundled demo world (benchmarks/_learning_demo.py) and BFCL
multi-turn (benchmarks/_learning_bfcl.py, when that module exists and `bfcl-eval` is installed).
Reported per arm and phase: success rate, failed tool calls and model turns per episode, and the
extra system-prompt tokens (guidance or notes) per model call; means over seeds.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _learning_demo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="number of seeds (0..N-1)")
    parser.add_argument("--episodes", type=int, default=300, help="episodes per demo-world run")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes")
    parser.add_argument("--skip-bfcl", action="store_true", help="run the demo world only")
    args = parser.parse_args()
    seeds = list(range(args.seeds))

    t0 = time.perf_counter()
    demo = _learning_demo.run(seeds, args.episodes, jobs=args.jobs)
    print(
        f"== demo world: {args.episodes} episodes per run, silent policy upgrade after episode "
        f"{args.episodes // 2}, mean over seeds {seeds} ({time.perf_counter() - t0:.0f} s, {args.jobs} processes)"
    )
    print(_learning_demo.format_table(demo))
    print()

    if args.skip_bfcl:
        print("== BFCL multi-turn: skipped (--skip-bfcl)")
        return
    if importlib.util.find_spec("_learning_bfcl") is None:
        print("== BFCL multi-turn: skipped (benchmarks/_learning_bfcl.py is not there)")
        return
    if importlib.util.find_spec("bfcl_eval") is None:
        print("== BFCL multi-turn: skipped (bfcl-eval is not installed: see benchmarks/_learning_bfcl.py)")
        return
    bfcl = importlib.import_module("_learning_bfcl")
    t0 = time.perf_counter()
    results = bfcl.run(seeds)
    print(f"== BFCL multi-turn: mean over seeds {seeds} ({time.perf_counter() - t0:.0f} s)")
    print(bfcl.format_table(results))


if __name__ == "__main__":
    main()
