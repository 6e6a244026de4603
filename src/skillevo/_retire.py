"""When an active version no longer beats doing nothing (`Lifecycle`'s retire rule).

An active version is retired when P(theta_version > theta_null) < `retire_p` once it has at least
`retire_min_obs` updates of its own since its last reset (a detected change, an announced policy).
Its own updates, not its discounted evidence: the forgetting modes fade an arm with every update
of the null arm, so a version the bandit stopped choosing would never reach the minimum.

Thompson sampling stops choosing a version as soon as the null arm looks clearly better: after a
change, a version that lost its first two or three calls is drawn with a probability that falls
with every success of the null arm, so it could stay short of `retire_min_obs` for good, active and
unchosen (the demo's stale rename after the upgrade, seeds 0-2: 3 own updates, P = 0.005, never
retired). Such a *starved* version is judged without more calls of its own: once it has a few
(`STARVED_MIN_OWN`) and the null arm has `retire_min_obs` of its own since the reset (the site
declined the version that often), P decides as for any other. Forcing it to be chosen until it has
the minimum would send up to `retire_min_obs` calls per change through a version that is already
behind: skillevo must not be the reason a run fails. A version only unlucky in its first calls is
not behind by much against an ordinary null arm, keeps being drawn, and wins its calls back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._models import NULL_ARM, Skill, SkillVersion

if TYPE_CHECKING:
    from ._lifecycle import LifecycleConfig
    from ._selection import Selector

__all__ = ["STARVED_MIN_OWN", "harm"]

#: the fewest own updates since its reset a starved version is judged on
STARVED_MIN_OWN = 3


def harm(selector: Selector, config: LifecycleConfig, skill: Skill, active: SkillVersion) -> float | None:
    """P(active > null) when it is low enough to retire the version, else None."""
    own = selector.own_updates(skill.name, active.id)
    if own < config.retire_min_obs and (
        own < min(STARVED_MIN_OWN, config.retire_min_obs)
        or selector.own_updates(skill.name, NULL_ARM) < config.retire_min_obs
    ):
        return None
    p = selector.prob_better(skill.name, active.id, NULL_ARM)
    return p if p < config.retire_p else None
