"""The store interface every skill-library backend implements (SQLite now, PostgreSQL for many hosts).

One conformance suite (``tests/test_store_conformance.py``) runs against every backend.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Self

from ._models import (
    Episode,
    Event,
    EventKind,
    Origin,
    PosteriorState,
    Skill,
    SkillVersion,
    Strategy,
    Trigger,
    TriggerKind,
    VersionStatus,
)

__all__ = ["SkillStore"]


class SkillStore(ABC):
    """Persistent skills, versions, posteriors, episodes and events.

    Contract shared by all backends:
      * every public write is atomic: it commits whole or (on any exception) not at all;
      * several writes can be grouped with ``with store.transaction(): ...``;
      * versions are immutable once written except for `status`, and every status change is
        recorded as a ``lifecycle`` (or ``review``) event in the same transaction;
      * nothing is ever deleted by the store API;
      * it is safe to use one store object from many threads.
    """

    # ------------------------------------------------------------------ lifecycle

    #: a human-readable location (file path or URL with the password removed)
    location: str

    @abstractmethod
    def close(self) -> None:
        """Release connections. Idempotent."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @abstractmethod
    def transaction(self) -> AbstractContextManager[None]:
        """Group writes: all commit together, or none do if the block raises. Re-entrant."""

    @property
    @abstractmethod
    def schema_version(self) -> int:
        """The schema version of the open database."""

    # ------------------------------------------------------------------ skills & versions

    @abstractmethod
    def add_skill(
        self,
        name: str,
        trigger: Trigger,
        strategy: Strategy,
        *,
        description: str = "",
        origin: Origin | None = None,
        status: VersionStatus = VersionStatus.CANDIDATE,
    ) -> SkillVersion:
        """Create a skill with its first version. Raises `SkillevoError` if the name is taken."""

    @abstractmethod
    def add_version(
        self,
        name: str,
        strategy: Strategy,
        *,
        parent: str | None = None,
        origin: Origin | None = None,
        status: VersionStatus = VersionStatus.CANDIDATE,
    ) -> SkillVersion:
        """Append a version to an existing skill (number = previous max + 1)."""

    @abstractmethod
    def skill(self, name: str) -> Skill:
        """One skill with all its versions. Raises `NotFoundError`."""

    @abstractmethod
    def skills(self, status: VersionStatus | str | None = None) -> list[Skill]:
        """All skills (with versions), optionally only those whose derived status is `status`."""

    @abstractmethod
    def version(self, version_id: str) -> SkillVersion:
        """One version by id (``"name@n"``). Raises `NotFoundError`."""

    @abstractmethod
    def set_status(
        self,
        version_id: str,
        status: VersionStatus,
        *,
        reason: str,
        actor: str = "skillevo",
        kind: EventKind = EventKind.LIFECYCLE,
        data: dict[str, object] | None = None,
    ) -> SkillVersion:
        """Change a version's status and record the transition as an event (one transaction)."""

    @abstractmethod
    def match(
        self,
        kind: TriggerKind,
        tool: str | None = None,
        *,
        statuses: Sequence[VersionStatus] = (VersionStatus.ACTIVE, VersionStatus.TESTING),
    ) -> list[Skill]:
        """Skills whose trigger has `kind` and whose tool glob can match `tool`.

        Indexed by (kind, tool): exact tool names and ``"*"`` are looked up, only real globs are
        filtered in Python. Each returned skill carries only its versions in `statuses`, and
        skills with none are left out. Pattern/error-type conditions are the caller's to check
        (`Trigger.matches`).
        """

    # ------------------------------------------------------------------ posteriors

    @abstractmethod
    def posteriors(self, key: str | None = None) -> list[PosteriorState]:
        """Stored selector states, for one key or all."""

    @abstractmethod
    def put_posterior(self, state: PosteriorState) -> None:
        """Overwrite one arm's state (resets, restores)."""

    @abstractmethod
    def update_posterior(
        self, key: str, arm: str, update: Callable[[PosteriorState], PosteriorState]
    ) -> PosteriorState:
        """Read-modify-write one arm's state atomically across threads, processes and hosts.

        `update` receives the stored state (a fresh prior if none) and returns the new state; no
        concurrent update is lost.
        """

    # ------------------------------------------------------------------ episodes & events

    @abstractmethod
    def save_episode(self, episode: Episode, events: Sequence[Event] = ()) -> list[int]:
        """Insert or replace an episode together with its events, in one transaction.

        Returns the new events' ids. Once this returns, the episode and events are durable.
        """

    @abstractmethod
    def set_reward(self, episode_id: str, reward: float) -> Episode:
        """Record a (delayed) reward on a stored episode. Raises `NotFoundError`."""

    @abstractmethod
    def episode(self, episode_id: str) -> Episode:
        """One episode. Raises `NotFoundError`."""

    @abstractmethod
    def episodes(
        self,
        *,
        since: float | None = None,
        group_id: str | None = None,
        limit: int | None = None,
    ) -> list[Episode]:
        """Episodes started at or after `since` (oldest first)."""

    @abstractmethod
    def count_episodes(self) -> int:
        """How many episodes are stored."""

    @abstractmethod
    def log_events(self, events: Sequence[Event]) -> list[int]:
        """Append events in one batched transaction; returns their ids in order."""

    @abstractmethod
    def events(
        self,
        *,
        kind: EventKind | str | None = None,
        episode_id: str | None = None,
        version_id: str | None = None,
        tool: str | None = None,
        after_id: int | None = None,
        limit: int | None = None,
    ) -> list[Event]:
        """Events in id order, filtered."""

    @abstractmethod
    def iter_events(self, *, after_id: int | None = None, batch: int = 5000) -> Iterator[Event]:
        """All events after `after_id`, streamed in id order without loading them all."""

    @abstractmethod
    def count_events(self, kind: EventKind | str | None = None) -> int:
        """How many events (of one kind) are stored."""

    # ------------------------------------------------------------------ metadata

    @abstractmethod
    def get_meta(self, key: str) -> str | None:
        """A small string value (watermarks, settings) or None."""

    @abstractmethod
    def set_meta(self, key: str, value: str) -> None:
        """Store a small string value."""
