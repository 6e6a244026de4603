"""SQLite (one host) vs PostgreSQL (many hosts), measured in one run.

Run: .venv/bin/python benchmarks/bench_multihost.py [--pg postgresql://127.0.0.1:5432/test]
Prints episodes/s (one writer thread, and 4 threads sharing one library object), the median latency
of a selection (`choose`, served from the selector's memory) and of a credited update (`update`,
atomic increments in the store: queued behind the library's writer under the default
``durability="batched"``), the same update with 4 writer threads (each its own selector attached
to the one library, all crediting one key) and with 4 writer processes (4 hosts: each its own
library object and selector), with PostgreSQL / SQLite ratios.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from skillevo import Episode, Event, EventKind, SkillLibrary, ThompsonSelector


def episode(i: int) -> tuple[Episode, list[Event]]:
    ep = Episode(task=f"task {i}", reward=1.0)
    return ep, [Event(kind=EventKind.TOOL_CALL, tool="book", data={"args": {"n": j}}) for j in range(10)]


def episodes_per_s(lib: SkillLibrary, n: int, threads: int) -> float:
    per = n // threads

    def work(offset: int) -> None:
        for i in range(per):
            lib.save_episode(*episode(offset + i))

    ts = [threading.Thread(target=work, args=(k * per,)) for k in range(threads)]
    t0 = time.perf_counter()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return per * threads / (time.perf_counter() - t0)


def selection_us(lib: SkillLibrary, reps: int = 300) -> tuple[float, float]:
    sel = ThompsonSelector(seed=0)
    sel.attach(lib)
    arms = [f"skill@{i}" for i in range(3)] + ["null"]
    choose, update = [], []
    for r in range(reps):
        t0 = time.perf_counter()
        arm = sel.choose("skill", arms)
        t1 = time.perf_counter()
        sel.update("skill", arm, float(r % 2))
        t2 = time.perf_counter()
        choose.append(t1 - t0)
        update.append(t2 - t1)
    return statistics.median(choose) * 1e6, statistics.median(update) * 1e6


def update_4_writers_us(lib: SkillLibrary, reps: int = 300, writers: int = 4) -> float:
    """Median `update` latency with `writers` threads, each its own selector on `lib`, one key."""
    arms = [f"skill@{i}" for i in range(3)] + ["null"]
    times: list[list[float]] = [[] for _ in range(writers)]
    start = threading.Barrier(writers)

    def work(k: int) -> None:
        sel = ThompsonSelector(seed=k)
        sel.attach(lib)
        start.wait()
        for r in range(reps):
            arm = sel.choose("shared", arms)
            t0 = time.perf_counter()
            sel.update("shared", arm, float(r % 2))
            times[k].append(time.perf_counter() - t0)

    ts = [threading.Thread(target=work, args=(k,)) for k in range(writers)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return statistics.median(x for w in times for x in w) * 1e6


def _update_process(location: str, k: int, reps: int, out: Any) -> None:
    lib = SkillLibrary(location)
    sel = ThompsonSelector(seed=k)
    sel.attach(lib)
    arms = [f"skill@{i}" for i in range(3)] + ["null"]
    times: list[float] = []
    for r in range(reps):
        arm = sel.choose("hosts", arms)
        t0 = time.perf_counter()
        sel.update("hosts", arm, float(r % 2))
        times.append(time.perf_counter() - t0)
    lib.close()
    out.put(times)


def update_4_processes_us(location: str, reps: int = 300, writers: int = 4) -> float:
    """Median `update` latency with `writers` processes (hosts), each its own library object and
    selector on the one library at `location`, all crediting one key."""
    ctx = multiprocessing.get_context("spawn")  # a fresh interpreter each, as another host would be
    out = ctx.Queue()
    procs = [ctx.Process(target=_update_process, args=(location, k, reps, out)) for k in range(writers)]
    for p in procs:
        p.start()
    times: list[float] = [x for _ in procs for x in out.get(timeout=600)]
    for p in procs:
        p.join()
    return float(statistics.median(times)) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", default="postgresql://127.0.0.1:5432/test")
    parser.add_argument("--episodes", type=int, default=800)
    args = parser.parse_args()
    schema = "skillevo_bench_" + uuid.uuid4().hex[:8]
    rows: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        targets = {"sqlite": str(Path(tmp) / "bench.db"), "postgres": f"{args.pg}?schema={schema}"}
        for name, location in targets.items():
            try:
                lib = SkillLibrary(location)
            except Exception as exc:  # no server: say so and carry on with what we can measure
                print(f"{name}: skipped ({exc})")
                continue
            with lib:
                one = episodes_per_s(lib, args.episodes, 1)
                four = episodes_per_s(lib, args.episodes, 4)
                c, u = selection_us(lib)
                u4 = update_4_writers_us(lib)
                p4 = update_4_processes_us(location)
                rows[name] = {"1 thread ep/s": one, "4 threads ep/s": four, "choose us": c, "update us": u,
                              "update 4w us": u4, "update 4p us": p4}
        if "postgres" in rows:
            import psycopg

            with psycopg.connect(args.pg, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    cols = ["1 thread ep/s", "4 threads ep/s", "choose us", "update us", "update 4w us", "update 4p us"]
    print(f"{'backend':<10}" + "".join(f"{c:>16}" for c in cols))
    for name, vals in rows.items():
        print(f"{name:<10}" + "".join(f"{vals[c]:>16.1f}" for c in cols))
    if len(rows) == 2:
        print(f"{'pg/sqlite':<10}" + "".join(f"{rows['postgres'][c] / rows['sqlite'][c]:>15.2f}x" for c in cols))


if __name__ == "__main__":
    main()
