"""The embedded skill library: one SQLite file through sqlite-utils.

Careful-SQLite habits: WAL (readers never block the writer), a busy timeout (writers from other
processes queue instead of failing with "database is locked"), foreign keys on, one connection per
process guarded by a lock, ``BEGIN IMMEDIATE`` for every write so a transaction never has to upgrade
its lock half-way, and rollback on any exception. Each migration commits together with its
version row. A file that is not a skillevo library is refused before anything is written to it.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._durability import Durability, check_durability
from ._errors import LibraryError, NotFoundError, SchemaVersionError, SkillevoError
from ._integrity import check_existing_file, connect_read_only, content_hash, writable
from ._learning_sql import (
    KeyCounters,
    PosteriorIncrement,
    check_expected,
    counter_updates,
    decode_json,
    increment_statements,
    migration,
    reset_statements,
    snapshot_counters,
    snapshot_query,
)
from ._library import SkillLibrary
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
from ._store_common import (
    episode_from_row,
    episode_values,
    event_from_row,
    lifecycle_event_data,
    new_skill,
    posterior_from_row,
    select_query,
    skills_from_rows,
    tool_key,
    version_from_row,
)
from ._writebehind import WriteBehind

if TYPE_CHECKING:
    import sqlite_utils

__all__ = ["SQLiteLibrary"]

# An episode row and its event rows, serialised when recorded (the queue never holds live objects).
_EventRow = tuple[float, str, str | None, str | None, str | None, str]
_EpisodeRows = tuple[tuple[Any, ...], list[_EventRow]]
_OWN_TABLES = {"schema_version", "skills", "versions", "posteriors", "episodes", "events", "meta"}

MIGRATIONS: list[list[str]] = [
    [
        """CREATE TABLE skills (
            name TEXT PRIMARY KEY,
            description TEXT NOT NULL DEFAULT '',
            trigger TEXT NOT NULL,
            kind TEXT NOT NULL,
            tool_key TEXT NOT NULL,
            created_at REAL NOT NULL)""",
        "CREATE INDEX skills_kind_tool ON skills (kind, tool_key)",
        """CREATE TABLE versions (
            id TEXT PRIMARY KEY,
            skill TEXT NOT NULL REFERENCES skills(name),
            number INTEGER NOT NULL,
            strategy TEXT NOT NULL,
            parent TEXT,
            origin TEXT NOT NULL,
            status TEXT NOT NULL,
            created_at REAL NOT NULL,
            UNIQUE (skill, number))""",
        "CREATE INDEX versions_skill ON versions (skill)",
        "CREATE INDEX versions_status ON versions (status)",
        """CREATE TABLE posteriors (
            key TEXT NOT NULL,
            arm TEXT NOT NULL,
            alpha REAL NOT NULL,
            beta REAL NOT NULL,
            observations REAL NOT NULL,
            updated_at REAL NOT NULL,
            extra TEXT NOT NULL DEFAULT '{}',
            PRIMARY KEY (key, arm))""",
        """CREATE TABLE episodes (
            id TEXT PRIMARY KEY,
            task TEXT NOT NULL,
            group_id TEXT,
            policy_version TEXT,
            started_at REAL NOT NULL,
            finished_at REAL,
            reward REAL,
            applied TEXT NOT NULL,
            metadata TEXT NOT NULL)""",
        "CREATE INDEX episodes_started ON episodes (started_at)",
        "CREATE INDEX episodes_group ON episodes (group_id)",
        """CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            ts REAL NOT NULL,
            kind TEXT NOT NULL,
            episode_id TEXT,
            tool TEXT,
            version_id TEXT,
            data TEXT NOT NULL)""",
        "CREATE INDEX events_kind ON events (kind, id)",
        "CREATE INDEX events_episode ON events (episode_id)",
        "CREATE INDEX events_tool ON events (tool, kind)",
        "CREATE INDEX events_version ON events (version_id)",
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    ],
    [  # one version per content: old duplicates keep a NULL key (NULLs never collide)
        "ALTER TABLE versions ADD COLUMN content_hash TEXT",
        "UPDATE versions SET content_hash = skillevo_content_hash(strategy) WHERE rowid IN "
        "(SELECT min(rowid) FROM versions GROUP BY skill, strategy)",
        "CREATE UNIQUE INDEX versions_content ON versions (skill, content_hash)",
    ],
    migration("sqlite"),  # learning state: atomic posterior increments, key counters, version counters
]

_VERSION_SELECT = """
    SELECT v.id, v.skill, v.number, v.strategy, v.parent, v.origin, v.status, v.created_at,
           v.selected_episodes, v.pending_review, p.alpha AS p_alpha, p.beta AS p_beta, p.observations AS p_obs
    FROM versions v LEFT JOIN posteriors p ON p.key = v.skill AND p.arm = v.id
"""


# One encoder for every write (what `json.dumps` with these options builds anew on each call).
_ENCODER = json.JSONEncoder(separators=(",", ":"), sort_keys=True)


def _dumps(value: Any) -> str:
    return _ENCODER.encode(value)


def _chunks(rows: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


@functools.lru_cache(maxsize=64)
def _multi_row(statement: str, width: int, n: int) -> str:
    """`statement` (one ``VALUES (?, ...)`` row of `width` values) with `n` rows."""
    one = "(" + ", ".join("?" * width) + ")"
    head, _, tail = statement.partition(one)
    return head + ", ".join([one] * n) + tail


class SQLiteLibrary(SkillLibrary):
    """`SkillLibrary` on an embedded SQLite file (the default).

    Args:
        location: a file path (``~`` expanded), ``"sqlite:///path"``, or ``":memory:"``.
        timeout: seconds a writer waits for another process's write lock before failing.
        durability: ``"batched"`` or ``"sync"``: when a recorded episode is on disk (docs/library.md).
        read_only: open for reading only (also chosen when the file cannot be written).
    """

    def __init__(
        self,
        location: str | os.PathLike[str] = "skillevo.db",
        *,
        timeout: float = 60.0,
        durability: Durability = "batched",
        read_only: bool = False,
    ) -> None:
        text = os.fspath(location)
        if text.startswith("sqlite:///"):
            text = text[len("sqlite:///") :]
            if not text:
                raise LibraryError("sqlite:/// names no file: use sqlite:///PATH, or ':memory:' for memory")
        self.location = text = text if text == ":memory:" else os.path.expanduser(text)
        self.durability = check_durability(durability)
        self._memory = text == ":memory:"
        self.read_only = bool(read_only) and not self._memory
        if not self._memory:
            path = Path(text)
            check_existing_file(path)
            if not path.parent.exists():
                raise LibraryError(f"cannot create {path}: folder {path.parent} does not exist")
            self.read_only = self.read_only or (path.exists() and not writable(path))
            if self.read_only and not path.exists():
                raise LibraryError(f"no skill library at {path} to open read-only")
        self._lock = threading.RLock()
        self._local = threading.local()
        self._closed = False
        self._behind: WriteBehind[_EpisodeRows] = WriteBehind(
            self._write_recorded, self._lock, text, (sqlite3.Error,),
            poison=(sqlite3.DataError, sqlite3.IntegrityError), sync=self.durability == "sync",
        )
        try:
            if self.read_only:
                conn = connect_read_only(Path(text), timeout)
            else:
                conn = sqlite3.connect(text, timeout=timeout, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise LibraryError(f"cannot open {text}: {exc}") from None
        conn.row_factory = sqlite3.Row
        conn.create_function("skillevo_content_hash", 1, content_hash, deterministic=True)
        self._conn = conn
        try:
            # What wrapping the connection in `sqlite_utils.Database` used to set here; the wrapper
            # itself is now made on first use of `db` (importing sqlite_utils pulls in pandas:
            # seconds at the start of every command).
            conn.execute("PRAGMA recursive_triggers = ON")
            conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            conn.execute("PRAGMA foreign_keys = ON")
            if not self._memory and not self.read_only:
                conn.execute("PRAGMA journal_mode = WAL")
                # WAL + NORMAL survives a crash of the process (not of the OS) without an fsync per
                # commit; "sync" durability pays the fsync: a commit is on disk when it returns.
                conn.execute(f"PRAGMA synchronous = {'FULL' if self.durability == 'sync' else 'NORMAL'}")
            self._check_schema() if self.read_only else self._migrate()
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise LibraryError(f"cannot use {text} as a skill library: {exc}") from None
        except BaseException:
            conn.close()
            raise

    # ------------------------------------------------------------------ plumbing

    @functools.cached_property
    def db(self) -> sqlite_utils.Database:
        """The connection as a `sqlite_utils.Database`, for ad-hoc queries and maintenance (call
        `flush` first to see the latest recorded episodes)."""
        import sqlite_utils

        self.flush()
        return sqlite_utils.Database(self._conn)

    def flush(self) -> None:
        """Write the episodes `record_episode` has queued. Raises `LibraryError` if that fails (they
        stay queued)."""
        with self._lock:
            if not self._closed:
                self._behind.drain()

    def close(self) -> None:
        """Write what is queued and close the connection. Idempotent. If the queued episodes cannot
        be written it raises `LibraryError` and stays open (call it again to retry)."""
        self._behind.close(self._close_connection)

    def _close_connection(self) -> None:
        if not self._closed:
            self._closed = True
            self._conn.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (or a savepoint inside an open one); rolls back on any exception."""
        with self._lock:
            if self._closed:
                raise LibraryError(f"the library {self.location} is closed")
            if self._behind:  # recorded episodes first: writes keep their order
                self._behind.drain()
            try:
                with self._transaction() as conn:
                    yield conn
            except sqlite3.Error as exc:
                raise LibraryError(f"{self.location}: the write failed ({' '.join(str(exc).split())})") from None

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """`_write` without the queue (the caller holds the lock)."""
        with self._lock:
            depth = getattr(self._local, "depth", 0)
            conn = self._conn
            if depth:
                name = f"sp{depth}"
                conn.execute(f"SAVEPOINT {name}")
                self._local.depth = depth + 1
                try:
                    yield conn
                except BaseException:
                    if conn.in_transaction:  # not when SQLite rolled back the whole transaction itself
                        conn.execute(f"ROLLBACK TO {name}")
                        conn.execute(f"RELEASE {name}")
                    raise
                else:
                    conn.execute(f"RELEASE {name}")
                finally:
                    self._local.depth = depth
                return
            self._writable()
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise LibraryError(f"{self.location}: cannot start a write ({exc})") from None
            self._local.depth = 1
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:  # SQLite may have rolled back itself (disk full, I/O error)
                    conn.execute("ROLLBACK")
                raise
            else:
                try:
                    conn.execute("COMMIT")
                except sqlite3.Error:
                    if conn.in_transaction:  # keep the real error, not "no transaction is active"
                        conn.execute("ROLLBACK")
                    raise
            finally:
                self._local.depth = 0

    def _writable(self) -> None:
        if self.read_only:
            raise LibraryError(f"{self.location} is open read-only (the file or its folder cannot be written)")

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._closed:
                raise LibraryError(f"the library {self.location} is closed")
            if self._behind:  # a process reads what it recorded
                self._behind.drain()
            yield self._conn

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes: all commit together, or none do if the block raises. Re-entrant."""
        with self._write():
            yield

    def _migrate(self) -> None:
        conn = self._conn
        with self._write():
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
        current = int(row[0]) if row and row[0] is not None else 0
        if current > len(MIGRATIONS):
            raise SchemaVersionError(
                f"{self.location} has schema version {current}, newer than this skillevo knows "
                f"({len(MIGRATIONS)}): upgrade skillevo"
            )
        for number, statements in enumerate(MIGRATIONS[current:], start=current + 1):
            with self._write():
                # Another process may have applied it while we waited for the write lock.
                done = conn.execute("SELECT 1 FROM schema_version WHERE version = ?", (number,)).fetchone()
                if done:
                    continue
                for statement in statements:
                    conn.execute(statement)
                conn.execute("INSERT INTO schema_version (version) VALUES (?)", (number,))

    def _check_schema(self) -> None:
        """A read-only library is not migrated: it must be one, and not from a newer skillevo."""
        names = {r[0] for r in self._conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        current = self.schema_version if "schema_version" in names else 0
        if not current:
            raise LibraryError(f"{self.location} is read-only and not a skill library yet")
        if current > len(MIGRATIONS):
            raise SchemaVersionError(f"{self.location} has schema version {current}, newer than this skillevo knows")

    @property
    def schema_version(self) -> int:
        """The schema version of the open database."""
        with self._read() as conn:
            row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    # ------------------------------------------------------------------ skills & versions

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
            if conn.execute("SELECT 1 FROM skills WHERE name = ?", (name,)).fetchone():
                raise SkillevoError(f"a skill named {name!r} already exists")
            conn.execute(
                "INSERT INTO skills (name, description, trigger, kind, tool_key, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    skill.name,
                    skill.description,
                    _dumps(trigger.model_dump(mode="json")),
                    trigger.kind.value,
                    tool_key(trigger),
                    skill.created_at,
                ),
            )
            return self._insert_version(conn, name, 1, strategy, None, origin, status)

    def _insert_version(
        self,
        conn: sqlite3.Connection,
        name: str,
        number: int,
        strategy: Strategy,
        parent: str | None,
        origin: Origin | None,
        status: VersionStatus,
    ) -> SkillVersion:
        strategy_json = _dumps(strategy.model_dump(mode="json", exclude_none=True))
        key = content_hash(strategy_json)
        same = conn.execute(_VERSION_SELECT + " WHERE v.skill = ? AND v.content_hash = ?", (name, key)).fetchone()
        if same is not None:  # one version per content: a concurrent proposal of it gets the stored one
            return version_from_row(same)
        version = SkillVersion(
            id=f"{name}@{number}",
            skill=name,
            number=number,
            strategy=strategy,
            parent=parent,
            origin=origin or Origin(),
            status=status,
        )
        conn.execute(
            "INSERT INTO versions (id, skill, number, strategy, parent, origin, status, created_at, content_hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                version.id,
                name,
                number,
                strategy_json,
                parent,
                _dumps(version.origin.model_dump(mode="json")),
                status.value,
                version.created_at,
                key,
            ),
        )
        conn.execute(
            "INSERT INTO events (ts, kind, episode_id, tool, version_id, data) VALUES (?, ?, NULL, NULL, ?, ?)",
            (
                version.created_at,
                EventKind.LIFECYCLE.value,
                version.id,
                _dumps(lifecycle_event_data(None, status, "created", "skillevo")),
            ),
        )
        return version

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
            if not conn.execute("SELECT 1 FROM skills WHERE name = ?", (name,)).fetchone():
                raise NotFoundError(f"no skill named {name!r}")
            top = conn.execute("SELECT max(number) FROM versions WHERE skill = ?", (name,)).fetchone()
            number = int(top[0] or 0) + 1
            return self._insert_version(conn, name, number, strategy, parent, origin, status)

    def skill(self, name: str) -> Skill:
        """One skill with all its versions. Raises `NotFoundError`."""
        with self._read() as conn:
            rows = conn.execute("SELECT * FROM skills WHERE name = ?", (name,)).fetchall()
            if not rows:
                raise NotFoundError(f"no skill named {name!r}")
            versions = conn.execute(_VERSION_SELECT + " WHERE v.skill = ?", (name,)).fetchall()
        return skills_from_rows(rows, versions)[0]

    def skills(self, status: VersionStatus | str | None = None) -> list[Skill]:
        """All skills (with versions), optionally only those whose derived status is `status`."""
        wanted = VersionStatus(status) if status is not None else None
        with self._read() as conn:
            rows = conn.execute("SELECT * FROM skills ORDER BY name").fetchall()
            versions = conn.execute(_VERSION_SELECT).fetchall()
        skills = skills_from_rows(rows, versions)
        return [s for s in skills if wanted is None or s.status is wanted]

    def version(self, version_id: str) -> SkillVersion:
        """One version by id (``"name@n"``). Raises `NotFoundError`."""
        with self._read() as conn:
            row = conn.execute(_VERSION_SELECT + " WHERE v.id = ?", (version_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no skill version {version_id!r}")
        return version_from_row(row)

    def set_status(
        self,
        version_id: str,
        status: VersionStatus,
        *,
        reason: str,
        actor: str = "skillevo",
        kind: EventKind = EventKind.LIFECYCLE,
        data: dict[str, object] | None = None,
        expected: VersionStatus | None = None,
    ) -> SkillVersion:
        """Change a version's status and record the transition as an event (one transaction)."""
        status = VersionStatus(status)
        with self._write() as conn:
            row = conn.execute("SELECT status FROM versions WHERE id = ?", (version_id,)).fetchone()
            if row is None:
                raise NotFoundError(f"no skill version {version_id!r}")
            old = VersionStatus(row[0])
            check_expected(version_id, old, expected)
            conn.execute("UPDATE versions SET status = ? WHERE id = ?", (status.value, version_id))
            if EventKind(kind) is EventKind.REVIEW:  # a review answers any pending promotion
                conn.execute("UPDATE versions SET pending_review = 0 WHERE id = ?", (version_id,))
            conn.execute(
                "INSERT INTO events (ts, kind, episode_id, tool, version_id, data) VALUES (?, ?, NULL, NULL, ?, ?)",
                (
                    time.time(),
                    EventKind(kind).value,
                    version_id,
                    _dumps(lifecycle_event_data(old, status, reason, actor, data)),
                ),
            )
            updated = conn.execute(_VERSION_SELECT + " WHERE v.id = ?", (version_id,)).fetchone()
        return version_from_row(updated)

    def match(
        self,
        kind: TriggerKind,
        tool: str | None = None,
        *,
        statuses: Sequence[VersionStatus] = (VersionStatus.ACTIVE, VersionStatus.TESTING),
    ) -> list[Skill]:
        """Skills whose trigger has `kind` and whose tool glob can match `tool` (indexed)."""
        keys = ("*",) if tool is None else (tool, "*")
        status_values = [VersionStatus(s).value for s in statuses]
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT * FROM skills WHERE kind = ? AND tool_key IN ({','.join('?' * len(keys))}) ORDER BY name",
                (TriggerKind(kind).value, *keys),
            ).fetchall()
            rows = [
                r
                for r in rows
                if tool is None or r["tool_key"] == tool or fnmatch.fnmatchcase(tool, json.loads(r["trigger"])["tool"])
            ]
            if not rows or not status_values:
                return []
            names = [r["name"] for r in rows]
            versions = conn.execute(
                _VERSION_SELECT + f" WHERE v.skill IN ({','.join('?' * len(names))})"
                f" AND +v.status IN ({','.join('?' * len(status_values))})",
                (*names, *status_values),
            ).fetchall()
        return [s for s in skills_from_rows(rows, versions) if s.versions]

    # ------------------------------------------------------------------ posteriors

    def posteriors(self, key: str | None = None) -> list[PosteriorState]:
        """Stored selector states, for one key or all."""
        with self._read() as conn:
            if key is None:
                rows = conn.execute("SELECT * FROM posteriors ORDER BY key, arm").fetchall()
            else:
                rows = conn.execute("SELECT * FROM posteriors WHERE key = ? ORDER BY arm", (key,)).fetchall()
        return [posterior_from_row(r) for r in rows]

    @staticmethod
    def _upsert_posterior(conn: sqlite3.Connection, state: PosteriorState) -> None:
        conn.execute(
            "INSERT INTO posteriors (key, arm, alpha, beta, observations, updated_at, extra, epoch) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (key, arm) DO UPDATE SET alpha = excluded.alpha, beta = excluded.beta, "
            "observations = excluded.observations, updated_at = excluded.updated_at, extra = excluded.extra, "
            "epoch = posteriors.epoch + 1",  # an overwrite: caches drop what they derived from the old state
            (
                state.key, state.arm, state.alpha, state.beta, state.observations, state.updated_at,
                _dumps(state.extra), state.epoch,
            ),
        )

    def put_posterior(self, state: PosteriorState) -> None:
        """Overwrite one arm's state."""
        with self._write() as conn:
            self._upsert_posterior(conn, state)

    def update_posterior(
        self, key: str, arm: str, update: Callable[[PosteriorState], PosteriorState]
    ) -> PosteriorState:
        """Read-modify-write one arm's state inside one write transaction (BEGIN IMMEDIATE)."""
        with self._write() as conn:
            row = conn.execute("SELECT * FROM posteriors WHERE key = ? AND arm = ?", (key, arm)).fetchone()
            current = posterior_from_row(row) if row else PosteriorState(key=key, arm=arm)
            new = update(current)
            if (new.key, new.arm) != (key, arm):
                raise SkillevoError("update_posterior: the update function must keep key and arm")
            self._upsert_posterior(conn, new)
        return new

    def increment_posterior(self, increment: PosteriorIncrement) -> None:
        """One selector update as atomic increments, in one write transaction."""
        with self._write() as conn:
            for statement, params in increment_statements(increment, time.time(), _dumps):
                conn.execute(statement, params)

    def reset_posteriors(self, key: str | None = None, arm: str | None = None) -> None:
        """Back to the prior, with a new epoch."""
        with self._write() as conn:
            for statement, params in reset_statements(key, arm, time.time(), _dumps):
                conn.execute(statement, params)

    def posterior_snapshot(self, key: str | None = None) -> tuple[list[PosteriorState], dict[str, KeyCounters]]:
        """The stored arms of `key` (or of every key) and their keys' counters."""
        statement, params = snapshot_query(key)
        with self._read() as conn:
            rows = conn.execute(statement, params).fetchall()
        counters = snapshot_counters(rows)
        return [posterior_from_row(r) for r in rows], counters

    @staticmethod
    def _count(conn: sqlite3.Connection, rows: Sequence[_EventRow]) -> None:
        """Keep the version counters with the events that move them (same transaction)."""
        for statement, params in counter_updates(((r[1], r[2], r[4], r[5]) for r in rows), decode_json):
            conn.execute(statement, params)

    # ------------------------------------------------------------------ episodes & events

    _EVENT_INSERT = "INSERT INTO events (ts, kind, episode_id, tool, version_id, data) VALUES (?, ?, ?, ?, ?, ?)"

    @staticmethod
    def _event_rows(events: Sequence[Event], episode_id: str | None = None) -> list[_EventRow]:
        return [
            (e.ts, EventKind(e.kind).value, episode_id or e.episode_id, e.tool, e.version_id, _dumps(e.data))
            for e in events
        ]

    @staticmethod
    def _insert_event_rows(conn: sqlite3.Connection, rows: list[_EventRow]) -> list[int]:
        """Insert event rows and return their ids."""
        if not rows:
            return []
        row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'events'").fetchone()
        first = (int(row[0]) if row else 0) + 1
        # One executemany per batch; AUTOINCREMENT ids inside one write transaction are consecutive.
        conn.executemany(SQLiteLibrary._EVENT_INSERT, rows)
        SQLiteLibrary._count(conn, rows)
        return list(range(first, first + len(rows)))

    @classmethod
    def _insert_events(
        cls, conn: sqlite3.Connection, events: Sequence[Event], episode_id: str | None = None
    ) -> list[int]:
        """Insert `events` (all under `episode_id` when given) and return their ids."""
        return cls._insert_event_rows(conn, cls._event_rows(events, episode_id))

    _EPISODE_UPSERT = (
        "INSERT INTO episodes (id, task, group_id, policy_version, started_at, finished_at, reward, applied, "
        "metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET task = excluded.task, "
        "group_id = excluded.group_id, policy_version = excluded.policy_version, started_at = "
        "excluded.started_at, finished_at = excluded.finished_at, reward = excluded.reward, applied = "
        "excluded.applied, metadata = excluded.metadata"
    )

    @staticmethod
    def _episode_rows(episode: Episode, events: Sequence[Event]) -> _EpisodeRows:
        return episode_values(episode, _dumps), SQLiteLibrary._event_rows(events, episode.id)

    def save_episode(self, episode: Episode, events: Sequence[Event] = ()) -> list[int]:
        """Insert or replace an episode together with its events, in one transaction."""
        row, event_rows = self._episode_rows(episode, events)
        with self._write() as conn:
            conn.execute(self._EPISODE_UPSERT, row)
            return self._insert_event_rows(conn, event_rows)

    def record_episode(self, episode: Episode, events: Sequence[Event] = ()) -> None:
        """Save an episode and its events in a background thread, batched with others (what the
        Evolver does when it needs no event ids). Written before this library's next read or write
        returns, and at `flush`, `close` and interpreter exit; inside `transaction()`, at once."""
        self._writable()
        rows = self._episode_rows(episode, events)
        if getattr(self._local, "depth", 0):  # inside this thread's transaction: part of it
            self._write_recorded([rows])
            return
        self._behind.put(rows)

    def _write_recorded(self, batch: list[_EpisodeRows]) -> None:
        # Multi-row statements: each statement step releases and re-takes the GIL, and in a
        # background thread every re-take waits for the agent's thread to let go of it.
        episodes = [row for row, _ in batch]
        events = [e for _, rows in batch for e in rows]
        with self._transaction() as conn:
            # At most 999 values per statement: the limit of SQLite builds before 3.32.
            for chunk in _chunks(episodes, 111):
                conn.execute(_multi_row(self._EPISODE_UPSERT, 9, len(chunk)), [v for row in chunk for v in row])
            for chunk in _chunks(events, 166):
                conn.execute(_multi_row(self._EVENT_INSERT, 6, len(chunk)), [v for row in chunk for v in row])
            self._count(conn, events)

    def set_reward(self, episode_id: str, reward: float) -> Episode:
        """Record a (delayed) reward on a stored episode. Raises `NotFoundError`."""
        with self._write() as conn:
            cur = conn.execute("UPDATE episodes SET reward = ? WHERE id = ?", (float(reward), episode_id))
            if cur.rowcount == 0:
                raise NotFoundError(f"no episode {episode_id!r}")
            row = conn.execute("SELECT * FROM episodes WHERE id = ?", (episode_id,)).fetchone()
        return episode_from_row(row)

    def episode(self, episode_id: str) -> Episode:
        """One episode. Raises `NotFoundError`."""
        with self._read() as conn:
            row = conn.execute("SELECT * FROM episodes WHERE id = ?", (episode_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no episode {episode_id!r}")
        return episode_from_row(row)

    def episodes(
        self,
        *,
        since: float | None = None,
        group_id: str | None = None,
        limit: int | None = None,
    ) -> list[Episode]:
        """Episodes started at or after `since` (oldest first)."""
        query, params = select_query(
            "episodes",
            [("started_at >= {}", since), ("group_id = {}", group_id)],
            order="started_at, id",
            limit=limit,
            placeholder="?",
        )
        with self._read() as conn:
            rows = conn.execute(query, params).fetchall()
        return [episode_from_row(r) for r in rows]

    def count_episodes(self) -> int:
        """How many episodes are stored."""
        with self._read() as conn:
            return int(conn.execute("SELECT count(*) FROM episodes").fetchone()[0])

    def log_events(self, events: Sequence[Event]) -> list[int]:
        """Append events in one batched transaction; returns their ids in order."""
        with self._write() as conn:
            return self._insert_events(conn, events)

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
                ("kind = {}", EventKind(kind).value if kind is not None else None),
                ("episode_id = {}", episode_id),
                ("version_id = {}", version_id),
                ("tool = {}", tool),
                ("id > {}", int(after_id) if after_id is not None else None),
            ],
            order="id",
            limit=limit,
            placeholder="?",
        )
        with self._read() as conn:
            rows = conn.execute(query, params).fetchall()
        return [event_from_row(r) for r in rows]

    def iter_events(self, *, after_id: int | None = None, batch: int = 5000) -> Iterator[Event]:
        """All events after `after_id`, streamed in id order (keyset pagination)."""
        last = after_id if after_id is not None else 0
        while True:
            with self._read() as conn:
                rows = conn.execute("SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?", (last, batch)).fetchall()
            if not rows:
                return
            for row in rows:
                yield event_from_row(row)
            last = int(rows[-1]["id"])

    def count_events(self, kind: EventKind | str | None = None) -> int:
        """How many events (of one kind) are stored."""
        with self._read() as conn:
            if kind is None:
                row = conn.execute("SELECT count(*) FROM events").fetchone()
            else:
                row = conn.execute("SELECT count(*) FROM events WHERE kind = ?", (EventKind(kind).value,)).fetchone()
        return int(row[0])

    # ------------------------------------------------------------------ metadata

    def get_meta(self, key: str) -> str | None:
        """A small string value or None."""
        with self._read() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        """Store a small string value."""
        with self._write() as conn:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # ------------------------------------------------------------------ bulk copy (migrate)

    def dump(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every record, backend-neutral, for `skillevo migrate`."""
        from ._sqlite_copy import dump

        return dump(self)

    def load(self, records: Iterable[tuple[str, dict[str, Any]]]) -> dict[str, int]:
        """Copy records from `dump()` into this (empty) library, keeping ids; one transaction."""
        from ._sqlite_copy import load

        return load(self, records)
