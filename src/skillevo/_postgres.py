"""The skill library on PostgreSQL (`PostgresLibrary`), for agents on many hosts sharing one library.

Same contract and the same code as the SQLite backend (`skillevo._sql_store.SQLStore`; one
conformance suite runs against both); this module opens the pool and says how PostgreSQL does
things (`PostgresDialect`). What matters in production:

* connections come from a `psycopg_pool.ConnectionPool`, in autocommit mode: a lone statement (a
  read, a posterior increment) is one round trip with no BEGIN/COMMIT, a transaction says BEGIN;
* a pooled connection the server closed while it sat in the pool is seen before use (its socket
  is readable) and replaced; a transaction's BEGIN failing is retried on another connection;
* migrations are serialised with a session-level advisory lock, so hosts that start together do
  not race, and each migration commits together with its version row;
* a read-then-write locks its row (``SELECT ... FOR UPDATE``), so no concurrent update is lost;
* several statements nobody needs an answer to before the end (an episode and its events, a
  multi-statement increment) go out pipelined, BEGIN to COMMIT in one round trip;
* every value goes through parameters; hot statements are prepared.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import select
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any

from . import _sql_batch
from ._durability import Durability, check_durability
from ._errors import ConfigError, LibraryError
from ._library import SkillLibrary, configured_db
from ._pg_probe import ServerRefuses, probe
from ._redaction import capped_text, mask_url, mask_urls_in
from ._sanitize import json_text, numeric_floats
from ._sql_dialect import Dialect, EventRow, Statement, TransactionAborted
from ._sql_schema import migrations
from ._sql_store import EPISODE_UPSERT, EVENT_INSERT
from ._store_args import count_arg, location_arg, seconds_arg

try:
    import psycopg
    from psycopg.rows import dict_row
    from psycopg.types.json import Jsonb
    from psycopg_pool import ConnectionPool, PoolTimeout
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError('the PostgreSQL backend needs psycopg 3: pip install "skillevo[postgres]"') from exc

__all__ = ["MIGRATIONS", "PostgresLibrary", "holds_library"]

_Conn = psycopg.Connection[dict[str, Any]]
# A connection's attribute: the ``lock_timeout`` its session was set to (ms; None: its own).
_SESSION_MS = "_skillevo_lock_ms"
_SCHEMA_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_")
_ATTEMPTS = 3
_FIRST_WAIT_S = 0.5  # a wait for a pooled connection past which the server is asked whether it answers
_PROBE_EVERY_S = 1.0  # a host that leaves the ask unanswered is asked again after this (the calls between fail at once)
_log = logging.getLogger("skillevo")
# SQLSTATEs of a transaction the server aborted before it took effect, that another attempt may
# not meet: serialization_failure, deadlock_detected (not 40003: completion unknown).
_ABORTED = frozenset({"40001", "40P01"})

MIGRATIONS: list[list[str]] = migrations("postgres")


def _split_url(url: str) -> tuple[str, str]:
    """Take skillevo's own ``schema`` query parameter out of a libpq URL. The other parameters go to
    libpq as written: libpq reads ``+`` as a plus, not a space, so decoding and encoding them again
    broke ``options=-c%20statement_timeout%3D5000`` (sent as ``-c+statement_timeout=5000``) and a
    ``+`` in a value (read back as a space)."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError as exc:
        # urllib checks a bracketed host itself ("Invalid IPv6 URL"): its ValueError is the user's
        # mistyped URL, so it is said as skillevo's one line, the password masked.
        raise LibraryError(f"not a valid PostgreSQL URL: {_safe_location(url)}: {_one_line(exc)}") from None
    schema = "skillevo"
    kept = []
    for field in parts.query.split("&") if parts.query else []:
        key, _, value = field.partition("=")
        if urllib.parse.unquote(key) == "schema":
            schema = urllib.parse.unquote(value)
        elif field:
            kept.append(field)
    # Only the query is rewritten, in place: urlunsplit drops an empty host, and made libpq's URL
    # of the local server, postgresql:///db, into postgresql:/db, which libpq refuses.
    before, mark, fragment = url.partition("#")
    conninfo = before.partition("?")[0] + (f"?{'&'.join(kept)}" if kept else "") + mark + fragment
    return conninfo, schema


def _safe_location(url: str) -> str:
    return mask_url(url)


def holds_library(location: str, timeout: float = 10.0) -> bool:
    """Whether the schema `location` names holds a skillevo library, read without creating anything
    (opening a `PostgresLibrary` creates its schema and tables: a reading command with a mistyped
    ``?schema=`` would leave an empty library behind). `LibraryError` if the server cannot be read."""
    conninfo, schema = _split_url(location)
    try:
        with psycopg.connect(conninfo, connect_timeout=max(1, int(timeout))) as conn:
            row = conn.execute("SELECT to_regclass(%s)", (f"{schema.lower()}.schema_version",)).fetchone()
    except psycopg.Error as exc:
        raise LibraryError(f"PostgreSQL error at {_safe_location(location)}: {_one_line(exc)}") from None
    return row is not None and row[0] is not None


_inside = threading.local()  # depth: this thread is inside one of skillevo's uses of a connection


class _OwnConnectionWarnings(logging.Filter):
    """Drops the driver's warnings logged while skillevo itself uses a connection: they are the
    teardown of a connection skillevo already reports lost ("error ignored terminating
    <psycopg.Pipeline [BAD]>", "discarding closed connection": one per dead pooled connection, a
    flood beside the one `LibraryError` when a server restarts). Errors, and every record logged
    outside skillevo's calls (the application's own psycopg use), pass unchanged."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.WARNING or not getattr(_inside, "depth", 0)


_DRIVER_FILTER = _OwnConnectionWarnings()


def _quiet_driver() -> None:
    # A logger's filter sees only what is logged to that logger itself, not its children's records.
    for name in ("psycopg", "psycopg.pool"):
        logging.getLogger(name).addFilter(_DRIVER_FILTER)  # once: addFilter skips one already there


@functools.lru_cache(maxsize=256)
def _pg(statement: str) -> str:
    """A ``?``-placeholder statement in psycopg's ``%s`` style."""
    return statement.replace("?", "%s")


_EPISODE_UPSERT = _pg(EPISODE_UPSERT)
# Events as one statement for any number of rows: their times as one float8[] and the rest as one
# JSON array of rows (one string: dumping a parameter per column costs the client, which holds the
# GIL, twice as much). Rows are inserted in their order (ids come from the sequence in that order),
# so the returned ids, sorted, are in order.
_EVENTS_INSERT = (
    "INSERT INTO events (ts, kind, episode_id, tool, version_id, data) "
    "SELECT t.ts, r->>0, r->>1, r->>2, r->>3, r->4 "
    "FROM unnest(%s::float8[], ARRAY(SELECT e FROM jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS x(e, i) "
    "ORDER BY i)) WITH ORDINALITY AS t(ts, r, n) "
    "ORDER BY t.n RETURNING id"
)


def _json_rows(events: Sequence[EventRow]) -> str:
    """Each event's (kind, episode_id, tool, version_id, data) as one JSON array; `data` is already
    JSON text (`PostgresDialect.json`)."""
    dumps = json.dumps
    return "[" + ",".join(
        f"[{dumps(kind)},{dumps(episode)},{dumps(tool)},{dumps(version)},{data.obj}]"
        for _, kind, episode, tool, version, data in events
    ) + "]"


def _as_is(text: str) -> str:
    return text


def _one_line(exc: BaseException) -> str:
    # A driver's message may quote the connection string: masked and redacted before it is cut.
    text = capped_text(mask_urls_in(" ".join(str(exc).split())), 300)
    return text or type(exc).__name__


class PostgresDialect(Dialect):
    """PostgreSQL through a psycopg 3 connection pool."""

    name = "postgres"
    for_update = " FOR UPDATE"
    for_share = " FOR SHARE"
    clock = "CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS double precision)"  # the server's
    writable_cte = True
    # Event ids come from a sequence at insert and are visible at commit: a slow transaction's
    # lower ids show after later ones (`skillevo._train_gaps`).
    writers_snapshot = "SELECT CAST(pg_current_snapshot() AS text) AS value"
    writers_done = ("SELECT pg_snapshot_xmin(pg_current_snapshot()) >= pg_snapshot_xmax(CAST(? AS pg_snapshot)) "
                    "AS value")

    def __init__(
        self,
        pool: ConnectionPool[Any],
        location: str,
        reopen: Callable[[], ConnectionPool[Any]] | None = None,
        probe: Callable[[], None] | None = None,
    ) -> None:
        self.pool = pool
        self.location = location
        self.lock = threading.RLock()
        self._probe = probe
        _quiet_driver()
        self._down: float | None = None  # when the server was found refusing connections (monotonic)
        self._probed = 0.0  # before when it is not asked again whether it answers (monotonic)
        # `_down`, `_probed` and `_asking` change under a lock of their own, never held across a
        # round trip: `lock` is the queue's, held by its writer for a whole batch.
        self._state = threading.Lock()
        self._state_pid = os.getpid()
        self._asking = False  # a thread of this process is asking the server whether it answers
        self._waits = threading.local()  # a bound on lock waits this thread's next statements set (`waiting_at_most`)
        self._reopen = reopen
        self._pid = os.getpid()
        self._inherited: list[ConnectionPool[Any]] = []
        self.errors = (psycopg.Error,)
        # A database limit a record exceeds (SQLSTATE class 54: an index row too large, say) refuses
        # that record's content, like bad data: psycopg files it under OperationalError, next to a
        # lost connection, which would keep it queued ahead of every later record.
        self.poison = (psycopg.DataError, psycopg.IntegrityError, psycopg.errors.ProgramLimitExceeded)

    def sql(self, statement: str) -> str:
        return _pg(statement)

    def json_text(self, text: str) -> Any:
        return Jsonb(text, dumps=_as_is)

    def json(self, value: Any) -> Any:
        # Serialised now, with what jsonb refuses mended (`_sanitize`): NaN, NUL, lone surrogates;
        # large floats spelled out so that jsonb's numeric gives them back as floats.
        return Jsonb(numeric_floats(json_text(value)), dumps=_as_is)

    def content_key(self, strategy: Any) -> Statement:
        return "md5(?::jsonb::text)", (self.json(strategy),)

    def _live_pool(self) -> ConnectionPool[Any]:
        """This process's pool. A forked child (multiprocessing, a pre-forking server) inherits its
        parent's connections, whose sockets the parent goes on using (two clients on one socket:
        their messages interleave), and none of the pool's threads (every wait for a connection
        timed out): it opens a pool of its own on first use. The inherited one is never closed
        here: closing it would end the parent's sessions (psycopg leaves them alone when collected)."""
        if self._pid != os.getpid() and self._reopen is not None:
            with self.lock:  # free in a child: the queue's fork hook holds it across the fork
                if self._pid != os.getpid():
                    self._inherited.append(self.pool)
                    self.pool = self._reopen()
                    self._pid = os.getpid()
        return self.pool

    def guard(self) -> contextlib.nullcontext[None]:
        return contextlib.nullcontext()  # connections are per transaction: nothing to serialise here

    @contextmanager
    def _connection(self) -> Iterator[_Conn]:
        """A pooled connection, not one the server has closed while it sat in the pool: an idle
        connection's socket has nothing to read unless the server said goodbye (or vanished)."""
        _inside.depth = getattr(_inside, "depth", 0) + 1
        try:
            for attempt in range(_ATTEMPTS):
                pool, conn = self._get()
                try:
                    if attempt < _ATTEMPTS - 1 and select.select([conn.fileno()], [], [], 0)[0]:
                        conn.close()  # the pool drops a closed connection and opens another
                        continue
                    yield conn
                    return
                finally:
                    pool.putconn(conn)
        finally:
            _inside.depth -= 1

    def _get(self) -> tuple[ConnectionPool[Any], _Conn]:
        """A connection and the pool it is to go back to. A server that refuses connections (stopped,
        failing over, cut off) fails the call at once instead of after the pool's whole `timeout`
        (once per read and write of every episode: a run held up for minutes), and the pool, whose
        reconnection attempts would log a warning each, is closed until the server answers again."""
        if self._down is not None:
            self._revive()
        pool = self._live_pool()
        if self._probe is None:
            return pool, pool.getconn()
        try:
            return pool, pool.getconn(timeout=min(_FIRST_WAIT_S, pool.timeout))
        except PoolTimeout:
            pass
        try:
            self._probe()  # the server answers: the pool is busy, wait for it as long as it says
        except ServerRefuses:
            pass  # it answers, and has no session to spare (`_pg_probe`): busy, not away
        except psycopg.Error as exc:
            self._went_away(pool, exc)
            raise psycopg.OperationalError(f"the server does not answer: {_one_line(exc)}") from None
        return pool, pool.getconn(timeout=max(0.0, pool.timeout - _FIRST_WAIT_S))

    def _state_lock(self) -> threading.Lock:
        """The lock over `_down`, `_probed` and `_asking`. A forked child takes a fresh one (and no
        ask in flight): a thread of the parent may have held it, or been asking, at the fork."""
        if self._state_pid != os.getpid():
            self._state, self._state_pid, self._asking = threading.Lock(), os.getpid(), False
        return self._state

    def _went_away(self, pool: ConnectionPool[Any], exc: BaseException) -> None:
        with self._state_lock():
            if self._down is not None or pool is not self.pool:
                return
            self._down, self._probed = time.monotonic(), 0.0
        _log.warning(
            "skillevo: PostgreSQL at %s does not answer (%s); the library's reads and writes fail at once "
            "until it does (recorded episodes stay queued)", self.location, _one_line(exc),
        )
        threading.Thread(target=pool.close, daemon=True, name="skillevo-pool-close").start()

    def _revive(self) -> None:
        """Ask the server again (at most every `_PROBE_EVERY_S`); when it answers, a new pool.

        One thread asks, holding no lock another call waits for: the calls made meanwhile fail at
        once, as while the server is away (an ask on a host that leaves it unanswered waits out
        the connect timeout, up to 5 s; before 2026-12-07 it held the queue writer's lock, and
        every read of the agent's waited for it, and for any batch being written)."""
        assert self._probe is not None and self._reopen is not None
        with self._state_lock():
            if self._down is None:
                return
            now = time.monotonic()
            if self._asking:
                raise psycopg.OperationalError("the server does not answer (it is being asked again)")
            if now < self._probed:  # the last ask waited for an answer: asking every call would hold runs up
                raise psycopg.OperationalError("the server did not answer a moment ago")
            self._asking = True
        try:
            self._probe()
            pool = self._reopen()
        except BaseException as exc:
            # A refusal is answered at once and costs nothing to ask again; a host that does
            # not answer at all (a network cut) costs the connect timeout: ask it once a second.
            took = time.monotonic() - now
            with self._state_lock():
                self._asking = False
                self._probed = now + took + _PROBE_EVERY_S if took > _FIRST_WAIT_S else 0.0
            if isinstance(exc, (psycopg.Error, LibraryError)):
                raise psycopg.OperationalError(f"the server does not answer: {_one_line(exc)}") from None
            raise
        with self._state_lock():
            self.pool, self._pid = pool, os.getpid()
            self._down, self._asking = None, False
        _log.warning("skillevo: PostgreSQL at %s answers again", self.location)

    @contextmanager
    def reading(self, *, pipelined: bool = False) -> Iterator[_Conn]:
        with self._connection() as conn:  # autocommit: READ COMMITTED gives each statement its snapshot anyway
            self._session_waits(conn)
            if not pipelined:
                yield conn
                return
            with conn.pipeline():
                yield conn

    def select(self, statement: str, params: Sequence[Any]) -> list[Any]:
        for attempt in range(_ATTEMPTS):
            with self._connection() as conn:
                try:
                    self._session_waits(conn)
                    return conn.execute(statement, params, prepare=True).fetchall()
                except psycopg.OperationalError:
                    if not conn.closed or attempt == _ATTEMPTS - 1:
                        raise
                    # the connection died under a read: nothing was changed, read again on another
        raise AssertionError("unreachable")

    @contextmanager
    def writing(self, *, pipelined: bool = False) -> Iterator[_Conn]:
        if pipelined:
            with self._connection() as conn, conn.pipeline(), conn.transaction():
                self._bound_waits(conn)
                yield conn
            return
        # A connection the server closed fails at BEGIN, before anything was done: take another.
        for attempt in range(_ATTEMPTS):
            stack = ExitStack()
            conn = stack.enter_context(self._connection())
            try:
                stack.enter_context(conn.transaction())
            except psycopg.OperationalError:
                if not stack.__exit__(*sys.exc_info()) and attempt == _ATTEMPTS - 1:
                    raise
                continue
            with stack:
                self._bound_waits(conn)
                yield conn
            return

    def _session_waits(self, conn: _Conn) -> None:
        """A connection used outside a transaction: its session's ``lock_timeout`` as this thread's bound now says
        (`waiting_at_most`: a read on the agent's run path waits a short budget of its own), or
        the connection's own (the library's). Asked only when it changes (a pooled connection
        serves the run path and the trainer alike): a round trip at a change, none otherwise."""
        ms = getattr(self._waits, "ms", None)
        if getattr(conn, _SESSION_MS, None) == ms:
            return
        conn.execute("RESET lock_timeout" if ms is None else f"SET lock_timeout = {int(ms)}")
        setattr(conn, _SESSION_MS, ms)

    def _bound_waits(self, conn: _Conn) -> None:
        """In a transaction just begun: `waiting_at_most`'s bound, for this transaction alone."""
        ms = getattr(self._waits, "ms", None)
        if ms is not None:
            conn.execute("SELECT set_config('lock_timeout', %s, true)", (f"{ms}ms",))
        elif getattr(conn, _SESSION_MS, None) is not None:  # (a run-path read's session bound)
            conn.execute("SET LOCAL lock_timeout TO DEFAULT")

    @contextmanager
    def waiting_at_most(self, seconds: float) -> Iterator[None]:
        # A write waits only on the rows it writes, but another session may hold them (or their
        # table: a long transaction, a LOCK TABLE, a schema change) without end: the transaction's
        # lock_timeout fails it instead (LockNotAvailable, a store error: its records stay queued).
        # A read outside a transaction: its session's (`_session_waits`).
        previous = getattr(self._waits, "ms", None)
        self._waits.ms = max(1, int(seconds * 1000))
        try:
            yield
        finally:
            self._waits.ms = previous

    @contextmanager
    def run_path_waits(self, seconds: float) -> Iterator[None]:
        if getattr(self._waits, "ms", None) is not None:  # a bound of the caller's (the queue's) stays
            yield
            return
        with self.waiting_at_most(seconds):
            yield

    @contextmanager
    def savepoint(self, conn: _Conn, depth: int) -> Iterator[None]:
        with conn.transaction():
            yield

    def autocommit(self, statement: Statement) -> list[Any]:
        with self._connection() as conn:
            self._session_waits(conn)
            cur = conn.execute(statement[0], statement[1], prepare=True)
            return cur.fetchall() if cur.description is not None else []

    def events_statement(
        self, episode: tuple[Any, ...] | None, events: Sequence[EventRow], counters: Sequence[Statement]
    ) -> Statement | None:
        # Writable WITHs: the episode's upsert and a counter's UPDATE run with the events' insert,
        # one statement that commits alone. At most one counter: PostgreSQL runs a statement's
        # unread WITHs in an order of its own, so two version rows locked here could be taken in
        # the opposite order to a transaction that locks them sorted (a deadlock between processes,
        # seen with 4 processes on one library); several counters take the sorted transaction.
        if len(counters) > 1:
            return None
        ctes: list[str] = []
        params: list[Any] = []
        if episode is not None:
            ctes.append(f"e AS ({_EPISODE_UPSERT} RETURNING 1)")
            params.extend(episode)
        for i, (statement, counter_params) in enumerate(counters):
            ctes.append(f"c{i} AS ({_pg(statement)} RETURNING 1)")
            params.extend(counter_params)
        params += [[float(row[0]) for row in events], _json_rows(events)]
        return (f"WITH {', '.join(ctes)} {_EVENTS_INSERT}" if ctes else _EVENTS_INSERT), tuple(params)

    def aborted(self, exc: BaseException) -> bool:
        return isinstance(exc, TransactionAborted) or getattr(exc, "sqlstate", None) in _ABORTED

    def lock_wait(self, exc: BaseException) -> bool:
        # lock_not_available: ``lock_timeout`` ran out (or a NOWAIT lock was refused)
        return getattr(exc, "sqlstate", None) == "55P03"

    def library_error(self, exc: BaseException, *, writing: bool) -> BaseException | None:
        if self.aborted(exc):
            return TransactionAborted(f"PostgreSQL aborted the transaction at {self.location}: {_one_line(exc)}")
        # Every driver error: a lost connection, and as much a dropped table, a permission refused,
        # a statement timeout, a constraint (the queue's writer, which tells a refused record from
        # a refused write, reads the driver's own errors: it does not translate).
        if isinstance(exc, psycopg.Error):
            return LibraryError(f"PostgreSQL error at {self.location}: {_one_line(exc)}")
        return None

    def insert_rows(self, conn: _Conn, statement: str, width: int, rows: Sequence[tuple[Any, ...]]) -> None:
        with conn.cursor() as cur:
            cur.executemany(statement, rows)  # pipelined by psycopg: one round trip for the lot

    def insert_events(self, conn: _Conn, rows: Sequence[EventRow]) -> Callable[[], list[int]]:
        if not rows:
            return list
        cur = conn.cursor()
        cur.executemany(_pg(EVENT_INSERT) + " RETURNING id", rows, returning=True)

        def ids() -> list[int]:
            # Read once the statements have run (in pipeline mode, after the sync: no round trip).
            out: list[int] = []
            with cur:
                while True:
                    row = cur.fetchone()
                    assert row is not None
                    out.append(int(row["id"]))
                    if not cur.nextset():
                        return out

        return ids

    def after_load(self, conn: _Conn) -> None:
        # Keep the id sequence ahead of the copied ids so new events never collide.
        conn.execute("SELECT setval(pg_get_serial_sequence('events', 'id'), GREATEST((SELECT max(id) FROM events), 1))")

    def close(self) -> None:
        if self._pid == os.getpid():  # a child that never opened its own pool has none to close
            self.pool.close()


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
        location: str | None = None,
        *,
        schema: str | None = None,
        min_size: int = 1,
        max_size: int = 8,
        timeout: float = 15.0,
        durability: Durability = "batched",
    ) -> None:
        self.durability = check_durability(durability)
        timeout = self._timeout = seconds_arg("timeout", timeout)
        min_size, max_size = count_arg("min_size", min_size, 0), count_arg("max_size", max_size)
        if max_size < min_size:
            raise ConfigError(f"max_size: must be at least min_size ({max_size} < {min_size})")
        location = location_arg(configured_db() if location is None else location)
        conninfo, url_schema = _split_url(location)
        self.schema = (schema or url_schema).lower()
        if not self.schema or not set(self.schema) <= _SCHEMA_NAME_CHARS or self.schema[0].isdigit():
            raise LibraryError(f"invalid PostgreSQL schema name {self.schema!r}: use lowercase letters, digits, _")
        self.location = _safe_location(location)
        try:
            # One direct attempt first: fails fast with libpq's own reason instead of pool retries.
            psycopg.connect(conninfo, connect_timeout=max(1, int(timeout))).close()
        except psycopg.Error as exc:
            raise LibraryError(f"cannot connect to PostgreSQL at {self.location}: {_one_line(exc)}") from None
        self._pool = self._new_pool(conninfo, min_size, max_size, timeout)
        self._open(PostgresDialect(self._pool, self.location,
                                   functools.partial(self._new_pool, conninfo, min_size, max_size, timeout),
                                   functools.partial(probe, conninfo, timeout)))
        try:
            self._migrate()
        except psycopg.Error as exc:  # e.g. the connection was killed half-way: that migration rolled back
            self._pool.close()
            raise LibraryError(f"cannot prepare the library at {self.location}: {_one_line(exc)}") from None
        except BaseException:
            self._pool.close()
            raise

    def _new_pool(self, conninfo: str, min_size: int, max_size: int, timeout: float) -> ConnectionPool[Any]:
        """An open pool of connections to the library's schema (`LibraryError` if none opens)."""
        pool: ConnectionPool[Any] = ConnectionPool(
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
                "autocommit": True,  # a transaction says BEGIN; a lone statement needs none
                "options": f"-c search_path={self.schema}"
                + (" -c synchronous_commit=off" if self.durability == "batched" else "")
                # A read waits for no lock without end: a table lock (a schema change, LOCK TABLE,
                # VACUUM FULL) held the agent's guidance() for as long as it was held. A write
                # transaction sets its own bound (`waiting_at_most`); the migration lifts it.
                + f" -c lock_timeout={max(1, int(_sql_batch.QUEUE_WAIT_S * 1000))}",
            },
            name="skillevo",
        )
        try:
            pool.open(wait=True, timeout=timeout)
        except Exception as exc:  # psycopg_pool raises PoolTimeout with the libpq error inside
            pool.close()
            raise LibraryError(f"cannot connect to PostgreSQL at {self.location}: {_one_line(exc)}") from None
        return pool

    def _migrate(self) -> None:
        # A session-level advisory lock on a connection of its own, only where the schema is behind.
        from ._pg_migrate import migrate  # (after psycopg's own import check above)

        with self._pool.connection() as conn:
            migrate(conn, self.schema, self.location, MIGRATIONS, self._timeout)
