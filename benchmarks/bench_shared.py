"""Shared learning: N processes on one library against one process running every episode.

Run: .venv/bin/python benchmarks/bench_shared.py [--episodes 300] [--procs 4] [--seeds 0]
     [--pg postgresql://127.0.0.1:5432/test] [--backends sqlite,postgres]

The demo world's episodes (the `skillevo` arm of bench_learning: the demo's lifecycle thresholds,
the hand-written candidate, a silent upgrade halfway) run once in one process, and once split over
`--procs` processes sharing one library (a SQLite file, and PostgreSQL when it answers): process k
runs episodes k, k + N, k + 2N, ..., all of them in lockstep (a barrier after each round), so the
episodes interleave in time as behind a load balancer. Each process has its own copy of the world
(an agent replica) and its own selector seed; what they share is the library, which is the point.

Prints failed calls per episode over the last 50 episodes (by episode index) of each run, the
N-process / 1-process ratio (the target: at most 1.2), and whether the two runs end with the same
lifecycle decisions (the same skills active and retired).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from skillevo import Evolver, LifecycleConfig, SkillLibrary, VersionStatus
from skillevo.cli._demo_cmd import DEMO_CACHE_TTL_S, DEMO_LIFECYCLE
from skillevo.demo import POLICY_V1, POLICY_V2, EpisodeResult, World, add_authored_skills, make_task, run_episode

#: With several processes a library change made elsewhere reaches this one's trigger cache within
#: this many seconds (the one-process run keeps the demo's setting: every change is its own).
SHARED_CACHE_TTL_S = 0.5


def _evolver(lib: SkillLibrary, seed: int, cache_ttl_s: float) -> Evolver:
    return Evolver(
        lib,
        seed=seed,
        policy_version=POLICY_V1.version,
        lifecycle=LifecycleConfig(**DEMO_LIFECYCLE),
        cache_ttl_s=cache_ttl_s,
    )


def _run(evo: Evolver, indices: Sequence[int], seed: int, upgrade_at: int, barrier: Any = None) -> list[EpisodeResult]:
    world = World(seed)
    config = POLICY_V1
    out = []
    for i in indices:
        if i >= upgrade_at and config is POLICY_V1:  # a silent upgrade, as bench_learning runs it
            world.set_api_version("v2")
            config = POLICY_V2
        task = make_task(world, i, seed)
        with evo.episode(task=task.text) as ep:
            out.append(run_episode(world, config, task, i, seed, ep))
        if barrier is not None:
            barrier.wait()
    return out


def _decisions(lib: SkillLibrary) -> dict[str, str]:
    """Skill -> its derived status."""
    return {s.name: s.status.value for s in lib.skills()}


_DECIDED = (VersionStatus.ACTIVE.value, VersionStatus.RETIRED.value)


def _worker(location: str, k: int, procs: int, episodes: int, seed: int, barrier: Any) -> list[EpisodeResult]:
    try:
        with SkillLibrary(location) as lib:
            evo = _evolver(lib, seed * 1000 + k, SHARED_CACHE_TTL_S)
            indices = list(range(k, episodes, procs))
            rounds = -(-episodes // procs)
            out = _run(evo, indices, seed, episodes // 2, barrier)
            for _ in range(rounds - len(indices)):  # keep the lockstep when N does not divide the episodes
                barrier.wait()
            return out
    except BaseException:
        barrier.abort()  # the others stop waiting for this one: the run fails as a whole, and says why
        raise


_BARRIER: Any = None


def _init(barrier: Any) -> None:
    global _BARRIER
    _BARRIER = barrier


def _pool_job(args: tuple[str, int, int, int, int]) -> list[EpisodeResult]:
    return _worker(*args, _BARRIER)


def one_process(location: str, episodes: int, seed: int) -> tuple[list[EpisodeResult], dict[str, str], float]:
    with SkillLibrary(location) as lib:
        evo = _evolver(lib, seed, DEMO_CACHE_TTL_S)
        add_authored_skills(evo)
        t0 = time.perf_counter()
        results = _run(evo, range(episodes), seed, episodes // 2)
        return results, _decisions(lib), time.perf_counter() - t0


def n_processes(
    location: str, episodes: int, seed: int, procs: int
) -> tuple[list[EpisodeResult], dict[str, str], float]:
    with SkillLibrary(location) as lib:  # the library and its hand-written candidate, made once
        add_authored_skills(_evolver(lib, seed, SHARED_CACHE_TTL_S))
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(procs)
    t0 = time.perf_counter()
    with ctx.Pool(procs, initializer=_init, initargs=(barrier,)) as pool:
        parts = pool.map(_pool_job, [(location, k, procs, episodes, seed) for k in range(procs)])
    elapsed = time.perf_counter() - t0
    results = sorted((r for part in parts for r in part), key=lambda r: r.index)
    with SkillLibrary(location) as lib:
        return results, _decisions(lib), elapsed


def failed_last(results: Sequence[EpisodeResult], n: int = 50) -> float:
    return statistics.fmean(r.failed_calls for r in results[-n:])


def _pg_location(url: str) -> str | None:
    try:
        import psycopg

        psycopg.connect(url, connect_timeout=3).close()
    except Exception as exc:  # any failure means: no PostgreSQL here
        print(f"PostgreSQL at {url} does not answer ({type(exc).__name__}): skipped")
        return None
    return url


def _drop_schema(url: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--episodes", type=int, default=300)
    parser.add_argument("--procs", type=int, default=4)
    parser.add_argument("--seeds", default="0", help="comma-separated seeds")
    parser.add_argument("--pg", default="postgresql://127.0.0.1:5432/test")
    parser.add_argument("--backends", default="sqlite,postgres")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    rows: list[tuple[str, int, float, float, float, float, float, bool, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            single, single_done, single_s = one_process(str(Path(tmp) / f"one-{seed}.db"), args.episodes, seed)
            for backend in backends:
                schema = None
                if backend == "sqlite":
                    location = str(Path(tmp) / f"shared-{seed}.db")
                elif backend == "postgres":
                    if _pg_location(args.pg) is None:
                        continue
                    schema = f"bench_shared_{uuid.uuid4().hex[:8]}"
                    location = f"{args.pg}?schema={schema}"
                else:
                    raise SystemExit(f"unknown backend {backend!r}: use sqlite, postgres")
                try:
                    shared, shared_done, shared_s = n_processes(location, args.episodes, seed, args.procs)
                finally:
                    if schema is not None:
                        _drop_schema(args.pg, schema)
                diff = sorted(
                    f"{name}: {single_done.get(name, '-')} vs {shared_done.get(name, '-')}"
                    for name in set(single_done) | set(shared_done)
                    if single_done.get(name) != shared_done.get(name)
                    and (single_done.get(name) in _DECIDED or shared_done.get(name) in _DECIDED)
                )
                one, many = failed_last(single), failed_last(shared)
                rows.append(
                    (backend, seed, one, many, many / one if one else float("inf"), single_s, shared_s,
                     not diff, "; ".join(diff))
                )
    print(f"\n{args.episodes} episodes of the demo world, 1 process vs {args.procs} processes on one library")
    print("| backend | seed | failed calls/ep, last 50: 1 proc | N procs | ratio | wall s: 1 proc | N procs "
          "| same decisions |")
    print("|---|---|---|---|---|---|---|---|")
    for backend, seed, one, many, ratio, s1, sn, same, _ in rows:
        print(f"| {backend} | {seed} | {one:.2f} | {many:.2f} | {ratio:.2f} | {s1:.0f} | {sn:.0f} | "
              f"{'yes' if same else 'no'} |")
    for backend, seed, *_, diff in rows:
        if diff:
            print(f"{backend}, seed {seed}: decisions that differ (1 proc vs N procs): {diff}")


if __name__ == "__main__":
    main()
