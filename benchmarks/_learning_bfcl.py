"""The learning benchmark on BFCL multi-turn: skillevo against the alternatives, before and after a policy upgrade.

Run alone: ``.venv/bin/python benchmarks/_learning_bfcl.py --seeds 5`` (``bench_learning.py`` calls
`run` and `format_table`). Needs ``bfcl-eval`` (``make bench-deps``).

Each seed runs every arm over the same shuffled sequence of BFCL ``multi_turn_base`` tasks: a
scripted policy (`_bfcl_policy`) replays each task's ground truth with seeded argument mistakes,
self-corrects after error messages with some probability, and follows guidance per its stated
comprehension model. Tool calls go through skillevo's framework-neutral episode API exactly as an
adapter makes them (pre-emptive repair, then repair-and-retry on an error, BFCL's ``{"error": ...}``
results included). The reward is BFCL's state check. Midway the policy is upgraded (its mistake
mix changes) and the upgrade is announced to the Evolver (``policy_version``).

Arms (each on a fresh ``SkillLibrary(":memory:")``):

* ``no skills`` -- the policy alone;
* ``skillevo`` -- ``Evolver(lib, seed=seed)``;
* ``static library`` -- skillevo for the first 20% of episodes, then frozen: no miner, per skill the
  version active at that point (else the one under test) always applied (`FrozenSelector`), no
  lifecycle decisions;
* ``naive memory`` -- the last K error messages shown as notes (Reflexion-style), no skillevo;
* ``no discounting`` -- ``Evolver(lib, selector=ThompsonSelector(discount="none", seed=seed))``;
* ``no null arm`` -- ``Evolver(lib, seed=seed, null_arm=False)``.

Metrics per episode: ``success`` (state check), ``failed_calls`` (tool calls that failed, retries
included), ``model_turns`` (one per call the policy issues, re-issued calls included, plus one reply
per user turn) and ``prompt_tokens`` (extra system-prompt tokens, summed over the episode's model
turns).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bfcl_env import (
    Backends,
    BfclTask,
    bfcl_available,
    ground_truth_calls,
    load_tasks,
    replay_ground_truth,
    tool_specs,
)
from _bfcl_frozen import FROZEN_LIFECYCLE, FrozenSelector, frozen_versions
from _bfcl_policy import (
    POLICY_V1,
    POLICY_V2,
    Mistake,
    PolicyConfig,
    addressed,
    apply_mistakes,
    draw_mistakes,
    follow_probability,
)

from skillevo import Evolver, SkillLibrary, ThompsonSelector
from skillevo._detect import detect_failure
from skillevo._guidance import estimate_tokens
from skillevo.demo._runner import Notes

__all__ = [
    "ARMS",
    "CAUSES",
    "METRICS",
    "Diagnosis",
    "FrozenSelector",
    "diagnose",
    "format_diagnosis",
    "format_table",
    "run",
    "run_arm",
]

ARMS = ("no skills", "skillevo", "static library", "naive memory", "no discounting", "no null arm")
METRICS = ("success", "failed_calls", "model_turns", "prompt_tokens")
DEFAULT_EPISODES = 160
STATIC_SHARE = 0.2
NOTES_K = 5
MAX_REPAIRED_RETRIES = 3




@dataclass
class EpisodeResult:
    """The outcome and costs of one episode."""

    index: int
    task: str
    policy: str
    success: bool
    failed_calls: int
    tool_calls: int
    model_turns: int
    prompt_tokens: int
    mistakes: int
    gave_up: int


class _Counters:
    def __init__(self) -> None:
        self.failed = 0
        self.calls = 0


#: Why a failed call went back to the model (``--diagnose``).
CAUSES = ("no skill", "no repair applies", "no episode")


class Diagnosis:
    """Counts, per phase, the failed calls skillevo handed back to the model (each costs a model turn), by cause.

    * ``no skill``: no live ``tool_error`` skill matches the tool and error (nothing learned yet for it);
    * ``no repair applies``: skills match, but no live version's repair changes these arguments (a
      missing value no edit can supply, or a new mistake on a tool that has skills for other ones);
    * ``no episode``: a repair applies but was not tried on this call.

    ``first`` counts, over all causes, those in the first episode that showed their (tool, error
    signature): no learner that learns from finished episodes could have fixed them.

    A failed call an Evolver repaired and retried costs no model turn and is not counted here.
    """

    def __init__(self, upgrade_at: int) -> None:
        self.upgrade_at = upgrade_at
        self.index = 0
        self.counts: dict[tuple[str, str], int] = {}
        self.first = {"before": 0, "after": 0}
        self._seen: dict[str, int] = {}

    def record(self, ep: Any, name: str, args: dict[str, Any], error: Any) -> None:
        """Classify one failed call that `ep.on_tool_error` did not repair."""
        from skillevo._detect import classify_error, error_signature
        from skillevo._models import TriggerKind
        from skillevo._repair_plan import error_parts, may_repair

        phase = "before" if self.index < self.upgrade_at else "after"
        error_type, message = error_parts(error)
        category = classify_error(message, error_type)
        skills = [
            sk
            for sk in ep.evo.triggers.match(TriggerKind.TOOL_ERROR, name)
            if any(
                sk.trigger.matches(tool=name, error_type=t, text=message, task=ep.episode.task)
                for t in (error_type, category)
            )
        ]
        sig = f"{name}\x00{error_signature(message)}"
        if self._seen.setdefault(sig, self.index) == self.index:
            self.first[phase] += 1
        if not skills:
            cause = "no skill"
        elif not any(may_repair(v, args) for sk in skills for v in sk.versions):
            cause = "no repair applies"
        else:
            cause = "no episode"  # a repair applies but was not tried (e.g. tried on this call already)
        self.counts[phase, cause] = self.counts.get((phase, cause), 0) + 1


def _error_text(result: Any) -> str:
    failure = detect_failure(result)
    return failure.message if failure is not None else str(result)


def _rejected(backends: Backends, name: str, args: dict[str, Any]) -> bool:
    """Whether the tools reject this call (tried on a copy of the state)."""
    probe = backends.snapshot()
    try:
        result = probe.call(name, args)
    except Exception:
        return True
    return detect_failure(result) is not None


def execute_call(
    backends: Backends,
    ep: Any,
    name: str,
    args: dict[str, Any],
    counters: _Counters,
    notes: Notes | None,
    diagnosis: Diagnosis | None = None,
) -> tuple[Any, bool]:
    """One tool call as an adapter makes it: pre-emptive repair, the call, repair-and-retry on error.

    Returns:
        (what the model sees, whether it is an error).
    """
    if ep is not None:
        args = ep.before_tool(name, args)
    for _ in range(MAX_REPAIRED_RETRIES + 1):
        counters.calls += 1
        try:
            out: Any = backends.call(name, args)
        except Exception as exc:
            counters.failed += 1
            message = f"{type(exc).__name__}: {exc}"
            if notes is not None:
                notes.add(name, message)
            retry = ep.on_tool_error(name, args, exc) if ep is not None else None
            if retry is None:
                if diagnosis is not None and ep is not None:
                    diagnosis.record(ep, name, args, exc)
                return f"Error: {message}", True
            args = retry
            continue
        failed = ep.on_tool_result(name, args, out) if ep is not None else detect_failure(out) is not None
        if not failed:
            return out, False
        counters.failed += 1
        if notes is not None:
            notes.add(name, _error_text(out))
        retry = ep.on_tool_error(name, args, out) if ep is not None else None
        if retry is None:
            if diagnosis is not None and ep is not None:
                diagnosis.record(ep, name, args, out)
            return out, True
        args = retry
    return "Error: too many retries", True


def run_episode(
    task: BfclTask,
    config: PolicyConfig,
    index: int,
    seed: int,
    ep: Any = None,
    notes: Notes | None = None,
    diagnosis: Diagnosis | None = None,
) -> EpisodeResult:
    """One task: the policy replays its ground truth with mistakes; finishes `ep` with the state check."""
    rng = random.Random(f"bfcl|{seed}|{index}")
    backends = Backends(task)
    specs = tool_specs()
    counters = _Counters()
    turns = prompt_tokens = n_mistakes = gave_up = 0

    def model_turn() -> tuple[str, int]:
        nonlocal turns, prompt_tokens
        extra = ep.guidance(tools=backends.tools) if ep is not None else ""
        if notes is not None:
            note_text = notes.text()  # "- tool failed: message" items
            extra = f"{extra}\n\n{note_text}" if extra and note_text else (extra or note_text)
        tokens = estimate_tokens(extra) if extra else 0
        turns += 1
        prompt_tokens += tokens
        return extra, tokens

    for turn_calls in ground_truth_calls(task):
        for name, gt_args in turn_calls:
            extra, tokens = model_turn()
            mistakes = draw_mistakes(
                config, specs[name], gt_args, rng, lambda a, n=name: _rejected(backends, n, a), seed
            )
            p_follow = follow_probability(config, tokens)
            mistakes = [m for m in mistakes if not (addressed(m, extra) and rng.random() < p_follow)]
            n_mistakes += len(mistakes)
            for attempt in range(1, config.max_attempts + 1):
                seen, failed = execute_call(
                    backends, ep, name, apply_mistakes(gt_args, mistakes), counters, notes, diagnosis
                )
                if not failed:
                    break
                if attempt == config.max_attempts:
                    gave_up += 1
                    break
                extra, tokens = model_turn()  # the model reads the error and re-issues the call
                if mistakes and rng.random() < config.p_fix:
                    mistakes = _fix_one(mistakes, _error_text(seen), extra, config, tokens, rng)
        model_turn()  # the reply that ends the user's turn
    expected, _ = replay_ground_truth(task)
    success = backends.same_state(expected)
    if ep is not None:
        ep.finish(reward=1.0 if success else 0.0)
    return EpisodeResult(
        index=index,
        task=task.id,
        policy=config.version,
        success=success,
        failed_calls=counters.failed,
        tool_calls=counters.calls,
        model_turns=turns,
        prompt_tokens=prompt_tokens,
        mistakes=n_mistakes,
        gave_up=gave_up,
    )


def _fix_one(
    mistakes: list[Mistake], error: str, extra: str, config: PolicyConfig, tokens: int, rng: random.Random
) -> list[Mistake]:
    """After an error: correct one mistake (one the message names, else the first), and any other the
    prompt now makes the policy avoid."""
    named = [m for m in mistakes if any(n and re.search(rf"\b{re.escape(n)}\b", error) for n in (m.arg, m.wrong_arg))]
    fixed = (named or mistakes)[0]
    rest = [m for m in mistakes if m is not fixed]
    p_follow = follow_probability(config, tokens)
    return [m for m in rest if not (addressed(m, extra) and rng.random() < p_follow)]


def task_sequence(tasks: Sequence[BfclTask], episodes: int, seed: int) -> list[BfclTask]:
    """`episodes` tasks in a seeded order (cycling through a fresh shuffle when more are asked for)."""
    rng = random.Random(f"order|{seed}")
    out: list[BfclTask] = []
    while len(out) < episodes:
        batch = list(tasks)
        rng.shuffle(batch)
        out.extend(batch)
    return out[:episodes]


_TASKS: list[BfclTask] | None = None
#: The BFCL multi-turn category the tasks come from (``--category``; set before any task is loaded).
CATEGORY = "multi_turn_base"
#: Declare every tool's JSON schema to the Evolvers (the default; ``--no-schemas`` to leave them
#: out), as the adapters do with LangChain / CrewAI ``args_schema``: calls that break a schema get a
#: candidate repair before they fail, and learned argument repairs transfer to tools not called yet.
SCHEMAS = True


def usable_tasks() -> list[BfclTask]:
    """The category's tasks whose ground truth the tool layer accepts (all but a few)."""
    global _TASKS
    if _TASKS is None:
        kept = []
        for task in load_tasks(CATEGORY):
            _, results = replay_ground_truth(task)
            if not any(isinstance(r, Exception) or detect_failure(r) is not None for r in results):
                kept.append(task)
        _TASKS = kept
    return _TASKS


def run_arm(
    arm: str, seed: int, episodes: int = DEFAULT_EPISODES, diagnosis: Diagnosis | None = None
) -> list[EpisodeResult]:
    """Run one arm for one seed; the policy upgrade happens at episode ``episodes // 2``.

    With `diagnosis`, the failed calls the Evolver handed back to the model are classified into it.
    """
    if arm not in ARMS:
        raise ValueError(f"unknown arm {arm!r}; choose from {', '.join(ARMS)}")
    upgrade_at = episodes // 2
    freeze_at = max(1, round(episodes * STATIC_SHARE))
    sequence = task_sequence(usable_tasks(), episodes, seed)
    lib = SkillLibrary(":memory:") if arm not in ("no skills", "naive memory") else None
    evo: Evolver | None = None
    if lib is not None:
        # An infinite trigger-cache TTL: this Evolver is the library's only writer and refreshes its
        # cache on each change; a wall-clock TTL would make runs of one seed depend on machine speed.
        ttl = float("inf")
        if arm == "no discounting":
            evo = Evolver(lib, selector=ThompsonSelector(discount="none", seed=seed), seed=seed, cache_ttl_s=ttl, mining="inline")
        elif arm == "no null arm":
            evo = Evolver(lib, seed=seed, null_arm=False, cache_ttl_s=ttl, mining="inline")
        else:
            # Back-to-back simulated episodes: mining in finish(), seeded and repeatable.
            evo = Evolver(lib, seed=seed, cache_ttl_s=ttl, mining="inline")
        evo.policy_version = POLICY_V1.version
        if SCHEMAS:
            evo.register_tools(
                {name: {"properties": spec.properties, "required": list(spec.required)}
                 for name, spec in tool_specs().items()}
            )
    notes = Notes(k=NOTES_K) if arm == "naive memory" else None
    out: list[EpisodeResult] = []
    config = POLICY_V1
    try:
        for i, task in enumerate(sequence):
            if i == upgrade_at:
                config = POLICY_V2
            if arm == "static library" and i == freeze_at and lib is not None:
                active = frozen_versions(lib)
                evo = Evolver(
                    lib, miner=None, selector=FrozenSelector(active), seed=seed, lifecycle=FROZEN_LIFECYCLE,
                    cache_ttl_s=float("inf"),
                )
            if evo is not None:
                if arm != "static library" and evo.policy_version != config.version:
                    evo.policy_version = config.version
                if diagnosis is not None:
                    diagnosis.index = i
                with evo.episode(task=task.text, metadata={"bfcl_id": task.id}) as ep:
                    out.append(run_episode(task, config, i, seed, ep, notes, diagnosis))
            else:
                out.append(run_episode(task, config, i, seed, None, notes))
    finally:
        if lib is not None:
            lib.close()
    return out


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def summarize(results: Sequence[EpisodeResult]) -> dict[str, float]:
    """Mean of each metric per episode."""
    return {
        "success": _mean([float(r.success) for r in results]),
        "failed_calls": _mean([float(r.failed_calls) for r in results]),
        "model_turns": _mean([float(r.model_turns) for r in results]),
        "prompt_tokens": _mean([float(r.prompt_tokens) for r in results]),
    }


def run(
    seeds: Sequence[int],
    episodes: int | None = None,
    *,
    arms: Sequence[str] = ARMS,
    on_run: Callable[[str, int, list[EpisodeResult]], None] | None = None,
    workers: int | None = None,
) -> dict[str, dict[str, dict[str, float]]]:
    """arm -> phase ("before" / "after" the policy upgrade) -> metric -> mean over `seeds`.

    The (arm, seed) runs are spread over `workers` processes (default: up to 2).
    """
    reason = bfcl_available()
    if reason is not None:
        raise RuntimeError(reason)
    if not seeds:
        raise ValueError("seeds: give at least one seed")
    n = DEFAULT_EPISODES if episodes is None else int(episodes)
    if n < 2:
        raise ValueError(f"episodes: need at least 2 (got {n})")
    upgrade_at = n // 2
    jobs = [(arm, seed) for arm in arms for seed in seeds]
    done: dict[tuple[str, int], list[EpisodeResult]] = {}
    n_workers = max(1, min(workers if workers is not None else min(2, os.cpu_count() or 1), len(jobs)))
    if n_workers == 1:
        for arm, seed in jobs:
            done[arm, seed] = run_arm(arm, seed, n)
            if on_run is not None:
                on_run(arm, seed, done[arm, seed])
    else:
        # Every (arm, seed) run is independent and seeded: running them in parallel changes nothing.
        usable_tasks()  # load once, before the workers fork
        with ProcessPoolExecutor(max_workers=n_workers) as pool:
            futures = {pool.submit(run_arm, arm, seed, n): (arm, seed) for arm, seed in jobs}
            for future in as_completed(futures):
                arm, seed = futures[future]
                done[arm, seed] = future.result()
                if on_run is not None:
                    on_run(arm, seed, done[arm, seed])
    table: dict[str, dict[str, dict[str, float]]] = {}
    for arm in arms:
        per_phase: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
        for seed in seeds:
            results = done[arm, seed]
            per_phase["before"].append(summarize(results[:upgrade_at]))
            per_phase["after"].append(summarize(results[upgrade_at:]))
        table[arm] = {phase: {m: _mean([s[m] for s in rows]) for m in METRICS} for phase, rows in per_phase.items()}
    return table


def diagnose(seeds: Sequence[int], episodes: int = DEFAULT_EPISODES, arm: str = "skillevo") -> list[Diagnosis]:
    """Run `arm` (an Evolver arm) for each seed, classifying the failed calls it handed back to the model."""
    out = []
    for seed in seeds:
        diagnosis = Diagnosis(episodes // 2)
        run_arm(arm, seed, episodes, diagnosis)
        out.append(diagnosis)
    return out


def format_diagnosis(diagnoses: Sequence[Diagnosis], seeds: int, episodes: int) -> str:
    """Per phase: unrepaired failed calls per episode by cause (mean over seeds)."""
    half = {"before": episodes // 2, "after": episodes - episodes // 2}
    lines = [
        "| phase | " + " | ".join(CAUSES) + " | of all: in the first episode of their (tool, error signature) |",
        "|---|---|---|---|---|",
    ]
    for phase in ("before", "after"):
        cells = [f"{_mean([d.counts.get((phase, c), 0) / half[phase] for d in diagnoses]):.2f}" for c in CAUSES]
        first = _mean([d.first[phase] / half[phase] for d in diagnoses])
        lines.append(f"| {phase} | " + " | ".join(cells) + f" | {first:.2f} |")
    return (
        f"Unrepaired failed calls per episode (each costs a model turn), {seeds} seeds x {episodes} episodes:\n"
        + "\n".join(lines)
    )


def format_table(results: dict[str, dict[str, dict[str, float]]]) -> str:
    """A Markdown table: one row per arm, metrics before / after the upgrade, and changes vs "no skills"."""
    header = (
        "| arm | success before | success after | failed calls/ep before | failed calls/ep after "
        "| model turns/ep before | model turns/ep after | prompt tokens/ep before | prompt tokens/ep after |"
    )
    lines = [header, "|" + "---|" * 9]
    base = results.get("no skills")

    def cell(arm: str, phase: str, metric: str) -> str:
        value = results[arm][phase][metric]
        text = (
            f"{value:.0%}" if metric == "success" else f"{value:.2f}" if metric != "prompt_tokens" else f"{value:.0f}"
        )
        if base is not None and arm != "no skills" and metric in ("failed_calls", "model_turns"):
            ref = base[phase][metric]
            if ref > 0:
                text += f" ({(value - ref) / ref:+.0%})"
        return text

    for arm, phases in results.items():
        del phases
        row = [arm]
        for metric in METRICS:
            for phase in ("before", "after"):
                row.append(cell(arm, phase, metric))
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seeds", type=int, default=5, help="number of seeds (0..N-1)")
    parser.add_argument("--episodes", type=int, default=DEFAULT_EPISODES, help="episodes per seed and arm")
    parser.add_argument("--arms", default=",".join(ARMS), help="comma-separated arms")
    parser.add_argument("--workers", type=int, default=None, help="processes (default: up to 2)")
    parser.add_argument(
        "--schemas", action=argparse.BooleanOptionalAction, default=True,
        help="declare the tools' JSON schemas to the Evolvers (default: on, as the adapters do)",
    )
    parser.add_argument(
        "--category", default="multi_turn_base", help="BFCL multi-turn category (e.g. multi_turn_miss_param)"
    )
    parser.add_argument(
        "--diagnose",
        action="store_true",
        help="instead: run the skillevo arm and count why failed calls went back to the model",
    )
    ns = parser.parse_args(argv)
    reason = bfcl_available()
    if reason is not None:
        print(reason, file=sys.stderr)
        return 2
    arms = [a.strip() for a in ns.arms.split(",") if a.strip()]
    unknown = [a for a in arms if a not in ARMS]
    if unknown or ns.seeds < 1 or ns.episodes < 2:
        print(f"bad arguments: arms must be among {ARMS}, seeds >= 1, episodes >= 2", file=sys.stderr)
        return 2
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    global CATEGORY, SCHEMAS
    CATEGORY = ns.category
    SCHEMAS = bool(ns.schemas)
    start = time.perf_counter()
    if ns.diagnose:
        print(format_diagnosis(diagnose(range(ns.seeds), ns.episodes), ns.seeds, ns.episodes))
        return 0

    def progress(arm: str, seed: int, results: list[EpisodeResult]) -> None:
        s = summarize(results)
        print(
            f"  {arm:<15} seed {seed}: success {s['success']:.0%}, failed calls/ep {s['failed_calls']:.2f}, "
            f"turns/ep {s['model_turns']:.2f} ({time.perf_counter() - start:.0f} s)",
            file=sys.stderr,
        )

    table = run(range(ns.seeds), ns.episodes, arms=arms, on_run=progress, workers=ns.workers)
    print(
        f"BFCL multi-turn ({len(usable_tasks())} {CATEGORY} tasks), {ns.seeds} seeds x {ns.episodes} episodes, "
        f"policy upgrade at episode {ns.episodes // 2}; {time.perf_counter() - start:.0f} s"
    )
    print(format_table(table))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
