"""The policy stage of `skillevo train`: the optional GRPO fine-tune and the announcement of its version.

``skillevo_trl.train_policy(PolicyConfig, store)`` returns the new ``policy_version``; it is
announced the way ``Evolver.policy_version = ...`` announces one (`announce_policy`, which also sets the meta
key `POLICY_VERSION_KEY` for Evolvers started later), all in the stage's commit.
"""

from __future__ import annotations

import importlib
import json
from typing import TYPE_CHECKING

from pydantic import BaseModel, JsonValue

from ._errors import ConfigError, SkillevoError
from ._policy_change import announce_policy, library_policy_version
from ._train_lock import Heartbeat
from ._train_report import StageResult

if TYPE_CHECKING:
    from ._train import Run

__all__ = ["train_policy"]


def train_policy(run: Run) -> StageResult:
    """Fine-tune when ``[policy].enabled`` (or ``--policy``); leave the announcement for the stage's commit."""
    cfg = run.config.policy
    if not (cfg.enabled or run.policy):
        return StageResult(name="policy", status="skipped", summary={"why": "[policy] not enabled"})
    if run.dry_run:
        return StageResult(name="policy", status="skipped", summary={"why": "dry run"})
    if not cfg.model:
        raise ConfigError("policy.model: required to fine-tune the policy (set [policy].model in the config)")
    try:
        skillevo_trl = importlib.import_module("skillevo_trl")
    except ImportError:
        raise ConfigError(
            "policy: the GRPO fine-tune needs skillevo-trl, which is not installed: pip install skillevo-trl"
        ) from None
    fine_tune = getattr(skillevo_trl, "train_policy", None)
    if not callable(fine_tune):
        raise ConfigError("policy: this skillevo-trl has no train_policy(); upgrade skillevo-trl")
    output = run.config.resolve(cfg.output_dir)
    run_cfg = cfg.model_copy(update={"output_dir": str(output), "enabled": True})
    # A fine-tune can outlast the lock's staleness limit: keep the lock alive meanwhile.
    with Heartbeat(run.lock):
        result = fine_tune(run_cfg, run.store)
    if isinstance(result, BaseModel):
        summary = json.loads(result.model_dump_json())
    elif isinstance(result, dict):
        summary = json.loads(json.dumps(result, default=str))
    else:
        summary = {"result": str(result)}
    version = summary.get("policy_version") if isinstance(summary, dict) else None
    if not isinstance(version, str) or not version.strip():
        raise SkillevoError(
            "policy: skillevo_trl.train_policy returned no 'policy_version' (a non-empty string naming "
            f"the new policy); got {sorted(summary) if isinstance(summary, dict) else type(result).__name__}"
        )
    version = version.strip()
    previous = library_policy_version(run.store)
    summary["previous_policy_version"] = previous
    run.report.policy = summary
    if version != previous:
        run.announce = lambda: _announce(run, previous, version, summary.get("output_dir"))
    flat: dict[str, JsonValue] = {k: v for k, v in summary.items() if isinstance(v, str | int | float | bool)}
    flat["announced"] = version != previous
    return StageResult(name="policy", status="done", summary=flat)


def _announce(run: Run, previous: str | None, version: str, output_dir: JsonValue) -> None:
    """What `Evolver.policy_version = version` does, for the whole library, and record the version."""
    from ._selection import ThompsonSelector

    cfg = run.config.selector
    selector = ThompsonSelector(discount=cfg.discount_spec(), seed=cfg.seed)
    selector.attach(run.store)
    data: dict[str, JsonValue] = {
        "run": run.report.run_id,
        "actor": "train",
        "output_dir": output_dir if isinstance(output_dir, str) else None,
    }
    announce_policy(run.store, selector, previous, version, data)  # records the version too
