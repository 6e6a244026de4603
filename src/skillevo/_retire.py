"""When an active version no longer beats doing nothing (`Lifecycle`'s retire rule).

An active version is retired when P(theta_version > theta_null) < `retire_p` once it has at least
`retire_min_obs` updates of its own since its last reset (a detected change, an announced policy).
Its own updates, not its discounted evidence: the forgetting modes fade an arm with every update
of the null arm, so a version the bandit stopped choosing would never reach the minimum.

A version Thompson sampling stopped drawing after it lost its first calls (the demo's stale rename
after the upgrade: 1-3 own updates, P(better than null) about 0.01) stays active and unchosen: it
costs no call, and the bandit still draws it now and then, so a version only unlucky in its first
calls wins them back. Neither way of retiring it sooner held: forcing it onto calls until it had the
minimum sent up to `retire_min_obs` calls per change through a version already behind, and judging
it on three own updates against a strong null arm retired good versions a tool failed three times
on purpose (0.95 against 0.80: 81 of 100 simulated runs, attack31).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ._models import NULL_ARM, Skill, SkillVersion

if TYPE_CHECKING:
    from ._lifecycle import LifecycleConfig
    from ._selection import Selector

__all__ = ["harm", "starved"]


def harm(selector: Selector, config: LifecycleConfig, skill: Skill, active: SkillVersion) -> float | None:
    """P(active > null) when it is low enough to retire the version, else None."""
    if selector.own_updates(skill.name, active.id) < config.retire_min_obs:
        return None
    p = selector.prob_better(skill.name, active.id, NULL_ARM)
    return p if p < config.retire_p else None


def starved(
    selector: Selector, config: LifecycleConfig, skills: Sequence[Skill]
) -> list[tuple[SkillVersion, float, float]]:
    """The active versions of `skills` that the bandit stopped drawing: P(version > null) below
    `retire_p` on fewer own updates than retiring takes. Each with that probability and its own
    updates, for a person to look at (`skillevo._lifecycle.Lifecycle.starved`); nothing is retired
    on it (see the module doc: a tool failing a good version's first calls would retire it)."""
    out: list[tuple[SkillVersion, float, float]] = []
    for skill in skills:
        active = skill.active()
        if active is None:
            continue
        own = selector.own_updates(skill.name, active.id)
        if own >= config.retire_min_obs:
            continue  # the retire rule judges it
        p = selector.prob_better(skill.name, active.id, NULL_ARM)
        if p < config.retire_p:
            out.append((active, p, own))
    return out
