"""When an active version no longer beats doing nothing (`Lifecycle`'s retire rule), and the evidence
that rule is owed.

An active version is retired when P(theta_version > theta_null) < `retire_p` once it has at least
`retire_min_obs` updates of its own since its last reset (a detected change, an announced policy).
Its own updates, not its discounted evidence: the forgetting modes fade an arm with every update
of the null arm, so a version the bandit stopped choosing would never reach the minimum.

Thompson sampling stops choosing a version as soon as the null arm looks clearly better: after a
change, a version that lost its first two or three calls is drawn with a probability that falls
with every success of the null arm, so it could stay short of `retire_min_obs` for good, active and
unchosen (the demo's stale rename after the upgrade, seeds 0-2: 3 own updates, P = 0.005, never
retired). So a version whose P has already fallen below `retire_p` while it is short of the minimum
is *owed* evidence: its site chooses it (`SiteChoices`) until it has the minimum, at most
`retire_min_obs` calls per reset. Then the rule decides on the evidence: a loser is retired, a
version that was only unlucky early wins its calls back and stays.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._models import NULL_ARM, Skill, SkillVersion

if TYPE_CHECKING:
    from ._lifecycle import LifecycleConfig
    from ._selection import Selector

__all__ = ["harm", "owed_evidence"]


def harm(selector: Selector, config: LifecycleConfig, skill: Skill, active: SkillVersion) -> float | None:
    """P(active > null) when it is low enough to retire the version, else None."""
    if selector.own_updates(skill.name, active.id) < config.retire_min_obs:
        return None
    p = selector.prob_better(skill.name, active.id, NULL_ARM)
    return p if p < config.retire_p else None


def owed_evidence(selector: Selector, config: LifecycleConfig, skill: Skill) -> str | None:
    """The active version of `skill` its site must choose so the retire rule can decide, or None.

    That is the active version whose P(better than null) is below `retire_p` while it has fewer than
    `retire_min_obs` updates of its own since its last reset; None for any other (one with the
    minimum is decided by `harm`, one not losing is left to the bandit)."""
    active = skill.active()
    if active is None or selector.own_updates(skill.name, active.id) >= config.retire_min_obs:
        return None
    (a, b), (na, nb) = selector.posterior(skill.name, active.id), selector.posterior(skill.name, NULL_ARM)
    if (na, nb) == (1.0, 1.0) or a / (a + b) >= na / (na + nb):
        # Nothing to lose against yet, or not behind it: P(better than null) is about 1/2 or more.
        # Checked first because this runs at every choice of the site and P costs ~1 ms.
        return None
    return active.id if selector.prob_better(skill.name, active.id, NULL_ARM) < config.retire_p else None
