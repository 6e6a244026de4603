"""Cost of syncing the spill journal to disk: a finish() during a store outage (another connection
holds the SQLite write lock, so each record goes to the journal), with the journal's ``fsync`` as
shipped and, in the same run on the same disk, with ``os.fsync`` made a no-op (the baseline, what
the journal cost before it was synced). Also one spill of a full queue (1,000 records, one fsync).
Prints medians and the ratio synced / baseline; nothing is asserted.

Run: ``.venv/bin/python benchmarks/bench_journal.py [--runs N] [--folder DIR]``
(``--folder``: a directory on the disk to measure; a temporary one by default).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from skillevo import Evolver, SkillLibrary, _sql_batch
from skillevo._spill import Journal


def _finish_during_outage(folder: Path, n: int) -> list[float]:
    """Seconds per finish() while the store refuses writes (each record journaled)."""
    db = folder / f"lib-{time.monotonic_ns()}.db"
    lib = SkillLibrary(db, timeout=3600.0)
    evo = Evolver(lib, miner=None, sandbox=None)
    lib.flush()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    times: list[float] = []
    try:
        ep = evo.episode(task="first")
        ep.on_tool_result("lookup", {"q": 0}, {"rows": [0]})
        ep.finish(1.0)
        try:
            lib.flush()  # refused: the queue moves to the journal, later records follow it there
        except Exception:
            pass
        for i in range(n):
            ep = evo.episode(task=f"task {i}")
            ep.on_tool_result("lookup", {"q": i}, {"rows": [i] * 20})
            start = time.perf_counter()
            try:
                ep.finish(1.0)
            except Exception:
                pass
            times.append(time.perf_counter() - start)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        lib.close()
    return times


def _spill(folder: Path, n: int) -> float:
    journal: Journal[dict[str, int]] = Journal(folder / f"j-{time.monotonic_ns()}", lambda r: r, dict)
    records = [{"i": i, "pad": 1} for i in range(n)]
    start = time.perf_counter()
    journal.extend(records)
    return time.perf_counter() - start


def _unsynced(fd: object) -> None:
    """`os.fsync` made a no-op."""


def _measure(folder: Path, runs: int, synced: bool) -> tuple[float, float]:
    real = os.fsync
    if not synced:
        os.fsync = _unsynced  # the baseline: the journal as it was, written but not synced
    try:
        finishes = [t for _ in range(runs) for t in _finish_during_outage(folder, 100)]
        spills = [_spill(folder, 1000) for _ in range(runs)]
    finally:
        os.fsync = real
    return statistics.median(finishes), statistics.median(spills)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--folder", type=Path, default=None)
    args = parser.parse_args()
    _sql_batch.QUEUE_WAIT_S = 0.05
    with tempfile.TemporaryDirectory(dir=args.folder) as tmp:
        folder = Path(tmp)
        base_finish, base_spill = _measure(folder, args.runs, synced=False)
        sync_finish, sync_spill = _measure(folder, args.runs, synced=True)
    print(
        f"finish() during an outage: {base_finish * 1e6:8.0f} us unsynced, {sync_finish * 1e6:8.0f} us synced "
        f"(x{sync_finish / base_finish:.2f})"
    )
    print(
        f"spill of 1,000 queued records: {base_spill * 1e3:8.2f} ms unsynced, {sync_spill * 1e3:8.2f} ms synced "
        f"(x{sync_spill / base_spill:.2f})"
    )


if __name__ == "__main__":
    main()
