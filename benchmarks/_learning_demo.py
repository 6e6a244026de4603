"""The learning benchmark on the bundled demo world: skillevo against the alternatives, over seeds.

Each (arm, seed) runs the same seeded episodes (same tasks, same policy random streams, same
world outages) through the framework-neutral driver of `skillevo.demo`; halfway the policy is
upgraded to v2 and the flights API migrates (see docs/demo.md). The upgrade is *silent* here:
nobody sets ``evo.policy_version``, as when a provider moves a model alias under you, so what
happens after it depends on each arm noticing the change from outcomes alone. (``skillevo demo``
announces the upgrade instead, which resets every posterior at once.)

Arms (names are the table's):

* ``no skills``: the agent alone.
* ``skillevo``: ``Evolver`` with its defaults (RuleMiner, adaptive ThompsonSelector, null arm),
  with the demo's lifecycle thresholds and cache setting (`skillevo demo` runs the same Evolver)
  and the team's hand-written pagination skill as a candidate.
* ``static library``: the same miner and the same hand-written skill, but no bandit and no
  lifecycle: every skill mined during the first 20% of the episodes is always applied, and the
  library is frozen after that (no more mining).
* ``naive memory``: no skills; the last K=5 error messages are shown as notes in the system
  prompt (Reflexion-style; `skillevo.demo.Notes`).
* ``no discounting``: ``skillevo`` with ``ThompsonSelector(discount="none")``.
* ``no null arm``: ``skillevo`` with ``Evolver(..., null_arm=False)``.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from skillevo import NULL_ARM, Evolver, LifecycleConfig, SkillLibrary, ThompsonSelector
from skillevo.cli._demo_cmd import DEMO_CACHE_TTL_S, DEMO_LIFECYCLE
from skillevo.demo import POLICY_V1, EpisodeResult, Notes, add_authored_skills, run_neutral, summarize

__all__ = ["ARMS", "METRICS", "AlwaysApplySelector", "format_table", "run", "run_arm"]

ARMS = ("no skills", "skillevo", "static library", "naive memory", "no discounting", "no null arm")
#: metric -> (column label, format)
METRICS: dict[str, tuple[str, str]] = {
    "success": ("success", "{:.1%}"),
    "failed_calls": ("failed calls/ep", "{:.2f}"),
    "model_turns": ("model turns/ep", "{:.2f}"),
    "prompt_tokens": ("extra prompt tokens/turn", "{:.0f}"),
}
PHASES = ("before", "after")
STATIC_SHARE = 0.2
NOTES_K = 5


class AlwaysApplySelector(ThompsonSelector):
    """No bandit: always apply the first live version at a call site, learn nothing.

    Its posteriors stay at the prior, so the lifecycle never promotes, rejects or retires anything:
    the library is whatever the miner produced.
    """

    def choose(self, key: str, arms: Sequence[str]) -> str:
        """The first arm that is a version (the null arm only when it is the only one)."""
        return next((a for a in arms if a != NULL_ARM), arms[0])

    def update(self, key: str, arm: str, reward: float) -> None:
        """Nothing is learned."""

    def posterior(self, key: str, arm: str) -> tuple[float, float]:
        """Always the prior."""
        return 1.0, 1.0

    def propensity(self, key: str, arms: Sequence[str], arm: str) -> float:
        """Deterministic choice."""
        return 1.0 if arm == self.choose(key, arms) else 0.0

    def prob_better(self, key: str, a: str, b: str) -> float:
        """Undecided, always."""
        return 0.5


def _evolver(arm: str, seed: int) -> Evolver:
    lib = SkillLibrary(":memory:")
    lifecycle = LifecycleConfig(**DEMO_LIFECYCLE)
    kwargs: dict[str, Any] = {
        "seed": seed,
        "policy_version": POLICY_V1.version,
        "lifecycle": lifecycle,
        "cache_ttl_s": DEMO_CACHE_TTL_S,  # reproducible: see skillevo/cli/_demo_cmd.py
    }
    if arm == "no discounting":
        kwargs["selector"] = ThompsonSelector(discount="none", seed=seed)
    elif arm == "no null arm":
        kwargs["null_arm"] = False
    elif arm == "static library":
        kwargs["selector"] = AlwaysApplySelector(seed=seed)
        kwargs["null_arm"] = False
    # Back-to-back simulated episodes: mining in finish() (seeded, repeatable), as a live agent's pace allows.
    evo = Evolver(lib, mining="inline", **kwargs)
    add_authored_skills(evo)
    return evo


def _phases(results: Sequence[EpisodeResult], upgrade_at: int) -> dict[str, dict[str, float]]:
    out = {}
    for phase, part in (("before", results[:upgrade_at]), ("after", results[upgrade_at:])):
        s = summarize(part)
        out[phase] = {m: s[m] for m in METRICS}
    return out


def run_arm(arm: str, seed: int, episodes: int) -> dict[str, dict[str, float]]:
    """One arm on one seed: phase ("before"/"after" the upgrade) -> metric -> value."""
    if arm not in ARMS:
        raise ValueError(f"unknown arm {arm!r}; arms: {', '.join(ARMS)}")
    upgrade_at = episodes // 2
    if arm == "no skills":
        results = run_neutral(episodes, seed, None, upgrade_at=upgrade_at)
    elif arm == "naive memory":
        results = run_neutral(episodes, seed, None, upgrade_at=upgrade_at, notes=Notes(k=NOTES_K))
    else:
        evo = _evolver(arm, seed)
        freeze_at = int(episodes * STATIC_SHARE) if arm == "static library" else None

        def evo_for(i: int) -> Evolver:
            if freeze_at is not None and i == freeze_at:
                evo.miner = None
            return evo

        try:
            results = run_neutral(episodes, seed, evo_for, upgrade_at=upgrade_at, announce=False)
        finally:
            evo.store.close()  # type: ignore[attr-defined]
    return _phases(results, upgrade_at)


def _job(job: tuple[str, int, int]) -> tuple[str, int, dict[str, dict[str, float]]]:
    arm, seed, episodes = job
    return arm, seed, run_arm(arm, seed, episodes)


def run(
    seeds: Sequence[int], episodes: int = 300, *, jobs: int = 1, arms: Sequence[str] = ARMS
) -> dict[str, dict[str, dict[str, float]]]:
    """Every arm on every seed: arm -> phase -> metric -> mean over seeds.

    Args:
        seeds: the seeds (each seeds the world, the tasks, the policy and the selector).
        episodes: episodes per run; the upgrade happens after half of them.
        jobs: worker processes.
        arms: which arms to run (default: all six).
    """
    todo = [(arm, seed, episodes) for arm in arms for seed in seeds]
    per: dict[str, list[dict[str, dict[str, float]]]] = {arm: [] for arm in arms}
    if jobs <= 1:
        done = [_job(j) for j in todo]
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            done = list(pool.map(_job, todo))
    for arm, _seed, res in done:
        per[arm].append(res)
    out: dict[str, dict[str, dict[str, float]]] = {}
    for arm, runs in per.items():
        out[arm] = {}
        for phase in PHASES:
            cell = {m: statistics.fmean(r[phase][m] for r in runs) for m in METRICS}
            cell |= {f"{m}_sd": statistics.stdev(r[phase][m] for r in runs) if len(runs) > 1 else 0.0 for m in METRICS}
            if arm != "skillevo" and "skillevo" in per:
                # Paired by seed (same tasks, outages and policy streams): the share of seeds where
                # skillevo's success is higher (ties count half).
                ours = [r[phase]["success"] for r in per["skillevo"]]
                theirs = [r[phase]["success"] for r in runs]
                cell["skillevo_ahead"] = statistics.fmean(
                    1.0 if a > b else 0.5 if a == b else 0.0 for a, b in zip(ours, theirs, strict=True)
                )
            out[arm][phase] = cell
    return out


def format_table(results: dict[str, dict[str, dict[str, float]]]) -> str:
    """A plain-text table: one row per arm; each cell is "before -> after" the upgrade (means over seeds)."""
    header = ["arm", *(METRICS[m][0] for m in METRICS)]
    rows = [header]
    for arm, phases in results.items():
        row = [arm]
        for m, (_label, fmt) in METRICS.items():
            cells = []
            for p in PHASES:
                cell = fmt.format(phases[p][m])
                sd = phases[p].get(f"{m}_sd")
                if m == "success" and sd:
                    cell += f" (sd {sd * 100:.1f})"
                cells.append(cell)
            row.append(" -> ".join(cells))
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = []
    for k, r in enumerate(rows):
        cells = [c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))]
        lines.append("  ".join(cells).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines.append("(each cell: before -> after the policy upgrade; success as a rate, sd in points over seeds)")
    others = [a for a in results if a != "skillevo"]
    if "skillevo" in results and others:
        best = max(others, key=lambda a: results[a]["after"]["success"])
        ours = results["skillevo"]["after"]["success"]
        margin = ours - results[best]["after"]["success"]
        verdict = "beats" if margin > 0 else "does NOT beat"
        lines.append(
            f"after the upgrade, skillevo {verdict} every baseline on success: {ours:.1%} vs the best other "
            f"arm ({best}) {results[best]['after']['success']:.1%} ({margin * 100:+.1f} points)"
        )
        ahead = [
            f"{a} {results[a]['after']['skillevo_ahead']:.0%}"
            for a in others
            if "skillevo_ahead" in results[a]["after"]
        ]
        if ahead:
            lines.append("seeds where skillevo's success after the upgrade is higher (paired): " + ", ".join(ahead))
    return "\n".join(lines)
