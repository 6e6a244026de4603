"""Closing a library with episodes still open, against closing one with none, under a slow miner.

Closing a library records its open episodes as stopped (`skillevo._open_episodes`). An Evolver
mines inline with a miner that takes ``--miner-ms`` per episode (a model-backed miner's latency:
the rule miner after a sleep); ``--open`` episodes are left open, each with a failed call and its
corrected retry. Printed: the close's wall time with them open, with none open (same process), and
the ratio. Before 2026-12-07 the close mined each open episode inline.

Run: ``.venv/bin/python benchmarks/bench_close_open_episodes.py [--open 10] [--miner-ms 200]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from skillevo import Evolver, RuleMiner, SkillLibrary


class _Slow(RuleMiner):
    """The rule miner after a model call's latency."""

    name = "slow"
    delay_s = 0.2

    def mine(self, events: Any, store: Any) -> Any:
        time.sleep(self.delay_s)
        return super().mine(events, store)


def _close(path: Path, open_episodes: int) -> float:
    lib = SkillLibrary(path)
    evo = Evolver(lib, sandbox=None, mining="inline", miner=_Slow())
    kept = []
    for day in range(open_episodes):
        ep = evo.episode(task="book")
        bad = {"date": f"{10 + day % 18}/11/2026"}
        ep.before_tool("book_flight", bad)
        ep.on_tool_error("book_flight", bad, ValueError("date must be YYYY-MM-DD"))
        fixed = {"date": f"2026-11-{10 + day % 18}"}
        ep.before_tool("book_flight", fixed)
        ep.on_tool_result("book_flight", fixed, "booked")
        kept.append(ep)
    start = time.perf_counter()
    lib.close()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", type=int, default=10)
    parser.add_argument("--miner-ms", type=float, default=200.0)
    args = parser.parse_args()
    _Slow.delay_s = args.miner_ms / 1e3
    with tempfile.TemporaryDirectory() as tmp:
        none = _close(Path(tmp) / "none.db", 0)
        some = _close(Path(tmp) / "some.db", args.open)
    print(f"library close, miner {args.miner_ms:.0f} ms per episode (inline mining)")
    print(f"  no episode open:   {none * 1e3:8.1f} ms")
    print(f"  {args.open:3d} episodes open: {some * 1e3:8.1f} ms  (x{some / none:.1f} of none open)")


if __name__ == "__main__":
    main()
