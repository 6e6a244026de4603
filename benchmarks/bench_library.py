"""Skill-library benchmark: trigger lookup vs library size, episode write throughput, bytes per episode.

Run: .venv/bin/python benchmarks/bench_library.py   (or `make bench`)
Every figure is measured in this process; ratios compare against a baseline measured in the same run.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from skillevo import Episode, Event, EventKind, SkillLibrary, Strategy, Trigger, TriggerKind, VersionStatus


def build(path: Path, n_skills: int) -> SkillLibrary:
    lib = SkillLibrary(path)
    tools = max(1, n_skills // 5)  # ~5 skills per tool, like a real fleet with many tools
    with lib.transaction():
        for i in range(n_skills):
            lib.add_skill(
                f"s{i}",
                Trigger(kind=TriggerKind.TOOL_ERROR, tool=f"tool_{i % tools}"),
                Strategy(guidance=f"guidance {i}"),
                status=VersionStatus.ACTIVE,
            )
    return lib


def lookup_median_us(lib: SkillLibrary, n_skills: int, reps: int = 400) -> float:
    tools = max(1, n_skills // 5)
    times = []
    for r in range(reps):
        tool = f"tool_{(r * 7919) % tools}"
        t0 = time.perf_counter()
        lib.match(TriggerKind.TOOL_ERROR, tool)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e6


def episode(i: int, n_events: int) -> tuple[Episode, list[Event]]:
    ep = Episode(task=f"book a flight #{i}", reward=1.0)
    events = [
        Event(kind=EventKind.TOOL_CALL, tool="book_flight", data={"args": {"date": "2024-05-01", "n": j}})
        for j in range(n_events)
    ]
    return ep, events


def write_throughput(path: Path, n: int, n_events: int, mode: str) -> float:
    lib = SkillLibrary(path)
    t0 = time.perf_counter()
    if mode == "unbatched":  # one transaction per row
        for i in range(n):
            ep, events = episode(i, n_events)
            lib.save_episode(ep)
            for e in events:
                lib.log_events([e.model_copy(update={"episode_id": ep.id})])
    elif mode == "per-episode":  # the episode and its events in one transaction (what the Evolver does)
        for i in range(n):
            lib.save_episode(*episode(i, n_events))
    else:  # many episodes per transaction
        for start in range(0, n, 50):
            with lib.transaction():
                for i in range(start, min(n, start + 50)):
                    lib.save_episode(*episode(i, n_events))
    elapsed = time.perf_counter() - t0
    lib.close()
    return n / elapsed


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        print("trigger lookup (match(kind, tool)), median over 400 lookups")
        base = None
        for n in (10, 1_000, 100_000):
            t0 = time.perf_counter()
            lib = build(root / f"lookup{n}.db", n)
            build_s = time.perf_counter() - t0
            us = lookup_median_us(lib, n)
            base = base or us
            print(f"  {n:>7} skills: {us:8.1f} us  (x{us / base:.2f} vs 10 skills; built in {build_s:.1f} s)")
            lib.close()

        n, n_events = 300, 10
        print(f"\nepisode writes ({n} episodes x {n_events} events, WAL, one file)")
        rates = {m: write_throughput(root / f"w-{m}.db", n, n_events, m)
                 for m in ("unbatched", "per-episode", "batched-50")}
        for mode, rate in rates.items():
            print(f"  {mode:>12}: {rate:8.0f} episodes/s  (x{rate / rates['unbatched']:.1f} vs unbatched)")

        path = root / "size.db"
        lib = SkillLibrary(path)
        for i in range(2000):
            lib.save_episode(*episode(i, n_events))
        lib.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        lib.close()
        size = path.stat().st_size
        print(f"\nDB bytes per episode ({n_events} tool events each): {size / 2000:.0f} B "
              f"({size / 1e6:.1f} MB for 2000 episodes)")


if __name__ == "__main__":
    main()
