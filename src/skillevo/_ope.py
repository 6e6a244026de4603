"""Off-policy estimates of new versions from the logged selections (IPS and self-normalised IPS).

`skillevo train` reports them for candidates and versions under test that lack online evidence,
next to their incumbent's estimate on the same log.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from pydantic import BaseModel

from ._diff import last_event_id_at
from ._models import NULL_ARM, EventKind, SkillVersion, VersionStatus
from ._store import SkillStore

__all__ = ["OffPolicyEstimate", "off_policy_estimates"]


class OffPolicyEstimate(BaseModel):
    """The value of always applying `version_id` at `key`, estimated from logged selections.

    Attributes:
        logged: logged selections at the key that have an outcome.
        matched: those that chose this version.
        ips: inverse propensity scoring, sum(r / p over matched) / logged.
        snips: self-normalised IPS, sum(r / p) / sum(1 / p) over matched (lower variance).
        ess: effective sample size of the matched weights.
        baseline_arm, baseline_snips: the incumbent (active version, or ``null``) on the same log.
    """

    version_id: str
    key: str
    status: str
    online_updates: float
    logged: int
    matched: int
    ips: float | None = None
    snips: float | None = None
    ess: float | None = None
    baseline_arm: str = NULL_ARM
    baseline_snips: float | None = None
    note: str = ""



def off_policy_estimates(
    store: SkillStore, *, min_updates: int, min_logged: int = 5, min_propensity: float = 0.01
) -> list[OffPolicyEstimate]:
    """IPS and self-normalised IPS of candidates / versions under test with < `min_updates` online updates.

    The log: every stored episode's selections (`Episode.applied`, with the propensity of the chosen
    arm) and their outcomes (the episode reward for guidance, the call credits for repairs).
    Propensities are clipped to `min_propensity` so one unlikely choice cannot dominate.
    """
    targets: dict[str, list[SkillVersion]] = {}
    incumbents: dict[str, str] = {}
    earliest = math.inf
    for skill in store.skills():
        incumbents[skill.name] = (skill.active().id if skill.active() else NULL_ARM)  # type: ignore[union-attr]
        for v in skill.versions:
            if v.status in (VersionStatus.CANDIDATE, VersionStatus.TESTING) and v.alpha + v.beta - 2.0 < min_updates:
                targets.setdefault(skill.name, []).append(v)
                earliest = min(earliest, v.created_at)
    if not targets:
        return []
    # Only the part of the log that can concern these versions: since the oldest was created.
    credits: dict[tuple[str, str], list[float]] = {}
    first = last_event_id_at(store, earliest - 1.0)
    for e in store.events(kind=EventKind.CREDIT, after_id=first):
        key, r = e.data.get("key"), e.data.get("reward")
        if e.episode_id and isinstance(key, str) and key in targets and isinstance(r, int | float):
            credits.setdefault((e.episode_id, key), []).append(float(r))
    logs: dict[str, list[tuple[str, float, float]]] = {}
    for ep in store.episodes(since=earliest - 1.0):
        for a in ep.applied:
            if a.key not in targets:
                continue
            if a.kind == "guidance":
                if ep.reward is None:
                    continue
                r = float(ep.reward)
            else:
                outcomes = credits.get((ep.id, a.key))
                if not outcomes:
                    continue
                r = sum(outcomes) / len(outcomes)
            logs.setdefault(a.key, []).append((a.arm, max(a.propensity, min_propensity), r))
    out = []
    for key, versions in sorted(targets.items()):
        log = logs.get(key, [])
        base = incumbents[key]
        _, _, base_snips, _ = _ips(log, base)
        for v in versions:
            matched, ips, snips, ess = _ips(log, v.id)
            note = ""
            if not log:
                note = "no logged choices at this skill yet"
            elif matched == 0:
                note = "never chosen: no logged support"
            elif len(log) < min_logged:
                note = f"only {len(log)} logged choices (< {min_logged}): not reported"
                ips = snips = ess = None
            out.append(
                OffPolicyEstimate(
                    version_id=v.id,
                    key=key,
                    status=v.status.value,
                    online_updates=v.alpha + v.beta - 2.0,
                    logged=len(log),
                    matched=matched,
                    ips=ips,
                    snips=snips,
                    ess=ess,
                    baseline_arm=base,
                    baseline_snips=base_snips if len(log) >= min_logged else None,
                    note=note,
                )
            )
    return out


def _ips(log: Sequence[tuple[str, float, float]], arm: str) -> tuple[int, float | None, float | None, float | None]:
    """(matched, IPS, SNIPS, effective sample size) of always choosing `arm`."""
    weights = [(1.0 / p, r) for a, p, r in log if a == arm]
    if not log or not weights:
        return 0, None, None, None
    sw = sum(w for w, _ in weights)
    swr = sum(w * r for w, r in weights)
    sw2 = sum(w * w for w, _ in weights)
    return len(weights), swr / len(log), swr / sw, sw * sw / sw2
