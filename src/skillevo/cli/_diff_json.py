"""``skillevo diff --json``: the library diff as one JSON document with stable keys (see docs/review.md)."""

from __future__ import annotations

import dataclasses
from typing import Any

from .._diff import DiffEntry, LibraryDiff

__all__ = ["diff_summary"]


def _mean(ab: tuple[float, float] | None) -> float | None:
    return None if ab is None else ab[0] / (ab[0] + ab[1])


def _entry(e: DiffEntry) -> dict[str, Any]:
    return {
        "version_id": e.version_id,
        "skill": e.skill,
        "kind": e.kind,
        "description": e.description,
        "trigger": e.trigger,
        "status_before": e.status_before,
        "status_after": e.status_after,
        "reason": e.reason,
        "actor": e.actor,
        "when": e.when,
        "posterior_before": _mean(e.before),
        "posterior_after": _mean(e.after),
        "observations": e.observations,
        "miner": e.miner,
        "base_version": e.base_version,
        "strategy": None if e.strategy is None else e.strategy.model_dump(mode="json", exclude_none=True),
        "evidence_total": e.evidence_total,
        "evidence_ids": list(e.evidence_ids),
    }


def diff_summary(diff: LibraryDiff) -> dict[str, Any]:
    """The diff's sections, counts and totals as plain JSON values."""
    return {
        "old": diff.old_label,
        "new": diff.new_label,
        "generated_at": diff.generated_at,
        "approximate_before": diff.approximate_before,
        "skills_total": diff.skills_total,
        "totals": dict(diff.totals),
        "counts": diff.counts(),
        "sections": {name: [_entry(e) for e in entries] for name, entries in diff.sections.items()},
        "review_mode": diff.review_mode,
        "canary_share": diff.canary_share,
        "review_mode_changes": [dataclasses.asdict(c) for c in diff.review_mode_changes],
    }
