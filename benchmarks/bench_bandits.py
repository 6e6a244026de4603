"""Regret of skillevo's selector against the usual non-stationary Thompson-sampling baselines.

Run: .venv/bin/python benchmarks/bench_bandits.py [--seeds 20] [--jobs 2]
For each (problem, seed) every policy runs in one process on the same pre-drawn rewards
(reward[t, arm]), so the comparison is paired; (problem, seed) tasks are spread over --jobs
processes. Regret is pseudo-regret: sum over t of (best mean at t - mean of the
chosen arm at t).
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from skillevo import ThompsonSelector

T = 5000
ARMS = ["a", "b", "c"]


def piecewise(means: list[list[float]], changes: list[int]) -> np.ndarray:
    out = np.empty((T, len(means[0])))
    bounds = [0, *changes, T]
    for seg, (lo, hi) in enumerate(itertools.pairwise(bounds)):
        out[lo:hi] = means[seg]
    return out


PROBLEMS: dict[str, tuple[np.ndarray, list[int]]] = {
    "(1) stationary": (piecewise([[0.7, 0.5, 0.3]], []), []),
    "(2) piecewise": (piecewise([[0.7, 0.5, 0.3], [0.4, 0.5, 0.8], [0.4, 0.9, 0.8]], [1667, 3333]), []),
    # Besson et al. 2019 (arXiv:1902.01575), Problem 1, as in SMPyBandits' non-stationary configuration.
    "(3) Besson P1": (
        piecewise(
            [[0.3, 0.5, 0.9], [0.3, 0.2, 0.9], [0.3, 0.2, 0.1], [0.7, 0.2, 0.1], [0.7, 0.5, 0.1]],
            [1000, 2000, 3000, 4000],
        ),
        [],
    ),
    "(4) gradual drift": (
        np.stack([np.linspace(0.8, 0.2, T), np.linspace(0.2, 0.8, T), np.full(T, 0.45)], axis=1),
        [],
    ),
    "(5) announced": (piecewise([[0.7, 0.5, 0.3], [0.4, 0.5, 0.8], [0.4, 0.9, 0.8]], [1667, 3333]), [1667, 3333]),
}

POLICIES: dict[str, Callable[[int], ThompsonSelector]] = {
    "plain TS": lambda s: ThompsonSelector("none", seed=s),
    "DTS gamma=.95": lambda s: ThompsonSelector(("fixed", 0.95), seed=s),
    "DTS gamma=.99": lambda s: ThompsonSelector(("fixed", 0.99), seed=s),
    "SW-TS n=238": lambda s: ThompsonSelector(("window", 238), seed=s),
    "ReSkill M-fit": lambda s: ThompsonSelector("reskill", seed=s),
    "skillevo adaptive": lambda s: ThompsonSelector("adaptive", seed=s),
}


def run(policy: ThompsonSelector, means: np.ndarray, rewards: np.ndarray, announced: list[int]) -> float:
    best = means.max(axis=1)
    regret = 0.0
    announce = set(announced)
    for t in range(T):
        if t in announce:
            policy.notify_change("site")
        arm = policy.choose("site", ARMS)
        i = ARMS.index(arm)
        regret += best[t] - means[t, i]
        policy.update("site", arm, float(rewards[t, i]))
    return regret


def run_task(problem: str, seed: int) -> dict[str, float]:
    """Every policy on one problem and one seed's reward draws."""
    means, announced = PROBLEMS[problem]
    rng = np.random.default_rng(10_000 + seed)
    rewards = (rng.random(means.shape) < means).astype(float)
    return {name: run(make(seed), means, rewards, announced) for name, make in POLICIES.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    args = parser.parse_args()
    results: dict[str, dict[str, list[float]]] = {p: {q: [] for q in PROBLEMS} for p in POLICIES}
    tasks = [(problem, seed) for problem in PROBLEMS for seed in range(args.seeds)]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for (problem, _), regrets in zip(tasks, pool.map(run_task, *zip(*tasks, strict=True)), strict=True):
            for name, regret in regrets.items():
                results[name][problem].append(regret)
    elapsed = time.perf_counter() - t0

    print(f"cumulative regret, mean +- sd over {args.seeds} seeds, T = {T} ({elapsed:.0f} s, {args.jobs} processes)\n")
    header = f"{'policy':<20}" + "".join(f"{p:>20}" for p in PROBLEMS)
    print(header)
    for name in POLICIES:
        cells = []
        for problem in PROBLEMS:
            vals = results[name][problem]
            cells.append(f"{statistics.mean(vals):8.1f} +- {statistics.stdev(vals):5.1f}")
        print(f"{name:<20}" + "".join(f"{c:>20}" for c in cells))

    base = statistics.mean(results["plain TS"]["(1) stationary"])
    print("\n(stationary, piecewise) pairs and the stationary cost vs plain TS:")
    for name in POLICIES:
        s = statistics.mean(results[name]["(1) stationary"])
        p = statistics.mean(results[name]["(2) piecewise"])
        print(f"  {name:<20} ({s:6.1f}, {p:6.1f})   stationary x{s / base:.2f} of plain TS")

    sel = ThompsonSelector(seed=0)
    arms = [f"v{i}" for i in range(7)] + ["null"]
    for i, a in enumerate(arms):
        for _ in range(20):
            sel.update("k", a, float(i % 2))
    times = []
    for _ in range(20_000):
        t = time.perf_counter()
        sel.choose("k", arms)
        times.append(time.perf_counter() - t)
    print(f"\nchoose() over 8 arms: median {statistics.median(times) * 1e6:.1f} us")


if __name__ == "__main__":
    main()
