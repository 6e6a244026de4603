"""Per-version usage counted from the event log: how often a version was applied and what it earned.

One rule for `SkillLibrary.stats` and the nightly job's compacted aggregates.
"""

from __future__ import annotations

from ._models import Event, EventKind

__all__ = ["count_usage"]


def count_usage(e: Event, versions: dict[str, dict[str, float]]) -> bool:
    """Add `e` to its version's counters (``applied``, ``last_applied``, ``credited``, ``reward_sum``).

    A guidance or repair event is one application; a credit event with a numeric reward is one
    outcome. Returns whether `e` counted.
    """
    if e.kind in (EventKind.GUIDANCE, EventKind.REPAIR) and e.version_id:
        v = versions.setdefault(e.version_id, {})
        v["applied"] = v.get("applied", 0) + 1
        v["last_applied"] = max(v.get("last_applied", 0.0), e.ts)
        return True
    reward = e.data.get("reward")
    if e.kind == EventKind.CREDIT and e.version_id and isinstance(reward, int | float):
        v = versions.setdefault(e.version_id, {})
        v["credited"] = v.get("credited", 0) + 1
        v["reward_sum"] = v.get("reward_sum", 0.0) + float(reward)
        return True
    return False
