"""Agent runs while another process holds the SQLite library's write lock.

Each run opens an episode (``with evo.episode()``), reads guidance, makes one call the tool refuses (a US date) and the
call skillevo would retry it with, then leaves the block, which finishes the episode
(the default Evolver mines inline: `finish()` saves the episode to mine it). First ``--runs`` runs with the library free (the baseline), then
``--runs`` more while another process holds ``BEGIN IMMEDIATE`` on the library for ``--hold-s``
seconds (released mid-batch when the runs outlast it; how many runs ended before that is printed). Prints, for each phase, the median, p99
and max latency of a run's tool hooks and of its `finish()`, their ratios to the free baseline,
how many runs took more than 0.5 s longer than the free median, how many raised, and whether every episode was
stored exactly once after the lock was released and the library closed.
``--postgres URL`` runs it on a fresh schema of that server, another session holding
``LOCK TABLE <--table> IN ACCESS EXCLUSIVE MODE`` instead.
Run: ``.venv/bin/python benchmarks/bench_held_lock_runs.py [--runs N] [--hold-s S] [--postgres URL --table T]``.
"""

from __future__ import annotations

import argparse
import logging
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from skillevo import Evolver, SkillLibrary


def _book(date: str) -> str:
    return "booked" if "-" in date else "Error: ValueError: date must be YYYY-MM-DD"


BROKEN: list[BaseException] = []


def _run(evo: Evolver, task: str) -> tuple[str, float, float, float]:
    """One run: its episode id, and the seconds of its whole run, its tool hooks, its finish."""
    start = time.perf_counter()
    try:
        with evo.episode(task=task) as ep:
            ep.guidance(["book"])
            args = ep.before_tool("book", {"date": "03/04/2025"})
            result = _book(**args)
            if ep.on_tool_result("book", args, result):
                retry = ep.on_tool_error("book", args, result)
                if retry is not None:
                    _book(**retry)
            tools = time.perf_counter() - start
            before_finish = time.perf_counter()
    except Exception as exc:  # a run skillevo broke: counted
        BROKEN.append(exc)
    end = time.perf_counter()
    return ep.id, end - start, tools, end - before_finish


def _q(values: list[float], f: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * f))]


Phase = tuple[list[str], list[float], list[float], list[float], list[float]]


def _phase(evo: Evolver, n: int, tag: str) -> Phase:
    """`n` runs: their episode ids, their latencies (whole, tool hooks, finish), when each ended."""
    ids: list[str] = []
    runs: list[float] = []
    tools: list[float] = []
    finishes: list[float] = []
    ends: list[float] = []
    for i in range(n):
        eid, whole, tool, fin = _run(evo, f"{tag} {i}")
        ids.append(eid)
        runs.append(whole)
        tools.append(tool)
        finishes.append(fin)
        ends.append(time.perf_counter())
    return ids, runs, tools, finishes, ends


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=150)
    parser.add_argument("--hold-s", type=float, default=20.0)
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server (a fresh schema on it) instead")
    parser.add_argument("--table", default="episodes", help="with --postgres: the table to LOCK")
    a = parser.parse_args()
    logging.disable(logging.CRITICAL)  # (each held-lock run logs its store error)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lib.db"
        schema = f"bench_held_{uuid.uuid4().hex[:8]}"
        location = f"{a.postgres}?schema={schema}" if a.postgres else str(path)
        lib = SkillLibrary(location)
        evo = Evolver(lib, sandbox=None)
        _phase(evo, 20, "warm")
        lib.flush()
        free = _phase(evo, a.runs, "free")
        lib.flush()
        take = (
            f"import psycopg\nc = psycopg.connect({a.postgres!r})\n"
            f"c.execute('LOCK TABLE \"{schema}\".{a.table} IN ACCESS EXCLUSIVE MODE')\n"
            if a.postgres
            else f"import sqlite3\nc = sqlite3.connect({str(path)!r}, isolation_level=None)\n"
            "c.execute('BEGIN IMMEDIATE')\n"
        )
        holder = subprocess.Popen(
            [sys.executable, "-c", f"import time\n{take}print(1, flush=True); time.sleep({a.hold_s}); c.rollback()"],
            stdout=subprocess.PIPE,
        )
        assert holder.stdout is not None
        holder.stdout.readline()
        held_start = time.perf_counter()
        held = _phase(evo, a.runs, "held")
        held_wall = time.perf_counter() - held_start
        # How many runs ended while the lock was still held (a run held up by it ends after).
        under_lock = sum(1 for end in held[4] if end - held_start < a.hold_s)
        holder.wait()
        evo.close()
        lib.close()
        if a.postgres:
            import psycopg

            with psycopg.connect(a.postgres) as check:
                rows = [r[0] for r in check.execute(f'SELECT id FROM "{schema}".episodes')]
                check.execute(f'DROP SCHEMA "{schema}" CASCADE')
        else:
            with sqlite3.connect(path) as check:
                rows = [r[0] for r in check.execute("SELECT id FROM episodes")]
    wanted = set(free[0]) | set(held[0])
    stored = wanted & set(rows)
    duplicates = len(rows) - len(set(rows))
    base = statistics.median(free[1])
    print(
        f"{a.runs} runs each; lock held {a.hold_s:.0f} s; held batch took {held_wall:.1f} s; "
        f"{under_lock} runs ended while the lock was held"
    )
    for label, col in (("run", 1), ("tool hooks", 2), ("finish", 3)):
        f, h = free[col], held[col]
        fm, hm = statistics.median(f), statistics.median(h)
        print(
            f"{label:>10}: free p50 {fm * 1e3:7.2f} ms p99 {_q(f, 0.99) * 1e3:7.2f} ms max {max(f) * 1e3:7.1f} ms"
            f" | held p50 {hm * 1e3:7.2f} ms p99 {_q(h, 0.99) * 1e3:7.2f} ms max {max(h) * 1e3:7.1f} ms"
            f" | ratio p50 {hm / fm:6.2f} p99 {_q(h, 0.99) / _q(f, 0.99):6.2f}"
        )
    slow = sum(1 for t in held[1] if t > base + 0.5)
    print(
        f"held runs > free median + 0.5 s: {slow}/{a.runs}; "
        f"raised {len(BROKEN)}; stored {len(stored)}/{len(wanted)}; duplicate rows {duplicates}"
    )


if __name__ == "__main__":
    main()
