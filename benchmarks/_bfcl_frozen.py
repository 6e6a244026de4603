"""The BFCL benchmark's "static library" arm: the library frozen as it stood after the learning share."""

from __future__ import annotations

from collections.abc import Sequence

from skillevo import LifecycleConfig, SkillLibrary, ThompsonSelector, VersionStatus
from skillevo._models import NULL_ARM

__all__ = ["FROZEN_LIFECYCLE", "FrozenSelector", "frozen_versions"]


class FrozenSelector(ThompsonSelector):
    """A frozen library: always applies the version that was active when it froze, learns nothing.

    At a call site whose arms include none of `active` it applies nothing (the null arm) when it
    may, else the first arm.
    """

    def __init__(self, active: set[str]) -> None:
        super().__init__(discount="none", seed=0)
        self.active = set(active)

    def choose(self, key: str, arms: Sequence[str]) -> str:
        """The frozen active version among `arms`."""
        for arm in arms:
            if arm in self.active:
                return arm
        return NULL_ARM if NULL_ARM in arms else arms[0]

    def propensity(self, key: str, arms: Sequence[str], arm: str) -> float:
        """Deterministic choice: 1 for the arm `choose` returns."""
        return 1.0 if self.choose(key, arms) == arm else 0.0

    def update(self, key: str, arm: str, reward: float) -> None:
        """Frozen: outcomes change nothing."""

    def notify_change(self, key: str | None = None, arm: str | None = None) -> None:
        """Frozen: announced changes change nothing."""


def frozen_versions(lib: SkillLibrary) -> set[str]:
    """What the static library keeps per skill: its active version, else the one under test."""
    keep: set[str] = set()
    for skill in lib.skills():
        version = skill.active() or next((v for v in skill.versions if v.status is VersionStatus.TESTING), None)
        if version is not None:
            keep.add(version.id)
    return keep


#: No lifecycle decision can be reached: the frozen library's statuses stay as they were.
FROZEN_LIFECYCLE = LifecycleConfig(min_updates=10**9, min_episodes=10**9, retire_min_obs=10**9)
