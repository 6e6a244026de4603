"""The skill library on PostgreSQL, for agents on many hosts sharing one library.

Same contract as the SQLite backend (one conformance suite runs against both). Differences that
matter in production:

* connections come from a `psycopg_pool.ConnectionPool`; a transaction holds one connection;
* migrations are serialised with a session-level advisory lock, so hosts that start together do
  not race, and each migration commits together with its version row;
* posterior updates lock their row (``SELECT ... FOR UPDATE``), so no concurrent update is lost;
* events are written with a pipelined ``executemany`` and every value goes through parameters.
"""

from __future__ import annotations

import fnmatch
import json
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any

from ._durability import Durability, check_durability
from ._errors import LibraryError, NotFoundError, SchemaVersionError, SkillevoError
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
from ._redaction import capped_text, mask_url, mask_urls_in
from ._sanitize import clean_text, json_text
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

try:
    import psycopg
    from psycopg import sql
    from psycopg.rows import dict_row
    from psycopg.types.json import Jsonb
    from psycopg_pool import ConnectionPool
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError('the PostgreSQL backend needs psycopg 3: pip install "skillevo[postgres]"') from exc

__all__ = ["PostgresLibrary"]

# An episode row and its event rows, serialised when recorded (the queue never holds live objects).
_EpisodeRows = tuple[tuple[Any, ...], list[tuple[Any, ...]]]

_SCHEMA_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_")

MIGRATIONS: list[list[str]] = [
    [
        """CREATE TABLE skills (
            name text PRIMARY KEY,
            description text NOT NULL DEFAULT '',
            trigger jsonb NOT NULL,
            kind text NOT NULL,
            tool_key text NOT NULL,
            created_at double precision NOT NULL)""",
        "CREATE INDEX skills_kind_tool ON skills (kind, tool_key)",
        """CREATE TABLE versions (
            id text PRIMARY KEY,
            skill text NOT NULL REFERENCES skills(name),
            number integer NOT NULL,
            strategy jsonb NOT NULL,
            parent text,
            origin jsonb NOT NULL,
            status text NOT NULL,
            created_at double precision NOT NULL,
            UNIQUE (skill, number))""",
        "CREATE INDEX versions_status ON versions (status)",
        """CREATE TABLE posteriors (
            key text NOT NULL,
            arm text NOT NULL,
            alpha double precision NOT NULL,
            beta double precision NOT NULL,
            observations double precision NOT NULL,
            updated_at double precision NOT NULL,
            extra jsonb NOT NULL DEFAULT '{}'::jsonb,
            PRIMARY KEY (key, arm))""",
        """CREATE TABLE episodes (
            id text PRIMARY KEY,
            task text NOT NULL,
            group_id text,
            policy_version text,
            started_at double precision NOT NULL,
            finished_at double precision,
            reward double precision,
            applied jsonb NOT NULL,
            metadata jsonb NOT NULL)""",
        "CREATE INDEX episodes_started ON episodes (started_at)",
        "CREATE INDEX episodes_group ON episodes (group_id)",
        """CREATE TABLE events (
            id bigserial PRIMARY KEY,
            ts double precision NOT NULL,
            kind text NOT NULL,
            episode_id text,
            tool text,
            version_id text,
            data jsonb NOT NULL)""",
        "CREATE INDEX events_kind ON events (kind, id)",
        "CREATE INDEX events_episode ON events (episode_id)",
        "CREATE INDEX events_tool ON events (tool, kind)",
        "CREATE INDEX events_version ON events (version_id)",
        "CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL)",
    ],
    [  # one version per content: old duplicates keep a NULL key (NULLs never collide)
        "ALTER TABLE versions ADD COLUMN content_hash text",
        "UPDATE versions SET content_hash = md5(strategy::text) WHERE id IN (SELECT DISTINCT ON "
        "(skill, md5(strategy::text)) id FROM versions ORDER BY skill, md5(strategy::text), number)",
        "CREATE UNIQUE INDEX versions_content ON versions (skill, content_hash)",
    ],
    migration("postgres"),  # learning state: atomic posterior increments, key counters, version counters
]


def _split_url(url: str) -> tuple[str, str]:
    """Take skillevo's own ``schema`` query parameter out of a libpq URL."""
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    schema = "skillevo"
    kept = []
    for key, value in query:
        if key == "schema":
            schema = value
        else:
            kept.append((key, value))
    conninfo = urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(kept)))
    return conninfo, schema


def _safe_location(url: str) -> str:
    return mask_url(url)








_VERSION_SELECT = """
    SELECT v.id, v.skill, v.number, v.strategy, v.parent, v.origin, v.status, v.created_at,
           v.selected_episodes, v.pending_review, p.alpha AS p_alpha, p.beta AS p_beta, p.observations AS p_obs
    FROM versions v LEFT JOIN posteriors p ON p.key = v.skill AND p.arm = v.id
"""


class PostgresLibrary(SkillLibrary):
    """`SkillLibrary` on PostgreSQL (psycopg 3 + psycopg_pool).

    Args:
        location: a libpq URL, ``postgresql://user:pass@host:5432/db``; an extra query parameter
            ``schema=NAME`` (default ``skillevo``) selects the schema the tables live in.
        schema: overrides the URL's ``schema``.
        min_size, max_size: connection pool bounds.
        timeout: seconds to wait for a connection before failing with `LibraryError`.
        durability: ``"batched"`` or ``"sync"``: when a recorded episode is committed (docs/library.md).
    """

    def __init__(
        self,
        location: str,
        *,
        schema: str | None = None,
        min_size: int = 1,
        max_size: int = 8,
        timeout: float = 15.0,
        durability: Durability = "batched",
    ) -> None:
        self.durability = check_durability(durability)
        conninfo, url_schema = _split_url(location)
        self.schema = (schema or url_schema).lower()
        if not self.schema or not set(self.schema) <= _SCHEMA_NAME_CHARS or self.schema[0].isdigit():
            raise LibraryError(f"invalid PostgreSQL schema name {self.schema!r}: use lowercase letters, digits, _")
        self.location = _safe_location(location)
        self._local = threading.local()
        self._closed = False
        self._behind: WriteBehind[_EpisodeRows] = WriteBehind(
            self._write_recorded, threading.RLock(), self.location, (psycopg.Error,),
            poison=(psycopg.DataError, psycopg.IntegrityError),
            sync=self.durability == "sync",
        )
        try:
            # One direct attempt first: fails fast with libpq's own reason instead of pool retries.
            psycopg.connect(conninfo, connect_timeout=max(1, int(timeout))).close()
        except psycopg.Error as exc:
            raise LibraryError(f"cannot connect to PostgreSQL at {self.location}: {_one_line(exc)}") from None
        self._pool: ConnectionPool[Any] = ConnectionPool(
            conninfo,
            min_size=min_size,
            max_size=max_size,
            timeout=timeout,
            open=False,
            # "batched" durability is SQLite's synchronous=NORMAL on the server: a commit survives the
            # client process dying, and a crash of the server loses at most its last ~0.6 s of
            # commits (three WAL-writer rounds), never consistency; "sync" waits for the WAL flush.
            kwargs={
                "row_factory": dict_row,
                "options": f"-c search_path={self.schema}"
                + (" -c synchronous_commit=off" if self.durability == "batched" else ""),
            },
            name="skillevo",
        )
        try:
            self._pool.open(wait=True, timeout=timeout)
        except Exception as exc:  # psycopg_pool raises PoolTimeout with the libpq error inside
            self._pool.close()
            raise LibraryError(f"cannot connect to PostgreSQL at {self.location}: {_one_line(exc)}") from None
        try:
            self._migrate()
        except psycopg.Error as exc:  # e.g. the connection was killed half-way: that migration rolled back
            self._pool.close()
            raise LibraryError(f"cannot prepare the library at {self.location}: {_one_line(exc)}") from None
        except BaseException:
            self._pool.close()
            raise

    # ------------------------------------------------------------------ plumbing

    def flush(self) -> None:
        """Write the episodes `record_episode` has queued. Raises `LibraryError` if that fails (they
        stay queued)."""
        if not self._closed:
            self._behind.drain()

    def close(self) -> None:
        """Write what is queued and close the connection pool. Idempotent. If the queued episodes
        cannot be written it raises `LibraryError` and stays open (call it again to retry)."""
        self._behind.close(self._close_pool)

    def _close_pool(self) -> None:
        if not self._closed:
            self._closed = True
            self._pool.close()

    @contextmanager
    def _conn(self, *, queued_first: bool = True) -> Iterator[psycopg.Connection[dict[str, Any]]]:
        current = getattr(self._local, "conn", None)
        if current is not None:
            yield current
            return
        if self._closed:
            raise LibraryError(f"the library {self.location} is closed")
        if queued_first and self._behind:  # recorded episodes first: a process reads what it recorded
            self._behind.drain()
        try:
            with self._begin() as conn:
                yield conn
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:  # connection lost, server gone
            raise LibraryError(f"PostgreSQL error at {self.location}: {_one_line(exc)}") from exc

    @contextmanager
    def _begin(self, attempts: int = 3) -> Iterator[psycopg.Connection[dict[str, Any]]]:
        """A pooled connection in a transaction. One the server closed while it sat in the pool
        (a restart, an idle kill) fails at BEGIN, before anything was done: another is taken."""
        for attempt in range(attempts):
            stack = ExitStack()
            conn = stack.enter_context(self._pool.connection())
            try:
                stack.enter_context(conn.transaction())
            except psycopg.OperationalError:
                if not stack.__exit__(*sys.exc_info()) and attempt == attempts - 1:
                    raise
                continue
            with stack:
                yield conn
            return

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes in one transaction (nested blocks become savepoints)."""
        current = getattr(self._local, "conn", None)
        if current is not None:
            with current.transaction():
                yield
            return
        with self._conn() as conn:
            self._local.conn = conn
            try:
                yield
            finally:
                self._local.conn = None

    def _migrate(self) -> None:
        # A session-level advisory lock on a connection of its own: hosts starting together queue
        # here, and each migration still commits atomically with its version row.
        with self._pool.connection() as conn:
            conn.autocommit = True
            lock_key = f"skillevo-migrate:{self.schema}"
            conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (lock_key,))
            try:
                conn.autocommit = False
                with conn.transaction():
                    conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(self.schema)))
                    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)")
                    row = conn.execute("SELECT max(version) AS v FROM schema_version").fetchone()
                current = int(row["v"]) if row and row["v"] is not None else 0
                if current > len(MIGRATIONS):
                    raise SchemaVersionError(
                        f"{self.location} (schema {self.schema}) has schema version {current}, newer than this "
                        f"skillevo knows ({len(MIGRATIONS)}): upgrade skillevo"
                    )
                for number, statements in enumerate(MIGRATIONS[current:], start=current + 1):
                    with conn.transaction():
                        for statement in statements:
                            conn.execute(statement)
                        conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (number,))
            finally:
                conn.autocommit = True
                conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (lock_key,))

    @property
    def schema_version(self) -> int:
        """The schema version of the open database."""
        with self._conn() as conn:
            row = conn.execute("SELECT max(version) AS v FROM schema_version").fetchone()
        return int(row["v"]) if row and row["v"] is not None else 0

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
        with self._conn() as conn:
            cur = conn.execute(
                "INSERT INTO skills (name, description, trigger, kind, tool_key, created_at) "
                "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (name) DO NOTHING",
                (
                    skill.name,
                    skill.description,
                    Jsonb(trigger.model_dump(mode="json")),
                    trigger.kind.value,
                    tool_key(trigger),
                    skill.created_at,
                ),
            )
            if cur.rowcount == 0:
                raise SkillevoError(f"a skill named {name!r} already exists")
            return self._insert_version(conn, name, 1, strategy, None, origin, status)

    def _insert_version(
        self,
        conn: psycopg.Connection[dict[str, Any]],
        name: str,
        number: int,
        strategy: Strategy,
        parent: str | None,
        origin: Origin | None,
        status: VersionStatus,
    ) -> SkillVersion:
        content = Jsonb(strategy.model_dump(mode="json", exclude_none=True))
        same = conn.execute(
            _VERSION_SELECT + " WHERE v.skill = %s AND v.content_hash = md5(%s::jsonb::text)", (name, content)
        ).fetchone()
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
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, md5(%s::jsonb::text))",
            (
                version.id,
                name,
                number,
                content,
                parent,
                Jsonb(version.origin.model_dump(mode="json")),
                status.value,
                version.created_at,
                content,
            ),
        )
        conn.execute(
            "INSERT INTO events (ts, kind, episode_id, tool, version_id, data) VALUES (%s, %s, NULL, NULL, %s, %s)",
            (
                version.created_at,
                EventKind.LIFECYCLE.value,
                version.id,
                Jsonb(lifecycle_event_data(None, status, "created", "skillevo")),
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
        with self._conn() as conn:
            # Lock the skill row so two hosts adding versions at once get distinct numbers.
            row = conn.execute("SELECT name FROM skills WHERE name = %s FOR UPDATE", (name,)).fetchone()
            if row is None:
                raise NotFoundError(f"no skill named {name!r}")
            top = conn.execute("SELECT max(number) AS n FROM versions WHERE skill = %s", (name,)).fetchone()
            number = int(top["n"] or 0) + 1 if top else 1
            return self._insert_version(conn, name, number, strategy, parent, origin, status)

    def skill(self, name: str) -> Skill:
        """One skill with all its versions. Raises `NotFoundError`."""
        with self._conn() as conn:
            rows = conn.execute("SELECT * FROM skills WHERE name = %s", (name,)).fetchall()
            if not rows:
                raise NotFoundError(f"no skill named {name!r}")
            versions = conn.execute(_VERSION_SELECT + " WHERE v.skill = %s", (name,)).fetchall()
        return skills_from_rows(rows, versions)[0]

    def skills(self, status: VersionStatus | str | None = None) -> list[Skill]:
        """All skills (with versions), optionally only those whose derived status is `status`."""
        wanted = VersionStatus(status) if status is not None else None
        with self._conn() as conn:
            rows = conn.execute("SELECT * FROM skills ORDER BY name").fetchall()
            versions = conn.execute(_VERSION_SELECT).fetchall()
        skills = skills_from_rows(rows, versions)
        return [s for s in skills if wanted is None or s.status is wanted]

    def version(self, version_id: str) -> SkillVersion:
        """One version by id (``"name@n"``). Raises `NotFoundError`."""
        with self._conn() as conn:
            row = conn.execute(_VERSION_SELECT + " WHERE v.id = %s", (version_id,)).fetchone()
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
        with self._conn() as conn:
            # The skill's row is locked too: status changes of one skill's versions are serialized
            # across processes (a test start checks that no sibling is under test).
            row = conn.execute(
                "SELECT v.status FROM versions v JOIN skills s ON s.name = v.skill WHERE v.id = %s FOR UPDATE",
                (version_id,),
            ).fetchone()
            if row is None:
                raise NotFoundError(f"no skill version {version_id!r}")
            old = VersionStatus(row["status"])
            check_expected(version_id, old, expected)
            conn.execute("UPDATE versions SET status = %s WHERE id = %s", (status.value, version_id))
            if EventKind(kind) is EventKind.REVIEW:  # a review answers any pending promotion
                conn.execute("UPDATE versions SET pending_review = 0 WHERE id = %s", (version_id,))
            payload = lifecycle_event_data(old, status, reason, actor, data)
            conn.execute(
                "INSERT INTO events (ts, kind, episode_id, tool, version_id, data) VALUES (%s, %s, NULL, NULL, %s, %s)",
                (time.time(), EventKind(kind).value, version_id, Jsonb(payload)),
            )
            updated = conn.execute(_VERSION_SELECT + " WHERE v.id = %s", (version_id,)).fetchone()
        assert updated is not None
        return version_from_row(updated)

    def match(
        self,
        kind: TriggerKind,
        tool: str | None = None,
        *,
        statuses: Sequence[VersionStatus] = (VersionStatus.ACTIVE, VersionStatus.TESTING),
    ) -> list[Skill]:
        """Skills whose trigger has `kind` and whose tool glob can match `tool` (indexed)."""
        keys = ["*"] if tool is None else [tool, "*"]
        status_values = [VersionStatus(s).value for s in statuses]
        with self._conn() as conn:
            rows = conn.execute(
                "SELECT * FROM skills WHERE kind = %s AND tool_key = ANY(%s) ORDER BY name",
                (TriggerKind(kind).value, keys),
            ).fetchall()
            rows = [
                r
                for r in rows
                if tool is None
                or r["tool_key"] == tool
                or fnmatch.fnmatchcase(tool, str(r["trigger"].get("tool", "*")))
            ]
            if not rows:
                return []
            versions = conn.execute(
                _VERSION_SELECT + " WHERE v.skill = ANY(%s) AND v.status = ANY(%s)",
                ([r["name"] for r in rows], status_values),
            ).fetchall()
        skills = skills_from_rows(rows, versions)
        return [s for s in skills if s.versions]

    # ------------------------------------------------------------------ posteriors

    def posteriors(self, key: str | None = None) -> list[PosteriorState]:
        """Stored selector states, for one key or all."""
        with self._conn() as conn:
            if key is None:
                rows = conn.execute("SELECT * FROM posteriors ORDER BY key, arm").fetchall()
            else:
                rows = conn.execute("SELECT * FROM posteriors WHERE key = %s ORDER BY arm", (key,)).fetchall()
        return [posterior_from_row(r) for r in rows]

    def put_posterior(self, state: PosteriorState) -> None:
        """Overwrite one arm's state."""
        with self._conn() as conn:
            self._upsert_posterior(conn, state)

    @staticmethod
    def _upsert_posterior(conn: psycopg.Connection[dict[str, Any]], state: PosteriorState) -> None:
        conn.execute(
            "INSERT INTO posteriors (key, arm, alpha, beta, observations, updated_at, extra, epoch) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (key, arm) DO UPDATE SET "
            "alpha = EXCLUDED.alpha, beta = EXCLUDED.beta, observations = EXCLUDED.observations, "
            "updated_at = EXCLUDED.updated_at, extra = EXCLUDED.extra, epoch = posteriors.epoch + 1",
            (
                state.key, state.arm, state.alpha, state.beta, state.observations, state.updated_at,
                Jsonb(state.extra), state.epoch,
            ),
        )

    def increment_posterior(self, increment: PosteriorIncrement) -> None:
        """One selector update as atomic increments, in one transaction (pipelined: one round trip)."""
        self._run_pipelined(increment_statements(increment, time.time(), Jsonb))

    def reset_posteriors(self, key: str | None = None, arm: str | None = None) -> None:
        """Back to the prior, with a new epoch."""
        self._run_pipelined(reset_statements(key, arm, time.time(), Jsonb))

    @contextmanager
    def _pipelined(self) -> Iterator[psycopg.Connection[dict[str, Any]]]:
        """A transaction in pipeline mode: BEGIN, the statements and COMMIT go out together, one
        round trip instead of one per statement (inside `transaction()`, part of it)."""
        current = getattr(self._local, "conn", None)
        if current is not None:
            with current.pipeline():
                yield current
            return
        if self._closed:
            raise LibraryError(f"the library {self.location} is closed")
        if self._behind:  # recorded episodes first: a process reads what it recorded
            self._behind.drain()
        try:
            with self._pool.connection() as conn, conn.pipeline(), conn.transaction():
                yield conn
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:  # connection lost, server gone
            raise LibraryError(f"PostgreSQL error at {self.location}: {_one_line(exc)}") from exc

    def _run_pipelined(self, statements: list[tuple[str, tuple[Any, ...]]]) -> None:
        with self._pipelined() as conn:
            for statement, params in statements:
                conn.execute(_pg(statement), params, prepare=True)

    def posterior_snapshot(self, key: str | None = None) -> tuple[list[PosteriorState], dict[str, KeyCounters]]:
        """The stored arms of `key` (or of every key) and their keys' counters (one round trip)."""
        statement, params = snapshot_query(key)
        with self._pipelined() as conn:
            cur = conn.execute(_pg(statement), params, prepare=True)
        rows = cur.fetchall()  # the pipeline has synced: the rows are here, no further round trip
        counters = snapshot_counters(rows)
        return [posterior_from_row(r) for r in rows], counters

    def update_posterior(
        self, key: str, arm: str, update: Callable[[PosteriorState], PosteriorState]
    ) -> PosteriorState:
        """Read-modify-write one arm's state under a row lock: no concurrent update is lost."""
        with self._conn() as conn:
            conn.execute(
                "INSERT INTO posteriors (key, arm, alpha, beta, observations, updated_at, extra) "
                "VALUES (%s, %s, 1, 1, 0, %s, '{}'::jsonb) ON CONFLICT (key, arm) DO NOTHING",
                (key, arm, time.time()),
            )
            row = conn.execute("SELECT * FROM posteriors WHERE key = %s AND arm = %s FOR UPDATE", (key, arm)).fetchone()
            assert row is not None
            new = update(posterior_from_row(row))
            if (new.key, new.arm) != (key, arm):
                raise SkillevoError("update_posterior: the update function must keep key and arm")
            self._upsert_posterior(conn, new)
        return new

    # ------------------------------------------------------------------ episodes & events

    _EVENT_INSERT = (
        "INSERT INTO events (ts, kind, episode_id, tool, version_id, data) VALUES (%s, %s, %s, %s, %s, %s) RETURNING id"
    )

    def _insert_events(
        self, conn: psycopg.Connection[dict[str, Any]], events: Sequence[Event]
    ) -> Callable[[], list[int]]:
        """Insert `events`; returns what reads their ids (call it once the statements have run: in
        pipeline mode, after the pipeline has synced, so the ids cost no round trip of their own)."""
        if not events:
            return list
        params = [
            (e.ts, EventKind(e.kind).value, e.episode_id, e.tool and clean_text(e.tool), e.version_id,
             Jsonb(e.data, json_text))
            for e in events
        ]
        self._count(conn, ((p[1], p[2], p[4], p[5]) for p in params))
        cur = conn.cursor()
        cur.executemany(self._EVENT_INSERT, params, returning=True)

        def ids() -> list[int]:
            out: list[int] = []
            with cur:
                while True:
                    row = cur.fetchone()
                    assert row is not None
                    out.append(int(row["id"]))
                    if not cur.nextset():
                        return out

        return ids

    _EPISODE_UPSERT = (
        "INSERT INTO episodes (id, task, group_id, policy_version, started_at, finished_at, reward, applied,"
        " metadata) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO UPDATE SET "
        "task = EXCLUDED.task, group_id = EXCLUDED.group_id, policy_version = EXCLUDED.policy_version, "
        "started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at, reward = EXCLUDED.reward, "
        "applied = EXCLUDED.applied, metadata = EXCLUDED.metadata"
    )

    def save_episode(self, episode: Episode, events: Sequence[Event] = ()) -> list[int]:
        """Insert or replace an episode together with its events, in one transaction."""
        with self._pipelined() as conn:  # one round trip: BEGIN, the rows, COMMIT
            conn.execute(self._EPISODE_UPSERT, _clean_episode_row(episode), prepare=True)
            ids = self._insert_events(conn, [e.model_copy(update={"episode_id": episode.id}) for e in events])
        return ids()

    def record_episode(self, episode: Episode, events: Sequence[Event] = ()) -> None:
        """Save an episode and its events in a background thread, batched with others. Written
        before this store's next read or write returns, and at `flush` and `close`; inside
        `transaction()`, at once."""
        row = _clean_episode_row(episode)
        event_rows = [
            (e.ts, EventKind(e.kind).value, row[0], e.tool and clean_text(e.tool), e.version_id, json_text(e.data))
            for e in events
        ]
        if getattr(self._local, "conn", None) is not None:
            self._write_recorded([(row, event_rows)])
            return
        self._behind.put((row, event_rows))

    def _write_recorded(self, batch: list[_EpisodeRows]) -> None:
        with self._conn(queued_first=False) as conn, conn.cursor() as cur:
            cur.executemany(self._EPISODE_UPSERT, [row for row, _ in batch])
            events = [e for _, event_rows in batch for e in event_rows]
            if events:
                cur.executemany(
                    "INSERT INTO events (ts, kind, episode_id, tool, version_id, data) "
                    "VALUES (%s, %s, %s, %s, %s, %s::jsonb)",
                    events,
                )
                self._count(conn, ((e[1], e[2], e[4], e[5]) for e in events))

    @staticmethod
    def _count(conn: psycopg.Connection[dict[str, Any]], rows: Iterable[tuple[Any, ...]]) -> None:
        """Keep the version counters with the events that move them (same transaction)."""
        for statement, params in counter_updates(rows, decode_json):
            conn.execute(_pg(statement), params)

    def set_reward(self, episode_id: str, reward: float) -> Episode:
        """Record a (delayed) reward on a stored episode. Raises `NotFoundError`."""
        with self._conn() as conn:
            row = conn.execute(
                "UPDATE episodes SET reward = %s WHERE id = %s RETURNING *", (float(reward), episode_id)
            ).fetchone()
        if row is None:
            raise NotFoundError(f"no episode {episode_id!r}")
        return episode_from_row(row)

    def episode(self, episode_id: str) -> Episode:
        """One episode. Raises `NotFoundError`."""
        with self._conn() as conn:
            row = conn.execute("SELECT * FROM episodes WHERE id = %s", (episode_id,)).fetchone()
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
            placeholder="%s",
        )
        with self._conn() as conn:
            rows = conn.execute(query, params).fetchall()
        return [episode_from_row(r) for r in rows]

    def count_episodes(self) -> int:
        """How many episodes are stored."""
        with self._conn() as conn:
            row = conn.execute("SELECT count(*) AS n FROM episodes").fetchone()
        return int(row["n"]) if row else 0

    def log_events(self, events: Sequence[Event]) -> list[int]:
        """Append events in one batched transaction; returns their ids in order."""
        with self._pipelined() as conn:
            ids = self._insert_events(conn, events)
        return ids()

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
            placeholder="%s",
        )
        with self._conn() as conn:
            rows = conn.execute(query, params).fetchall()
        return [event_from_row(r) for r in rows]

    def iter_events(self, *, after_id: int | None = None, batch: int = 5000) -> Iterator[Event]:
        """All events after `after_id`, streamed in id order (keyset pagination)."""
        last = after_id if after_id is not None else 0
        while True:
            with self._conn() as conn:
                rows = conn.execute("SELECT * FROM events WHERE id > %s ORDER BY id LIMIT %s", (last, batch)).fetchall()
            if not rows:
                return
            for row in rows:
                yield event_from_row(row)
            last = int(rows[-1]["id"])

    def count_events(self, kind: EventKind | str | None = None) -> int:
        """How many events (of one kind) are stored."""
        with self._conn() as conn:
            if kind is None:
                row = conn.execute("SELECT count(*) AS n FROM events").fetchone()
            else:
                row = conn.execute(
                    "SELECT count(*) AS n FROM events WHERE kind = %s", (EventKind(kind).value,)
                ).fetchone()
        return int(row["n"]) if row else 0

    # ------------------------------------------------------------------ metadata

    def get_meta(self, key: str) -> str | None:
        """A small string value or None."""
        with self._conn() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = %s", (key,)).fetchone()
        return None if row is None else str(row["value"])

    def set_meta(self, key: str, value: str) -> None:
        """Store a small string value."""
        with self._conn() as conn:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                (key, value),
            )

    # ------------------------------------------------------------------ bulk copy (migrate)

    def dump(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every record, backend-neutral, for `skillevo migrate` (see `SkillStore.dump`)."""
        with self._conn() as conn:
            for row in conn.execute("SELECT * FROM skills ORDER BY created_at, name").fetchall():
                yield (
                    "skill",
                    {
                        "name": row["name"],
                        "description": row["description"],
                        "trigger": row["trigger"],
                        "created_at": row["created_at"],
                    },
                )
            for row in conn.execute("SELECT * FROM versions ORDER BY skill, number").fetchall():
                yield (
                    "version",
                    {
                        k: row[k]
                        for k in ("id", "skill", "number", "strategy", "parent", "origin", "status", "created_at")
                    },
                )
            for row in conn.execute("SELECT * FROM posteriors ORDER BY key, arm").fetchall():
                yield "posterior", dict(row)
            for row in conn.execute("SELECT * FROM meta ORDER BY key").fetchall():
                yield "meta", dict(row)
        for episode in self._iter_episodes():
            yield "episode", episode.model_dump(mode="json")
        for event in self.iter_events():
            yield "event", event.model_dump(mode="json")

    def _iter_episodes(self, batch: int = 5000) -> Iterator[Episode]:
        last = ""
        while True:
            with self._conn() as conn:
                rows = conn.execute(
                    "SELECT * FROM episodes WHERE id > %s ORDER BY id LIMIT %s", (last, batch)
                ).fetchall()
            if not rows:
                return
            for row in rows:
                yield episode_from_row(row)
            last = rows[-1]["id"]

    def load(self, records: Iterable[tuple[str, dict[str, Any]]]) -> dict[str, int]:
        """Copy records from `dump()` into this (empty) library, keeping ids; one transaction."""
        from ._postgres_copy import load

        return load(self, records)


def _pg(statement: str) -> str:
    """A shared ``?``-placeholder statement (`_learning_sql`) in psycopg's ``%s`` style."""
    return statement.replace("?", "%s")


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _clean_episode_row(episode: Episode) -> tuple[Any, ...]:
    """An episodes row serialised now (a snapshot) with what PostgreSQL refuses mended (`_sanitize`)."""
    return episode_values(episode, lambda value: Jsonb(json_text(value), dumps=_as_is))


def _as_is(text: str) -> str:
    return text


def _one_line(exc: BaseException) -> str:
    # A driver's message may quote the connection string: masked and redacted before it is cut.
    text = capped_text(mask_urls_in(" ".join(str(exc).split())), 300)
    return text or type(exc).__name__
