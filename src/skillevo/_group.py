"""Groups of rollouts of one task, compared within the group (GRPO-style)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any

import numpy as np

from ._abandoned import store_abandoned
from ._episode import EpisodeContext
from ._errors import ConfigError, LibraryError
from ._models import NULL_ARM, Skill, VersionStatus, new_id
from ._repeats import log_failure

_log = logging.getLogger("skillevo")

if TYPE_CHECKING:
    from ._evolver import Evolver

__all__ = ["GroupContext"]


@dataclass
class _GroupSlot:
    """Within-group assignment state for one skill in one group."""

    arms: dict[int, str] = field(default_factory=dict)


class GroupContext:
    """G rollouts of one task, compared within the group.

    Each rollout that reaches a skill under test gets the candidate version or the incumbent as
    `Lifecycle.assign` decides (probability P(candidate > incumbent), clamped); when the group is
    left, group-relative advantages are stored on each episode (``metadata["advantage"]``).
    `Evolver.group` passes its seeded generator as `rng`, so assignments follow the Evolver's seed.
    """

    def __init__(self, evo: Evolver, *, task: str, size: int, rng: np.random.Generator | None = None) -> None:
        self.evo = evo
        self.task = task
        self.size = size
        self.id = new_id()
        self._rng = rng if rng is not None else np.random.default_rng()
        self._lock = threading.RLock()
        self._episodes: list[EpisodeContext] = []
        self._slots: dict[str, _GroupSlot] = {}
        self._closed = False

    def episode(self, task: str | None = None, *, metadata: dict[str, Any] | None = None) -> EpisodeContext:
        """The next rollout of the group."""
        store_abandoned()  # (as `Evolver.episode`: outside the group's lock)
        with self._lock:
            if len(self._episodes) >= self.size:
                raise ConfigError(f"group {self.id}: all {self.size} rollouts were already started")
            ep = EpisodeContext(
                self.evo,
                task=self.task if task is None else task,
                group_id=self.id,
                metadata=metadata,
                group=self,
                index=len(self._episodes),
            )
            self._episodes.append(ep)
            return ep

    @property
    def episodes(self) -> list[EpisodeContext]:
        """The rollouts started so far."""
        with self._lock:
            return list(self._episodes)

    def assigned(self, skill: Skill, index: int) -> tuple[str, float] | None:
        """The arm rollout `index` uses for `skill`, when the skill has a version under test."""
        testing = [v for v in skill.versions if v.status is VersionStatus.TESTING]
        if not testing:
            return None
        with self._lock:
            slot = self._slots.setdefault(skill.name, _GroupSlot())
            if index not in slot.arms:
                slot.arms[index] = self.evo.lifecycle.assign(skill, self._rng)
            arm = slot.arms[index]
        incumbent = skill.active()
        incumbent_arm = incumbent.id if incumbent is not None else NULL_ARM
        p = self.evo.lifecycle.assign_probability(skill)
        return arm, (p if arm != incumbent_arm else 1.0 - p)

    def __enter__(self) -> GroupContext:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # Left as an episode's ``with`` is: a store that does not answer is logged, not raised.
        error = self._close(raised=exc is not None)
        if error is not None:
            log_failure(_log, f"skillevo: group {self.id}: the group-relative advantages were not stored", error)

    def close(self) -> None:
        """Finish unfinished rollouts (no reward) and store the group-relative advantages. A rollout
        finished here is as one whose ``with`` is left (a store error recorded on it, the rollout
        queued); a store error storing the advantages is raised."""
        error = self._close(raised=False)
        if error is not None:
            raise error

    def _close(self, *, raised: bool) -> LibraryError | None:
        """`close`; the store error that kept advantages from being stored, if any. Each rollout is
        finished as its ``with`` is left (its store error recorded on it): before 2026-12-07 the
        first refused `finish` ended the close, and the rollouts after it were never recorded."""
        with self._lock:
            if self._closed:
                return None
            self._closed = True
            episodes = list(self._episodes)
        for ep in episodes:
            if not ep.finished:
                ep._finish_leaving(None, raised=raised)
        rewarded = [ep for ep in episodes if ep.episode.reward is not None]
        if len(rewarded) < 2:
            return None
        advantages = self.evo.lifecycle.group_advantages([float(ep.episode.reward or 0.0) for ep in rewarded])
        try:
            with self.evo.store.transaction():
                for ep, adv in zip(rewarded, advantages, strict=True):
                    ep.episode.metadata["advantage"] = float(adv)
                    self.evo.store.save_episode(ep._stored_episode())  # its own secrets hidden, as at finish
        except LibraryError as exc:
            return exc
        return None

    def rewards(self) -> list[float | None]:
        """The rewards of the rollouts so far."""
        return [ep.episode.reward for ep in self.episodes]
