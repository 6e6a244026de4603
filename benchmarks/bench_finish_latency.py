"""`finish()` latency with a slow LLM miner: mining inline vs in the background.

Each episode has one failed call (a US date refused) and its corrected retry, so both miners have
something to mine; the LLM miner's model takes ``--model-s`` seconds per call. Inline, `finish()`
waits for the miners; in the background (the default) it only records the episode. Prints the
median `finish()` latency of each mode and their ratio; the background worker is flushed,
untimed, after each episode so every run starts from the same state.
``--skills N`` first fills the library with `bench_overhead.py`'s N skills on other tools (what
`finish()` and the background learning read grows with the library); ``--mode inline`` alone
with ``--model-s 0`` then measures the end-of-episode work on a large library.
Run: ``.venv/bin/python benchmarks/bench_finish_latency.py [--episodes N] [--model-s S] [--skills N]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from skillevo import Evolver, LLMMiner, RuleMiner, SkillLibrary

ANSWER = json.dumps(
    {
        "name": "iso-dates-llm",
        "description": "Send ISO dates.",
        "trigger": {"kind": "tool_error", "tool": "book"},
        "strategy": {"guidance": "Send dates as YYYY-MM-DD. DO: 2025-01-02 DON'T: 01/02/2025"},
    }
)


def _episode(evo: Evolver, i: int) -> float:
    ep = evo.episode(task=f"book trip {i}")
    bad, good = (
        {"date": f"03/{i % 28 + 1:02d}/2025", "city": "Oslo"},
        {"date": f"2025-03-{i % 28 + 1:02d}", "city": "Oslo"},
    )
    ep.before_tool("book", bad)
    ep.on_tool_error("book", bad, ValueError(f"invalid date '{bad['date']}': expected format YYYY-MM-DD"))
    ep.before_tool("book", good)
    ep.on_tool_result("book", good, "booked")
    start = time.perf_counter()
    ep.finish(1.0)
    return time.perf_counter() - start


def measure(mode: str, episodes: int, model_s: float, root: Path, skills: int = 0) -> float:
    def slow(prompt: str) -> str:
        time.sleep(model_s)
        return ANSWER

    with SkillLibrary(root / f"{mode}.db") as lib:
        if skills:
            import bench_overhead  # type: ignore[import-not-found]

            bench_overhead.N_SKILLS = skills
            bench_overhead.fill(lib)
        evo = Evolver(lib, miner=[RuleMiner(), LLMMiner(slow, max_calls=10_000)], mining=mode)  # type: ignore[arg-type]
        times = []
        for i in range(episodes):
            times.append(_episode(evo, i))
            evo.flush()  # untimed: the next episode starts with nothing pending
        evo.close()
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--episodes", type=int, default=8)
    parser.add_argument("--model-s", type=float, default=1.0)
    parser.add_argument("--skills", type=int, default=0, help="skills on other tools in the library first")
    parser.add_argument("--mode", choices=("both", "inline"), default="both")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        inline = measure("inline", args.episodes, args.model_s, Path(tmp), args.skills)
        if args.mode == "inline":
            print(f"finish() median, mining inline, {args.skills} skills, {args.episodes} episodes: {inline * 1000:.1f} ms")
            return
        background = measure("background", args.episodes, args.model_s, Path(tmp), args.skills)
    print(f"finish() median with a {args.model_s:.1f} s LLM miner over {args.episodes} episodes:")
    print(f"  inline (before):     {inline * 1000:9.1f} ms")
    print(f"  background (after):  {background * 1000:9.1f} ms")
    print(f"  ratio inline/background: {inline / max(background, 1e-9):.0f}x")


if __name__ == "__main__":
    main()
