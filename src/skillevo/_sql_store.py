"""The SQL store, written once: every `SkillStore` method against a `Dialect` (SQLite, PostgreSQL).

As langgraph's checkpoint savers share a base, the two backends share this class: it holds the
statements (``?`` placeholders; the dialect rewrites them), the transaction discipline (one
outermost transaction per thread, nested writes as savepoints, the write-behind queue written
before every read and write of the caller), the version/posterior/episode/event logic and the
version counters. A backend (`skillevo._sqlite`, `skillevo._postgres`) parses its location, opens
its connections, migrates its schema and hands a `Dialect` to `_open`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from ._actors import SKILLEVO, check_actor, check_events
from ._episode_rows import episode_values, known_secrets, recorded_episode, recorded_row
from ._errors import LibraryError, NotFoundError, SkillevoError
from ._learning_sql import (
    KeyCounters,
    PosteriorIncrement,
    check_expected,
    counter_updates,
    decode_json,
    increment_statements,
    reset_statements,
    snapshot_counters,
    snapshot_query,
)
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
from ._sanitize import clean_text
from ._skill_rows import glob_matches, skills_from_rows
from ._sql_conn import Deferred, Queued, QueuedIncrement, Recorded, SQLConnections, retried
from ._sql_dialect import EventRow, Statement
from ._store_args import enum_arg, increment_arg, instance_arg, key_arg, number_arg, write_key
from ._store_common import (
    DeferredEvents,
    count_arg,
    episode_from_row,
    event_from_row,
    event_kind,
    lifecycle_event_data,
    new_skill,
    posterior_from_row,
    redacts_deferred,
    scrub_episode,
    select_query,
    tool_key,
    version_from_row,
)

__all__ = ["EPISODE_UPSERT", "EVENT_INSERT", "VERSION_SELECT", "SQLStore"]

_Record = tuple[tuple[Any, ...], list[EventRow]]

VERSION_SELECT = """
    SELECT v.id, v.skill, v.number, v.strategy, v.parent, v.origin, v.status, v.created_at,
           v.selected_episodes, v.pending_review, p.alpha AS p_alpha, p.beta AS p_beta, p.observations AS p_obs
    FROM versions v LEFT JOIN posteriors p ON p.key = v.skill AND p.arm = v.id
"""
EVENT_INSERT = "INSERT INTO events (ts, kind, episode_id, tool, version_id, data) VALUES (?, ?, ?, ?, ?, ?)"
EPISODE_UPSERT = (
    "INSERT INTO episodes (id, task, group_id, policy_version, started_at, finished_at, reward, applied, "
    "metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET task = excluded.task, "
    "group_id = excluded.group_id, policy_version = excluded.policy_version, started_at = "
    "excluded.started_at, finished_at = excluded.finished_at, reward = excluded.reward, applied = "
    "excluded.applied, metadata = excluded.metadata"
)
_POSTERIOR_UPSERT = (
    "INSERT INTO posteriors (key, arm, alpha, beta, observations, updated_at, extra, epoch) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (key, arm) DO UPDATE SET alpha = excluded.alpha, beta = excluded.beta, "
    "observations = excluded.observations, updated_at = excluded.updated_at, extra = excluded.extra, "
    "epoch = posteriors.epoch + 1"  # an overwrite: caches drop what they derived from the old state
)


def _counters(rows: Iterable[EventRow]) -> list[Statement]:
    return counter_updates(((r[1], r[2], r[4], r[5]) for r in rows), decode_json)


def _marks(n: int) -> str:
    return ", ".join("?" * n)


class SQLStore(SQLConnections):
    """`SkillStore` on a SQL database, the database's own ways left to a `Dialect`."""

    # ------------------------------------------------------------------ skills & versions

    @retried
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
        skill = new_skill(name, description, trigger)  # validates the name: one line, ConfigError
        with self._write() as conn:
            cur = self._x(
                conn,
                "INSERT INTO skills (name, description, trigger, kind, tool_key, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING",
                (skill.name, skill.description, self._d.json(trigger.model_dump(mode="json")), trigger.kind.value,
                 tool_key(trigger), skill.created_at),
            )
            if cur.rowcount == 0:
                raise SkillevoError(f"a skill named {name!r} already exists")
            return self._insert_version(conn, name, 1, strategy, None, origin, status)

    def _insert_version(
        self,
        conn: Any,
        name: str,
        number: int,
        strategy: Strategy,
        parent: str | None,
        origin: Origin | None,
        status: VersionStatus,
    ) -> SkillVersion:
        content = strategy.model_dump(mode="json", exclude_none=True)
        key_sql, key_params = self._d.content_key(content)
        same = self._x(conn, VERSION_SELECT + f" WHERE v.skill = ? AND v.content_hash = {key_sql}",
                       (name, *key_params)).fetchone()
        if same is not None:  # one version per content: a concurrent proposal of it gets the stored one
            return version_from_row(same)
        version = SkillVersion(
            id=f"{name}@{number}", skill=name, number=number, strategy=strategy, parent=parent,
            origin=origin or Origin(), status=status,
        )
        self._x(
            conn,
            "INSERT INTO versions (id, skill, number, strategy, parent, origin, status, created_at, content_hash) "
            f"VALUES (?, ?, ?, ?, ?, ?, ?, ?, {key_sql})",
            (version.id, name, number, self._d.json(content), parent,
             self._d.json(version.origin.model_dump(mode="json")), status.value, version.created_at, *key_params),
        )
        data = lifecycle_event_data(None, status, "created", SKILLEVO)
        self._x(conn, EVENT_INSERT,
                (version.created_at, EventKind.LIFECYCLE.value, None, None, version.id, self._d.json(data)))
        return version

    @retried
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
        with self._write() as conn:
            # Lock the skill row (PostgreSQL) so two hosts adding versions at once get distinct numbers.
            if self._x(conn, "SELECT name FROM skills WHERE name = ?" + self._d.for_update, (name,)).fetchone() is None:
                raise NotFoundError(f"no skill named {name!r}")
            top = self._x(conn, "SELECT max(number) AS n FROM versions WHERE skill = ?", (name,)).fetchone()
            number = int(top["n"] or 0) + 1
            return self._insert_version(conn, name, number, strategy, parent, origin, status)

    def skill(self, name: str) -> Skill:
        """One skill with all its versions. Raises `NotFoundError`."""
        # Both statements sent before either is read: one round trip on PostgreSQL (the lifecycle
        # check after every credited call reads a skill).
        with self._read(posteriors=False, pipelined=True) as conn:
            skill_rows = self._x(conn, "SELECT * FROM skills WHERE name = ?", (name,))
            version_rows = self._x(conn, VERSION_SELECT + " WHERE v.skill = ?", (name,))
            rows, versions = skill_rows.fetchall(), version_rows.fetchall()
        if not rows:
            raise NotFoundError(f"no skill named {name!r}")
        return skills_from_rows(rows, versions)[0]

    def skills(self, status: VersionStatus | str | None = None) -> list[Skill]:
        """All skills (with versions), optionally only those whose derived status is `status`; a
        skill a stored row of which does not read is left out, with a warning (`_skill_rows`)."""
        wanted = enum_arg("status", VersionStatus, status) if status is not None else None
        return [s for s in self._all_skills(self._unreadable.skip) if wanted is None or s.status is wanted]

    def _all_skills(self, skip: Callable[[str, LibraryError], object]) -> list[Skill]:
        with self._read(posteriors=False) as conn:
            rows = self._x(conn, "SELECT * FROM skills ORDER BY name").fetchall()
            versions = self._x(conn, VERSION_SELECT).fetchall()
        return skills_from_rows(rows, versions, skip)

    def unreadable_skills(self) -> dict[str, str]:
        """The skills `skills` leaves out, each with the one-line error of its first unreadable row."""
        found: dict[str, LibraryError] = {}
        self._all_skills(found.setdefault)
        return {name: str(error) for name, error in found.items()}

    def version(self, version_id: str) -> SkillVersion:
        """One version by id (``"name@n"``). Raises `NotFoundError`."""
        rows = self._select(VERSION_SELECT + " WHERE v.id = ?", (version_id,), posteriors=False)
        if not rows:
            raise NotFoundError(f"no skill version {version_id!r}")
        return version_from_row(rows[0])

    @retried
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
        """Change a version's status and record the transition as an event (one transaction);
        conditional with `expected` (see `SkillStore.set_status`)."""
        status, kind = enum_arg("status", VersionStatus, status), enum_arg("kind", EventKind, kind)
        actor = check_actor(actor)  # skillevo's own deciders' names are theirs (`skillevo._actors`)
        with self._write() as conn:
            # The skill's row is locked too: status changes of one skill's versions are serialized
            # across processes (a test start checks that no sibling is under test).
            row = self._x(
                conn,
                "SELECT v.status FROM versions v JOIN skills s ON s.name = v.skill WHERE v.id = ?" + self._d.for_update,
                (version_id,),
            ).fetchone()
            if row is None:
                raise NotFoundError(f"no skill version {version_id!r}")
            old = VersionStatus(row["status"])
            check_expected(version_id, old, expected)
            self._x(conn, "UPDATE versions SET status = ? WHERE id = ?", (status.value, version_id))
            if EventKind(kind) is EventKind.REVIEW:  # a review answers any pending promotion
                self._x(conn, "UPDATE versions SET pending_review = 0 WHERE id = ?", (version_id,))
            payload = self._d.json(lifecycle_event_data(old, status, reason, actor, data))
            self._x(conn, EVENT_INSERT, (time.time(), EventKind(kind).value, None, None, version_id, payload))
            updated = self._x(conn, VERSION_SELECT + " WHERE v.id = ?", (version_id,)).fetchone()
        return version_from_row(updated)

    def match(
        self,
        kind: TriggerKind,
        tool: str | None = None,
        *,
        statuses: Sequence[VersionStatus] = (VersionStatus.ACTIVE, VersionStatus.TESTING),
    ) -> list[Skill]:
        """Skills whose trigger has `kind` and whose tool glob can match `tool` (indexed)."""
        if tool is not None:
            tool = self._d.text(tool)  # as its skills' triggers were stored (`Dialect.text`)
        keys = ("*",) if tool is None else (tool, "*")
        kind = enum_arg("kind", TriggerKind, kind)
        status_values = [enum_arg("statuses", VersionStatus, s).value for s in statuses]
        with self._read(posteriors=False) as conn:
            rows = self._x(
                conn,
                f"SELECT * FROM skills WHERE kind = ? AND tool_key IN ({_marks(len(keys))}) ORDER BY name",
                (TriggerKind(kind).value, *keys),
            ).fetchall()
            rows = [r for r in rows if tool is None or r["tool_key"] == tool or glob_matches(r["trigger"], tool)]
            if not rows or not status_values:
                return []
            names = [r["name"] for r in rows]
            # Every version is read, not only those of `statuses`: a skill one row of which does not
            # read is left out here as everywhere (kept, its lifecycle and credit would fail on it).
            versions = self._x(conn, VERSION_SELECT + f" WHERE v.skill IN ({_marks(len(names))})", names).fetchall()
        return [s for s in skills_from_rows(rows, versions, self._unreadable.skip, status_values) if s.versions]

    # ------------------------------------------------------------------ posteriors

    def posteriors(self, key: str | None = None) -> list[PosteriorState]:
        """Stored selector states, for one key or all."""
        if key is None:  # all keys: an arm whose row does not read is left out, with a warning
            return self._unreadable.posteriors(self._select("SELECT * FROM posteriors ORDER BY key, arm"))
        rows = self._select("SELECT * FROM posteriors WHERE key = ? ORDER BY arm", (key,))
        return [posterior_from_row(r) for r in rows]

    def _upsert_posterior(self, conn: Any, state: PosteriorState) -> None:
        self._x(conn, _POSTERIOR_UPSERT, (state.key, state.arm, state.alpha, state.beta, state.observations,
                                          state.updated_at, self._d.json(state.extra), state.epoch))

    @retried
    def put_posterior(self, state: PosteriorState) -> None:
        """Overwrite one arm's state."""
        instance_arg("state", state, PosteriorState)
        with self._write() as conn:
            self._upsert_posterior(conn, state)

    @retried
    def update_posterior(
        self, key: str, arm: str, update: Callable[[PosteriorState], PosteriorState]
    ) -> PosteriorState:
        """Read-modify-write one arm's state in one write transaction, the row locked (PostgreSQL:
        ``FOR UPDATE``; SQLite: ``BEGIN IMMEDIATE``): no concurrent update is lost."""
        with self._write() as conn:
            self._x(conn, "INSERT INTO posteriors (key, arm, alpha, beta, observations, updated_at, extra) "
                    "VALUES (?, ?, 1, 1, 0, ?, ?) ON CONFLICT (key, arm) DO NOTHING",
                    (key, arm, time.time(), self._d.json({})))
            row = self._x(conn, "SELECT * FROM posteriors WHERE key = ? AND arm = ?" + self._d.for_update,
                          (key, arm)).fetchone()
            new = instance_arg("update_posterior: the update function's result", update(posterior_from_row(row)),
                               PosteriorState)
            if (new.key, new.arm) != (key, arm):
                raise SkillevoError("update_posterior: the update function must keep key and arm")
            self._upsert_posterior(conn, new)
        return new

    @retried
    def increment_posterior(self, increment: PosteriorIncrement) -> None:
        """One selector update as atomic increments. ``durability="batched"``: queued, written by
        the background writer in its next batch and before this library's next read or write
        returns (as `record_episode`), dropped there if its epochs have passed. ``"sync"``: through
        the same queue, written before this returns (a refusal keeps it queued behind what waits,
        applied once under its write key, as an episode). Inside `transaction()`: part of it, in
        one statement where the database can. A malformed update is a `ConfigError`, never queued."""
        increment = increment_arg(increment, PosteriorIncrement)
        now = time.time()
        if self._current() is not None:
            self._run(increment_statements(increment, now, self._d.json, one_statement=self._d.writable_cte,
                                           lock=self._d.for_share))
            return
        self._writable()
        self._behind.put(QueuedIncrement(increment, now, write_key()))

    @retried
    def reset_posteriors(self, key: str | None = None, arm: str | None = None) -> None:
        """Back to the prior, with a new epoch."""
        self._run(reset_statements(key, arm, time.time(), self._d.json, for_update=self._d.for_update,
                                   lock=self._d.for_share))

    def posterior_snapshot(self, key: str | None = None) -> tuple[list[PosteriorState], dict[str, KeyCounters]]:
        """The stored arms of `key` (or of every key) and their keys' counters and epochs, in one
        statement (`key`'s counters even where it has no row: its epoch is the library's then)."""
        statement, params = snapshot_query(key)
        rows = self._select(statement, params)
        arms = [r for r in rows if r["arm"] is not None]
        read = self._unreadable.posteriors(arms) if key is None else [posterior_from_row(r) for r in arms]
        return read, snapshot_counters(rows)

    # ------------------------------------------------------------------ episodes & events

    def _count(self, conn: Any, rows: Iterable[EventRow]) -> None:
        """Keep the version counters with the events that move them (same transaction)."""
        for statement, params in _counters(rows):
            self._x(conn, statement, params)

    def _write_events(self, episode: tuple[Any, ...] | None, rows: list[EventRow], key: str | None = None) -> list[int]:
        """An episode row (if any), its events and their counters written atomically; the event ids.
        With a `key`: claimed with them, nothing written (no ids) if a write took it before."""
        counters = _counters(rows)
        one = self._d.events_statement(episode, rows, counters) if key is None else None
        if one is not None:  # PostgreSQL: one statement that commits alone, no BEGIN/COMMIT
            return sorted(int(r["id"]) for r in self._run_one(one))
        from ._sql_batch import claim_keys, delete_keys, take_keys

        outermost = self._current() is None
        # Keys of earlier direct saves known committed, deleted in this one: with no queued record
        # (every episode saved to mine) no batch of the queue would ever come to delete them.
        done = take_keys(self._saved, but=key) if key and outermost else []
        try:
            with self._write(pipelined=True) as conn:  # BEGIN, the rows, COMMIT
                if key is not None:
                    delete_keys(self, conn, done)
                    if not claim_keys(self, conn, [key]):
                        return []
                if episode is not None:
                    self._x(conn, EPISODE_UPSERT, episode)
                ids = self._d.insert_events(conn, rows)
                for statement, params in counters:
                    self._x(conn, statement, params)
        except BaseException:
            self._saved.extend(done)  # not deleted: the next write with keys deletes them
            raise
        if key is not None and outermost:
            self._saved.append(key)  # committed: the next write with keys deletes it
        return ids()

    def _event_rows(self, events: Sequence[Event], episode_id: str | None = None) -> list[EventRow]:
        text = self._d.text
        return [
            (e.ts, EventKind(e.kind).value, episode_id or e.episode_id,
             e.tool and text(e.tool), e.version_id, self._d.json(e.data))
            for e in events
        ]

    def _record(self, episode: Episode, events: Sequence[Event]) -> _Record:
        """The rows of an episode and its events, serialised now (a snapshot)."""
        return episode_values(episode, self._d.json), self._event_rows(check_events(events), clean_text(episode.id))

    @retried
    def save_episode(self, episode: Episode, events: Sequence[Event] = (), *, key: str | None = None) -> list[int]:
        """Insert or replace an episode together with its events, in one transaction (with `key`,
        once: see `SkillStore.save_episode`)."""
        return self._write_events(*self._record(episode, events), key_arg(key))

    @redacts_deferred
    def record_episode(self, episode: Episode, events: Sequence[Event] = (), *, key: str | None = None) -> None:
        """Save an episode and its events in a background thread, batched with others (what the
        Evolver does when it needs no event ids). Written before this library's next read or write
        returns, and at `flush`, `close` and interpreter exit; inside `transaction()`, at once.
        Written once under its `key` (one made here if None), however often the queue writes it."""
        self._writable()
        key = key_arg(key) or write_key()
        record: Queued
        if isinstance(events, DeferredEvents):
            # Built, redacted and serialised by the thread that writes them, the episode with them
            # (not redacted yet: see `redacts_deferred`).
            fields = recorded_episode(episode)
            row = fields if fields is not None else episode_values(scrub_episode(episode, known_secrets(events)),
                                                                   self._d.json)
            record = Deferred(row, events, clean_text(episode.id), key)
        else:
            record = Recorded(*self._record(episode, events), key)
        if self._current() is not None:  # inside this thread's transaction: part of it
            self._write_recorded([record])
            return
        self._behind.put(record)

    def _deferred_rows(self, record: Deferred) -> _Record:
        """The rows of a `Deferred` record, made now (by the thread that writes them)."""
        episode = record.episode
        events = self._event_rows(record.events, record.episode_id)  # built first: what they hide, the row hides
        row = recorded_row(episode, self._d.json, record.events.known()) if isinstance(episode, dict) else episode
        return row, events

    def _write_recorded(
        self, batch: list[Queued], *, briefly: bool = False, background: bool = False, at_most: float | None = None
    ) -> list[Queued]:
        from ._sql_batch import queue_wait, write_batch

        return write_batch(self, batch, wait_s=queue_wait(briefly=briefly, background=background, at_most=at_most))

    @retried
    def set_reward(self, episode_id: str, reward: float) -> Episode:
        """Record a (delayed) reward on a stored episode. Raises `NotFoundError`."""
        with self._write() as conn:
            if self._x(conn, "UPDATE episodes SET reward = ? WHERE id = ?",
                       (number_arg("reward", reward), episode_id)).rowcount == 0:
                raise NotFoundError(f"no episode {episode_id!r}")
            row = self._x(conn, "SELECT * FROM episodes WHERE id = ?", (episode_id,)).fetchone()
        return episode_from_row(row)

    def episode(self, episode_id: str) -> Episode:
        """One episode. Raises `NotFoundError`."""
        rows = self._select("SELECT * FROM episodes WHERE id = ?", (episode_id,))
        if not rows:
            raise NotFoundError(f"no episode {episode_id!r}")
        return episode_from_row(rows[0])

    def episodes(
        self,
        *,
        since: float | None = None,
        group_id: str | None = None,
        limit: int | None = None,
    ) -> list[Episode]:
        """Episodes started at or after `since` (oldest first)."""
        query, params = select_query(
            "episodes", [("started_at >= {}", since), ("group_id = {}", group_id)],
            order="started_at, id", limit=limit, placeholder="?",
        )
        return [episode_from_row(r) for r in self._select(query, params)]

    def iter_episodes(self, batch: int = 5000) -> Iterator[Episode]:
        """Every episode, streamed in id order (keyset pagination)."""
        last = ""
        while rows := self._select("SELECT * FROM episodes WHERE id > ? ORDER BY id LIMIT ?", (last, batch)):
            yield from (episode_from_row(r) for r in rows)
            last = rows[-1]["id"]

    def count_episodes(self) -> int:
        """How many episodes are stored."""
        return int(self._select("SELECT count(*) AS n FROM episodes")[0]["n"])

    @retried
    def log_events(self, events: Sequence[Event]) -> list[int]:
        """Append events in one batched transaction; returns their ids in order."""
        return self._write_events(None, self._event_rows(check_events(events)))

    @retried
    def log_pending_review(self, event: Event) -> bool:
        """Log a pending-promotion event once per transition (see `SkillStore.log_pending_review`)."""
        if event.version_id is None:
            raise SkillevoError("a pending-promotion event names its version")
        rows = self._event_rows(check_events([event]))
        with self._write() as conn:
            # The flag is taken by a conditional update: the database serialises it, so one writer
            # finds the row still unflagged and every later one finds it taken.
            taken = self._x(
                conn,
                "UPDATE versions SET pending_review = 1 WHERE id = ? AND status = ? AND pending_review = 0",
                (event.version_id, VersionStatus.TESTING.value),
            ).rowcount
            if taken != 1:
                return False
            self._d.insert_events(conn, rows)
            self._count(conn, rows)
        return True

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
        query, params = select_query(
            "events",
            [
                ("kind = {}", event_kind(kind).value if kind is not None else None),
                ("episode_id = {}", episode_id),
                ("version_id = {}", version_id),
                ("tool = {}", tool),
                ("id > {}", count_arg("after_id", after_id) if after_id is not None else None),
            ],
            order="id", limit=limit, placeholder="?",
        )
        return [event_from_row(r) for r in self._select(query, params)]

    def newest_events(self, *, kind: EventKind | str, tool: str | None = None, limit: int) -> list[Event]:
        """The newest `limit` events of `kind` (of `tool`), in id order: one read of those rows
        (newest first, ``LIMIT``), not of all of them."""
        query, params = select_query(
            "events", [("kind = {}", event_kind(kind).value), ("tool = {}", tool)],
            order="id DESC", limit=count_arg("limit", limit), placeholder="?",
        )
        return [event_from_row(r) for r in reversed(self._select(query, params))]

    def iter_events(self, *, after_id: int | None = None, batch: int = 5000) -> Iterator[Event]:
        """All events after `after_id`, streamed in id order (keyset pagination)."""
        last = count_arg("after_id", after_id) if after_id is not None else 0
        batch = count_arg("batch", batch) or 1
        while rows := self._select("SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?", (last, batch)):
            yield from (event_from_row(r) for r in rows)
            last = int(rows[-1]["id"])

    def count_events(self, kind: EventKind | str | None = None) -> int:
        """How many events (of one kind) are stored."""
        if kind is None:
            return int(self._select("SELECT count(*) AS n FROM events")[0]["n"])
        return int(self._select("SELECT count(*) AS n FROM events WHERE kind = ?", (event_kind(kind).value,))[0]["n"])

    # ------------------------------------------------------------------ metadata

    def get_meta(self, key: str) -> str | None:
        """A small string value or None."""
        rows = self._select("SELECT value FROM meta WHERE key = ?", (key,))
        return str(rows[0]["value"]) if rows else None

    @retried
    def set_meta(self, key: str, value: str) -> None:
        """Store a small string value."""
        with self._write() as conn:
            self._x(conn, "INSERT INTO meta (key, value) VALUES (?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value))

    @retried
    def change_meta(self, key: str, value: str) -> bool:
        """Set `key` to `value` unless it holds it already; True when this call changed it (one
        conditional upsert: the row lock serialises concurrent callers, the second sees the first's
        value and changes nothing)."""
        with self._write() as conn:
            changed = self._x(conn, "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE "
                              "SET value = excluded.value WHERE meta.value <> excluded.value RETURNING key",
                              (key, value)).fetchall()
        return bool(changed)

    # ------------------------------------------------------------------ bulk copy (migrate)

    def dump(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every record as ``(kind, fields)``, backend-neutral: skills, versions, posteriors, posterior
        keys (counters and epochs), meta, the queue's write keys, episodes, events (ids kept). Feeds
        `load` of another backend (``skillevo migrate``)."""
        from ._sql_copy import dump

        return dump(self)

    def load(self, records: Iterable[tuple[str, dict[str, Any]]]) -> dict[str, int]:
        """Copy `dump()` records into this empty library in one transaction; returns counts per kind."""
        from ._sql_copy import load

        return load(self, records)

