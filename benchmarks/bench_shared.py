"""Shared learning: N processes on one library against one process running every episode.

Run: .venv/bin/python benchmarks/bench_shared.py [--episodes 300] [--procs 4] [--seeds 0-15] [--jobs 2]
     [--pg postgresql://127.0.0.1:5432/test] [--backends sqlite,postgres]

The demo world's episodes (the `skillevo` arm of bench_learning: the demo's lifecycle thresholds,
the hand-written candidate, a silent upgrade halfway) run in one process, and split over `--procs`
processes sharing one library (a SQLite file, and PostgreSQL when it answers): process k runs
episodes k, k + N, k + 2N, ..., all of them in lockstep (a barrier after each round), so the
episodes interleave in time as behind a load balancer. Each process has its own copy of the world
(an agent replica) and its own selector seed; what they share is the library, which is the point.

Per seed it prints failed calls per episode over the last 50 episodes (by episode index) of

* the one-process run (Evolver seed = the seed),
* a second one-process run that differs only in the Evolver's seed (the selector's and the test
  assignment's random draws: same world, same tasks, same policy): the noise floor of both the
  metric and the decisions,
* the N-process run on each backend,

with the N-process / one-process ratio (the target: at most 1.2) next to the one-process /
one-process ratio. Over seeds it prints each ratio of means with a 95% bootstrap interval (seeds
resampled with replacement): N / 1, the control other / 1 (what the same code gives one process
against another; an interval for N / 1 no narrower than this one cannot tell N processes from one),
and N / the mean of both one-process runs. `--jobs` seeds run at once, each in its own process. Lifecycle decisions are
compared as end states: the skills whose status (active, retired, testing, ...) differs between
two runs, counted over the skills either run made. Within the N-process run it checks that the
processes agree: every lifecycle transition in the log starts from the status the previous one
left (no decision taken twice, none taken from a status that had changed), and at the end every
process's view (its selector's posteriors and the statuses it reads) equals the store's.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from skillevo import EventKind, Evolver, LifecycleConfig, SkillLibrary
from skillevo.cli._demo_cmd import DEMO_CACHE_TTL_S, DEMO_LIFECYCLE
from skillevo.demo import POLICY_V1, POLICY_V2, EpisodeResult, World, add_authored_skills, make_task, run_episode

#: With several processes a library change made elsewhere reaches this one's trigger cache within
#: this many seconds (the one-process run keeps the demo's setting: every change is its own).
SHARED_CACHE_TTL_S = 0.5
#: The second one-process run's Evolver seed is the seed plus this.
OTHER_DRAWS = 7919
#: Bootstrap resamples behind each interval.
BOOTSTRAP_DRAWS = 10_000


def _evolver(lib: SkillLibrary, seed: int, cache_ttl_s: float) -> Evolver:
    return Evolver(
        lib,
        seed=seed,
        policy_version=POLICY_V1.version,
        lifecycle=LifecycleConfig(**DEMO_LIFECYCLE),
        cache_ttl_s=cache_ttl_s,
        # As the demo and bench_learning: simulated episodes take milliseconds, so `finish()` mines
        # (what background mining gives a live agent), and a one-process run is seeded, repeatable.
        mining="inline",
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


def _view(evo: Evolver, lib: SkillLibrary) -> dict[str, Any]:
    """What this process holds of the library: every skill's status, every arm's posterior."""
    posteriors = {}
    for p in lib.posteriors():
        a, b = evo.selector.posterior(p.key, p.arm)
        posteriors[f"{p.key}/{p.arm}"] = (round(a, 9), round(b, 9))
    return {"status": _decisions(lib), "posteriors": posteriors}


def _stored_view(lib: SkillLibrary) -> dict[str, Any]:
    posteriors = {f"{p.key}/{p.arm}": (round(p.alpha, 9), round(p.beta, 9)) for p in lib.posteriors()}
    return {"status": _decisions(lib), "posteriors": posteriors}


def _worker(location: str, k: int, procs: int, episodes: int, seed: int, barrier: Any) -> tuple[Any, ...]:
    try:
        with SkillLibrary(location) as lib:
            evo = _evolver(lib, seed * 1000 + k, SHARED_CACHE_TTL_S)
            indices = list(range(k, episodes, procs))
            rounds = -(-episodes // procs)
            out = _run(evo, indices, seed, episodes // 2, barrier)
            for _ in range(rounds - len(indices)):  # keep the lockstep when N does not divide the episodes
                barrier.wait()
            evo.flush()
            lib.flush()
            barrier.wait()  # everyone's last writes are in
            time.sleep(evo.selector.staleness_s)  # type: ignore[attr-defined]  # the bounded staleness
            return out, _view(evo, lib)
    except BaseException:
        barrier.abort()  # the others stop waiting for this one: the run fails as a whole, and says why
        raise


_BARRIER: Any = None


def _init(barrier: Any) -> None:
    global _BARRIER
    _BARRIER = barrier


def _pool_job(args: tuple[str, int, int, int, int]) -> tuple[Any, ...]:
    return _worker(*args, _BARRIER)


@dataclass
class Run:
    results: list[EpisodeResult]
    decisions: dict[str, str]
    seconds: float
    detections: int  # change detections the library counted, over every key
    bad_transitions: list[str]  # transitions that did not start from the status the previous one left
    views_differ: int = 0  # processes whose view at the end differs from the store's

    @property
    def failed_last(self) -> float:
        return failed_last(self.results)


def _audit(lib: SkillLibrary) -> tuple[int, list[str]]:
    """The library's detection count, and every lifecycle transition taken from a stale status."""
    last: dict[str, str | None] = {}
    bad = []
    for e in lib.events(kind=EventKind.LIFECYCLE) + lib.events(kind=EventKind.REVIEW):
        if e.version_id is None or "pending" in e.data:
            continue
        frm, to = e.data.get("from"), e.data.get("to")
        if e.version_id in last and (frm != last[e.version_id] or frm == to):
            bad.append(f"{e.version_id}: {frm} -> {to} after {last[e.version_id]}")
        last[e.version_id] = str(to)
    _, counters = lib.posterior_snapshot()
    return sum(c.detections for c in counters.values()), bad


def one_process(location: str, episodes: int, seed: int, evo_seed: int) -> Run:
    with SkillLibrary(location) as lib:
        evo = _evolver(lib, evo_seed, DEMO_CACHE_TTL_S)
        add_authored_skills(evo)
        t0 = time.perf_counter()
        results = _run(evo, range(episodes), seed, episodes // 2)
        elapsed = time.perf_counter() - t0
        evo.flush()
        return Run(results, _decisions(lib), elapsed, *_audit(lib))


def n_processes(location: str, episodes: int, seed: int, procs: int) -> Run:
    with SkillLibrary(location) as lib:  # the library and its hand-written candidate, made once
        add_authored_skills(_evolver(lib, seed, SHARED_CACHE_TTL_S))
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(procs)
    t0 = time.perf_counter()
    pool = ctx.Pool(procs, initializer=_init, initargs=(barrier,))
    try:
        parts = pool.map(_pool_job, [(location, k, procs, episodes, seed) for k in range(procs)])
    finally:
        # Workers end on their own (not Pool.terminate's SIGTERM, which skillevo's SIGTERM flush
        # handler turns into a flush first: a pool worker blocked on the task queue then lingers).
        pool.close()
        pool.join()
    elapsed = time.perf_counter() - t0
    results = sorted((r for part, _ in parts for r in part), key=lambda r: r.index)
    with SkillLibrary(location) as lib:
        stored = _stored_view(lib)
        run = Run(results, _decisions(lib), elapsed, *_audit(lib))
    run.views_differ = sum(view != stored for _, view in parts)
    return run


def failed_last(results: Sequence[EpisodeResult], n: int = 50) -> float:
    return statistics.fmean(r.failed_calls for r in results[-n:])


def differing(a: dict[str, str], b: dict[str, str]) -> list[str]:
    """The skills whose end status differs between two runs (a skill one run never made: '-')."""
    return sorted(f"{n}: {a.get(n, '-')} vs {b.get(n, '-')}" for n in set(a) | set(b) if a.get(n) != b.get(n))


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


def _ratio(a: float, b: float) -> float:
    return a / b if b else float("inf")


def _spread(values: Sequence[float]) -> str:
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.fmean(values):.2f} ± {sd:.2f}"


def ratio_ci(num: Sequence[float], den: Sequence[float], *, draws: int = BOOTSTRAP_DRAWS) -> tuple[float, float, float]:
    """The ratio of means sum(num) / sum(den) and its 95% percentile bootstrap interval, seeds
    resampled with replacement (paired: a resample takes both runs of the seeds it draws)."""
    n = len(num)
    rng = random.Random(0)  # the interval is repeatable: same rows, same bounds
    ratios = []
    for _ in range(draws):
        picks = [rng.randrange(n) for _ in range(n)]
        ratios.append(_ratio(sum(num[i] for i in picks), sum(den[i] for i in picks)))
    ratios.sort()
    return _ratio(sum(num), sum(den)), ratios[int(0.025 * draws)], ratios[int(0.975 * draws) - 1]


def _ci(num: Sequence[float], den: Sequence[float]) -> str:
    ratio, lo, hi = ratio_ci(num, den)
    return f"{ratio:.2f} [{lo:.2f}, {hi:.2f}]"


def _parse_seeds(text: str) -> list[int]:
    """``0,1,2`` or ``0-15`` (or both: ``0-3,8``)."""
    seeds: list[int] = []
    for part in text.split(","):
        first, _, last = part.strip().partition("-")
        seeds.extend(range(int(first), int(last or first) + 1))
    return seeds


Row = tuple[str, int, Run, Run, Run]  # backend, seed, N-process run, one-process run, other draws


def seed_rows(seed: int, episodes: int, procs: int, backends: Sequence[str], pg: str | None) -> list[Row]:
    """Every run of one seed: the two one-process runs, and the N-process run on each backend."""
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        single = one_process(str(Path(tmp) / "one.db"), episodes, seed, seed)
        other = one_process(str(Path(tmp) / "other.db"), episodes, seed, seed + OTHER_DRAWS)
        for backend in backends:
            schema = None
            if backend == "sqlite":
                location = str(Path(tmp) / "shared.db")
            elif backend == "postgres":
                if pg is None:
                    continue
                schema = f"bench_shared_{uuid.uuid4().hex[:8]}"
                location = f"{pg}?schema={schema}"
            else:
                raise SystemExit(f"unknown backend {backend!r}: use sqlite, postgres")
            try:
                shared = n_processes(location, episodes, seed, procs)
            finally:
                if schema is not None and pg is not None:
                    _drop_schema(pg, schema)
            rows.append((backend, seed, shared, single, other))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--episodes", type=int, default=300)
    parser.add_argument("--procs", type=int, default=4)
    parser.add_argument("--seeds", default="0-15", help="seeds: 0,1,2 or 0-15")
    parser.add_argument("--jobs", type=int, default=2, help="seeds run at once (each in its own process)")
    parser.add_argument("--pg", default="postgresql://127.0.0.1:5432/test")
    parser.add_argument("--backends", default="sqlite,postgres")
    args = parser.parse_args()
    seeds = _parse_seeds(args.seeds)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    pg = _pg_location(args.pg) if "postgres" in backends else None
    rows: list[Row] = []
    t0 = time.perf_counter()
    # Seeds are independent: several at once use the cores that one lockstep run leaves idle (its
    # processes mostly wait at the barrier). Each job spawns its own pool of N processes.
    with ProcessPoolExecutor(max(1, args.jobs), mp_context=mp.get_context("spawn")) as pool:
        jobs = [pool.submit(seed_rows, seed, args.episodes, args.procs, backends, pg) for seed in seeds]
        for job in as_completed(jobs):
            for row in job.result():
                rows.append(row)
                _row(row, args.procs)  # as it goes: a long run's rows so far are not lost
    rows.sort(key=lambda r: (backends.index(r[0]), r[1]))
    print(f"\n{len(seeds)} seeds in {time.perf_counter() - t0:.0f} s, {args.jobs} at a time")
    _report(rows, args.episodes, args.procs)


def _row(row: tuple[str, int, Run, Run, Run], procs: int) -> None:
    backend, seed, n, one, other = row
    union = len(set(one.decisions) | set(n.decisions) | set(other.decisions))
    print(
        f"| {backend} | {seed} | {one.failed_last:.2f} | {other.failed_last:.2f} | {n.failed_last:.2f} | "
        f"{_ratio(n.failed_last, one.failed_last):.2f} | {_ratio(other.failed_last, one.failed_last):.2f} | "
        f"{len(differing(one.decisions, n.decisions))} | {len(differing(one.decisions, other.decisions))} | "
        f"{union} | {one.detections} / {other.detections} / {n.detections} | {len(n.bad_transitions)} | "
        f"{n.views_differ} of {procs} | {one.seconds:.0f} / {n.seconds:.0f} |",
        flush=True,
    )


def _report(rows: Sequence[tuple[str, int, Run, Run, Run]], episodes: int, procs: int) -> None:
    print(f"\n{episodes} episodes of the demo world; failed calls per episode over the last 50; 1 process "
          f"(seed s), 1 process (other draws), {procs} processes on one library")
    print("| backend | seed | 1 proc | 1 proc, other draws | N procs | N / 1 | other / 1 | skills that differ: "
          "N vs 1 | other vs 1 | of | detections 1 / other / N | stale transitions | views != store | "
          "wall s 1 / N |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        _row(row, procs)
    for backend in dict.fromkeys(r[0] for r in rows):
        mine = [r for r in rows if r[0] == backend]
        ones = [r[3].failed_last for r in mine]
        many = [r[2].failed_last for r in mine]
        others = [r[4].failed_last for r in mine]
        both = [(a + b) / 2 for a, b in zip(ones, others, strict=True)]
        print(
            f"{backend}, {len(mine)} seeds (mean ± sd): 1 proc {_spread(ones)}, other draws {_spread(others)}, "
            f"N procs {_spread(many)}; ratio of means [95% bootstrap interval over seeds]: N / 1 {_ci(many, ones)}, "
            f"other / 1 {_ci(others, ones)} (the control: what the same code gives one process against another), "
            f"N / mean of both one-process runs {_ci(many, both)}; skills that differ N vs 1 "
            f"{_spread([len(differing(r[3].decisions, r[2].decisions)) for r in mine])}, other vs 1 "
            f"{_spread([len(differing(r[3].decisions, r[4].decisions)) for r in mine])}; lifecycle checks over "
            f"{len(mine)} N-process runs: stale or repeated transitions {sum(len(r[2].bad_transitions) for r in mine)}, "
            f"process views != store {sum(r[2].views_differ for r in mine)}, change detections N "
            f"{_spread([r[2].detections for r in mine])} vs 1 {_spread([r[3].detections for r in mine])} vs other "
            f"{_spread([r[4].detections for r in mine])}"
        )
    for backend, seed, n, one, other in rows:
        print(f"{backend}, seed {seed}: N vs 1: {'; '.join(differing(one.decisions, n.decisions)) or 'none'}")
        print(f"{backend}, seed {seed}: other vs 1: {'; '.join(differing(one.decisions, other.decisions)) or 'none'}")
        for line in n.bad_transitions + one.bad_transitions:
            print(f"{backend}, seed {seed}: stale transition {line}")


if __name__ == "__main__":
    main()
