"""The store interface every skill-library backend implements (SQLite now, PostgreSQL for many hosts).

One conformance suite (``tests/test_store_conformance.py``) runs against every backend.
"""

from __future__ import annotations

import inspect
import logging
import threading
import time
import weakref
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from types import TracebackType
from typing import ClassVar, Self

from ._abandoned import store_abandoned
from ._actors import SKILLEVO
from ._learning_sql import KeyCounters, PosteriorIncrement
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
from ._store_common import scrubbing_writes

_log = logging.getLogger("skillevo")
_BEFORE_CLOSE_LOCK = threading.Lock()

__all__ = ["SkillStore"]


#: the most a library's close waits, over all its before-close hooks, for the learning its Evolvers
#: owe it (queued mining; inline mining of the episodes the close stops): what is left is stored and
#: the nightly `skillevo train` mines it
CLOSE_HOOKS_S = 10.0


class SkillStore(ABC):
    """Persistent skills, versions, posteriors, episodes and events.

    The extension point for a storage backend: every method is abstract. The SQL backends share
    one implementation (`skillevo._sql_store.SQLStore`, under `SkillLibrary`); another backend
    implements them all, and ``tests/test_store_conformance.py`` is the suite it must pass.
    There is no async twin: the one async path that reaches a store, the episode API an adapter's
    ``ainvoke``/``astream`` calls (`Evolver.afinish`, ``aon_tool_error``, ...), runs the store
    calls in a worker thread (``asyncio.to_thread``), so an event loop never waits on the database.

    Contract shared by all backends:
      * every public write is atomic: it commits whole or (on any exception) not at all;
      * several writes can be grouped with ``with store.transaction(): ...``;
      * versions are immutable once written except for `status`, and every status change is
        recorded as a ``lifecycle`` (or ``review``) event in the same transaction;
      * nothing is ever deleted by the store API;
      * it is safe to use one store object from many threads;
      * nothing secret is written: every backend's writes (episodes, events, versions, status
        reasons) pass through `_store_common.scrubbing_writes`, which redacts each row first.
    """

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        # Redaction at the store boundary, wrapped here so that no backend can leave it out.
        scrubbing_writes(cls)
        own_close = cls.__dict__.get("close")
        if own_close is not None:
            # Work owed to the library (an Evolver's queued mining) runs before any backend closes.
            def close(self: SkillStore) -> None:
                self._run_before_close()
                own_close(self)

            close.__doc__ = own_close.__doc__
            cls.close = close  # type: ignore[method-assign]

    #: methods written once here for every backend (the rest each backend implements)
    CONCRETE: ClassVar[frozenset[str]] = frozenset(
        {"before_close", "_run_before_close", "close_time_left", "closed", "_in_transaction", "unreadable_skills"}
    )

    def before_close(self, callback: Callable[[], object]) -> None:
        """Call `callback` (held weakly when it is a bound method) before the library closes: an
        `Evolver` uses it to finish the mining it queued for episodes of this library."""
        # A plain function is held strongly; a bound method weakly, so the hook keeps no Evolver alive.
        ref: Callable[[], Callable[[], object] | None] = (
            weakref.WeakMethod(callback) if inspect.ismethod(callback) else (lambda: callback)
        )
        with _BEFORE_CLOSE_LOCK:
            hooks = self.__dict__.setdefault("_before_close_hooks", [])
            # (those of Evolvers gone: a long-lived library sees many come and go)
            hooks[:] = [h for h in hooks if h() is not None]
            hooks.append(ref)

    def _run_before_close(self) -> None:
        with _BEFORE_CLOSE_LOCK:
            hooks = list(self.__dict__.get("_before_close_hooks", ()))
        # One budget for the whole close, shared by every hook (every Evolver of the library): a
        # close is how a process shuts down, and before 2026-12-07 it waited 10 s per Evolver for
        # queued mining and without bound for inline mining of the episodes it stopped.
        self.__dict__["_close_deadline"] = time.monotonic() + CLOSE_HOOKS_S
        try:
            # Episodes dropped unfinished (their Evolver maybe with them, its hook gone) first.
            store_abandoned()
            for ref in hooks:
                callback = ref()
                if callback is None:
                    continue
                try:
                    callback()
                except Exception:  # closing must go on: what the hook owed is logged where it failed
                    _log.exception(
                        "skillevo: a before-close hook of %s failed", getattr(self, "location", "a library")
                    )
        finally:
            self.__dict__.pop("_close_deadline", None)

    @property
    def closed(self) -> bool:
        """Whether `close` has closed the library (False for a backend that keeps no ``_closed``)."""
        return bool(self.__dict__.get("_closed", False))

    def close_time_left(self) -> float:
        """Seconds a before-close hook may still take: what is left of the close's `CLOSE_HOOKS_S`
        over all hooks (the whole of it outside a close)."""
        deadline = self.__dict__.get("_close_deadline")
        return CLOSE_HOOKS_S if deadline is None else max(0.0, deadline - time.monotonic())

    def _in_transaction(self) -> bool:
        """Whether this thread has a transaction open on the library (a write now would be part of
        it, and go with its rollback). False for a backend that keeps no per-thread transaction."""
        return False

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

    def unreadable_skills(self) -> dict[str, str]:
        """The skills `skills` and `match` leave out because a stored row of theirs does not read
        (edited by hand, a broken tool, a disk fault), each with that row's one-line error (naming
        the row, never its value). A backend whose rows always read has none: this default."""
        return {}

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
        actor: str = SKILLEVO,
        kind: EventKind = EventKind.LIFECYCLE,
        data: dict[str, object] | None = None,
        expected: VersionStatus | None = None,
    ) -> SkillVersion:
        """Change a version's status and record the transition as an event (one transaction).

        With `expected`, the change is conditional: when the stored status is another, nothing is
        written and `StatusConflictError` is raised (another process decided first). The check and
        the write hold the version's row (and its skill's) locked, so of several processes taking
        the same decision from what they read earlier exactly one takes it.
        """

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

    @abstractmethod
    def increment_posterior(self, increment: PosteriorIncrement) -> None:
        """Apply one selector update as atomic increments in SQL (no read-modify-write).

        In one transaction: the key's ``steps`` counter grows by one, the key's arms decay by
        ``increment.decay``, the arm gets ``+reward`` / ``+(1 - reward)`` (after its own
        ``arm_decay``), a window's leaving reward is taken back, and on ``reset`` the key returns to
        the prior with a new epoch and ``detections + 1``. Concurrent increments from any number of
        processes all count (see `_learning_sql`). With ``increment.key_epoch`` the update applies
        only while the key and the arm are still in the epochs it carries, else it is dropped. A
        store may queue it (``durability="batched"``), writing it before its next posterior read.
        """

    @abstractmethod
    def reset_posteriors(self, key: str | None = None, arm: str | None = None) -> None:
        """Return one arm, every arm of `key`, or every arm to the prior, each with a new epoch."""

    @abstractmethod
    def posterior_snapshot(self, key: str | None = None) -> tuple[list[PosteriorState], dict[str, KeyCounters]]:
        """The stored arms of `key` (or of every key) and their keys' counters and epochs, in one
        read (for one `key`, its counters even where it has no row: the library's epoch then)."""

    # ------------------------------------------------------------------ episodes & events

    @abstractmethod
    def save_episode(self, episode: Episode, events: Sequence[Event] = (), *, key: str | None = None) -> list[int]:
        """Insert or replace an episode together with its events, in one transaction.

        Returns the new events' ids. Once this returns, the episode and events are durable. `key`
        (made once by the caller for one write and its retries: `skillevo._store_args.write_key`)
        makes it happen once: a save or record whose key a committed write took writes nothing (a
        save returns ``[]``), so a caller that records again what a save that raised may have
        committed (a connection lost after its COMMIT) does not write it twice.
        """

    @abstractmethod
    def record_episode(self, episode: Episode, events: Sequence[Event] = (), *, key: str | None = None) -> None:
        """`save_episode` for a caller that needs no event ids and does not wait for the write.

        A backend may queue the record and write it later, batched, off the caller's thread; what
        was recorded is then written before the store's next read or write returns (one process
        reads what it recorded), and by `flush` and `close`. Inside `transaction()` it is part of
        the transaction. It is written once under its `key` (see `save_episode`; a backend makes
        one if None), however often the queue has to write it.
        """

    @abstractmethod
    def flush(self) -> None:
        """Write whatever `record_episode` has queued; raises `LibraryError` if that fails."""

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
    def log_pending_review(self, event: Event) -> bool:
        """Log a pending-promotion event (a test won under required review) once per transition.

        Written, with the version's ``pending_review`` flag, only while the version is ``testing``
        and not already awaiting review (the check and the write in one transaction, like
        `set_status` with ``expected``): of several processes announcing one won test from what
        each read earlier, exactly one writes. Returns whether this call wrote it.
        """

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
    def newest_events(self, *, kind: EventKind | str, tool: str | None = None, limit: int) -> list[Event]:
        """The newest `limit` events of `kind` (of `tool`, if given), in id order: what
        ``events(kind=kind, tool=tool)[-limit:]`` returns (none for a `limit` of 0), reading only them."""

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

    def change_meta(self, key: str, value: str) -> bool:
        """Set `key` to `value` unless it holds `value` already; True when this call changed it.

        Atomic across processes: of several setting the same value, exactly one is told it changed
        it (inside an open `transaction()`, the write is part of it). The SQL backends use one
        conditional upsert; this default reads and writes inside `transaction()`, which is atomic
        only where a transaction serialises writers (override it where one does not).
        """
        with self.transaction():
            if self.get_meta(key) == value:
                return False
            self.set_meta(key, value)
            return True
