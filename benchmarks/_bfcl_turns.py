"""Where the skillevo arm's model turns above the BFCL floor and its failed calls go (issue 19's diagnosis).

``.venv/bin/python benchmarks/_bfcl_turns.py [--category multi_turn_miss_param] [--seeds 5]``

The floor of an episode is one model turn per ground-truth call and one reply per user turn (a
turn with no ground-truth call is the model asking the user for what is missing: part of the
floor). Every turn above it is a failed call handed back to the model, which re-issues the call.
This replays `_learning_bfcl.run_episode` for the skillevo arm (same seeds, same draws: its means
equal the benchmark's) and labels each such turn by why skillevo did not prevent it, first match
wins:

* ``first sighting: required arg left out`` / ``first sighting: other``: the first episode of the
  seed that shows this (tool, error signature), split by whether the call left a required
  argument out (no learner that learns from calls can prevent either);
* ``guidance shown, not followed``: an item of the prompt named the mistake, the policy did not
  follow it (its comprehension model);
* ``re-issue (policy did not fix)``: the policy's second or later attempt at the call, after an
  error it did not fix, with no retry by the Evolver;
* ``repair tried, retry failed too``: the Evolver retried the call, and the retry failed too;
* ``no mistake left``: a failure of a call the policy made no mistake in (a cascade);
* ``live guidance, not in the prompt``: a live version's guidance names the mistake, but the
  episode chose nothing at its site (the bandit) or the budget left it out;
* ``transfer missed``: live guidance names the argument on another tool only;
* ``required arg left out, no candidate`` / ``no candidate: <kinds>``: nothing learned names it.

Failed calls that cost no model turn are counted apart: ``repaired after the error`` (the call
failed, the Evolver's retry of it did not: a repair applied late) and ``gave up`` (the last
attempt, after which the policy moves on), the latter labelled as above.

Also printed: the floor per phase (mean over seeds of the task sequence's per-phase means).
"""

from __future__ import annotations

import argparse
import collections
import random
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _learning_bfcl as L
from _bfcl_env import Backends, ground_truth_calls, replay_ground_truth, tool_specs
from _bfcl_policy import addressed, apply_mistakes, draw_mistakes, follow_probability

from skillevo._detect import error_signature
from skillevo._guidance import estimate_tokens
from skillevo._models import VersionStatus

KIND = {"type_string": "wrong type", "number_format": "wrong type", "missing_arg": "missing required",
        "enum_case": "enum case", "arg_name": "arg name", "date_format": "date", "id_shape": "id prefix"}
#: (phase, "turn" | "failed" | "metric", label) -> count over all seeds' episodes of that phase
COUNTS: collections.Counter[tuple[str, str, str]] = collections.Counter()
_SEEN: dict[tuple[int, str], int] = {}
_SEED = [0]


def _live_guidance(evo: Any) -> list[str]:
    return [v.strategy.guidance for sk in evo.store.skills() for v in sk.versions
            if v.status in (VersionStatus.ACTIVE, VersionStatus.TESTING) and v.strategy.guidance]


def _cause(ep: Any, mistakes: list[Any], shown: set[int], first: bool, attempt: int, retried: bool) -> str:
    kinds = {KIND[m.kind] for m in mistakes}
    if first:
        return "first sighting: " + ("required arg left out" if "missing required" in kinds else "other")
    if any(id(m) in shown for m in mistakes):
        return "guidance shown, not followed"
    if retried:
        return "repair tried, retry failed too"
    if attempt > 1:
        return "re-issue (policy did not fix)"
    if not mistakes:
        return "no mistake left"
    texts = _live_guidance(ep.evo)
    if any(addressed(m, "- " + t) for m in mistakes for t in texts):
        return "live guidance, not in the prompt"
    if any(f"`{m.arg}`" in t for m in mistakes for t in texts):
        return "transfer missed"
    if "missing required" in kinds:
        return "required arg left out, no candidate"
    return "no candidate: " + "+".join(sorted(kinds))


def _episode(task: Any, config: Any, index: int, seed: int, ep: Any = None, notes: Any = None,
             diagnosis: Any = None) -> L.EpisodeResult:
    """`_learning_bfcl.run_episode` (skillevo arm), counting each turn above the floor and each failed call by cause."""
    rng = random.Random(f"bfcl|{seed}|{index}")
    backends, specs, counters = Backends(task), tool_specs(), L._Counters()
    turns = prompt_tokens = n_mistakes = gave_up = 0
    phase = "before" if index < L.DEFAULT_EPISODES // 2 else "after"
    retried = [0]
    on_error = ep.on_tool_error

    def counted_on_error(name: str, args: dict[str, Any], error: Any) -> Any:
        out = on_error(name, args, error)
        if out is not None:
            retried[0] += 1
            COUNTS[phase, "failed", "repaired after the error"] += 1
        return out

    ep.on_tool_error = counted_on_error

    def model_turn() -> tuple[str, int]:
        nonlocal turns, prompt_tokens
        extra = ep.guidance(tools=backends.tools)
        tokens = estimate_tokens(extra) if extra else 0
        turns += 1
        prompt_tokens += tokens
        return extra, tokens

    for turn_calls in ground_truth_calls(task):
        for name, gt_args in turn_calls:
            extra, tokens = model_turn()
            mistakes = draw_mistakes(config, specs[name], gt_args, rng,
                                     lambda a, n=name: L._rejected(backends, n, a), seed)
            p_follow = follow_probability(config, tokens)
            shown = {id(m) for m in mistakes if addressed(m, extra)}
            mistakes = [m for m in mistakes if not (addressed(m, extra) and rng.random() < p_follow)]
            n_mistakes += len(mistakes)
            for attempt in range(1, config.max_attempts + 1):
                retried[0] = 0
                seen, failed = L.execute_call(backends, ep, name, apply_mistakes(gt_args, mistakes), counters, None)
                if not failed:
                    break
                sig = f"{name}\x00{error_signature(L._error_text(seen))}"
                first = _SEEN.setdefault((_SEED[0], sig), index) == index
                how = _cause(ep, mistakes, shown, first, attempt, bool(retried[0]))
                if attempt == config.max_attempts:
                    gave_up += 1
                    COUNTS[phase, "failed", "gave up: " + how] += 1
                    break
                COUNTS[phase, "turn", how] += 1
                extra, tokens = model_turn()
                if mistakes and rng.random() < config.p_fix:
                    mistakes = L._fix_one(mistakes, L._error_text(seen), extra, config, tokens, rng)
        model_turn()
    expected, _ = replay_ground_truth(task)
    success = backends.same_state(expected)
    ep.finish(reward=1.0 if success else 0.0)
    for metric, value in (("turns", turns), ("failed calls", counters.failed), ("success", success),
                          ("prompt tokens", prompt_tokens)):
        COUNTS[phase, "metric", metric] += value
    return L.EpisodeResult(index=index, task=task.id, policy=config.version, success=success,
                           failed_calls=counters.failed, tool_calls=counters.calls, model_turns=turns,
                           prompt_tokens=prompt_tokens, mistakes=n_mistakes, gave_up=gave_up)


def floor(seeds: int) -> dict[str, float]:
    """The floor per phase: mean over seeds of the task sequence's per-phase mean of calls + user turns."""
    half = L.DEFAULT_EPISODES // 2
    out = {"before": 0.0, "after": 0.0}
    for seed in range(seeds):
        cost = [sum(len(t) + 1 for t in ground_truth_calls(task))
                for task in L.task_sequence(L.usable_tasks(), L.DEFAULT_EPISODES, seed)]
        out["before"] += sum(cost[:half]) / half / seeds
        out["after"] += sum(cost[half:]) / (L.DEFAULT_EPISODES - half) / seeds
    return out


def main() -> int:
    """CLI: print the floor, the turns and their causes per phase."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--category", default="multi_turn_base")
    ns = parser.parse_args()
    L.CATEGORY = ns.category
    L.run_episode = _episode  # (run_arm calls it through the module)
    for seed in range(ns.seeds):
        _SEED[0] = seed
        L.run_arm("skillevo", seed)
    fl = floor(ns.seeds)
    n = ns.seeds * (L.DEFAULT_EPISODES // 2)
    for phase in ("before", "after"):
        m = {k: COUNTS[phase, "metric", k] / n for k in ("success", "failed calls", "turns", "prompt tokens")}
        print(f"{ns.category} {phase}: success {m['success']:.4f}, failed calls/ep {m['failed calls']:.4f}, "
              f"turns/ep {m['turns']:.4f}, floor {fl[phase]:.3f}, above {m['turns'] - fl[phase]:.3f}, "
              f"prompt tokens/ep {m['prompt tokens']:.0f}")
        for what in ("turn", "failed"):
            rows = sorted(((v, how) for (p, w, how), v in COUNTS.items() if p == phase and w == what and v),
                          reverse=True)
            print(f"  {'turns above the floor' if what == 'turn' else 'failed calls that cost no turn'}: "
                  f"{sum(v for v, _ in rows) / n:.3f}/ep")
            for v, how in rows:
                print(f"    {how:48s} {v:4d} {v / n:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
