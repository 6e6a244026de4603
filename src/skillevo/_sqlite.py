"""The embedded skill library: one SQLite file (`SQLiteLibrary`), and SQLite's `Dialect`.

Careful-SQLite habits: WAL (readers never block the writer), a busy timeout (writers from other
processes queue instead of failing with "database is locked"), foreign keys on, one connection per
process guarded by a lock, ``BEGIN IMMEDIATE`` for every write so a transaction never has to upgrade
its lock half-way, and rollback on any exception. Each migration commits together with its
version row. A file that is not a skillevo library is refused before anything is written to it.
The store's logic is `skillevo._sql_store.SQLStore`'s; this module opens the file and says how
SQLite spells things.
"""

from __future__ import annotations

import functools
import json
import os
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._durability import Durability, check_durability
from ._errors import LibraryError, SchemaVersionError
from ._integrity import check_existing_file, connect_read_only, content_hash, create_private, writable
from ._library import SkillLibrary, configured_db
from ._sanitize import clean_value
from ._sql_dialect import Dialect, EventRow, Statement
from ._sql_schema import migrations
from ._sql_store import EVENT_INSERT
from ._store_args import location_arg, seconds_arg

if TYPE_CHECKING:
    import sqlite_utils

__all__ = ["MIGRATIONS", "SQLiteLibrary"]

MIGRATIONS: list[list[str]] = migrations("sqlite")

# One encoder for every write (what `json.dumps` with these options builds anew on each call).
_ENCODER = json.JSONEncoder(separators=(",", ":"), sort_keys=True)
# At most 999 values per statement: the limit of SQLite builds before 3.32.
_MAX_VALUES = 999


def _dumps(value: Any) -> str:
    try:
        return _ENCODER.encode(value)
    except (ValueError, TypeError, RecursionError):  # what only `clean_value` can write (a huge int, a key)
        return _ENCODER.encode(clean_value(value))


def _identity(path: Path) -> tuple[int, int] | None:
    """The file at `path` (device, inode), or None when there is none."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino


#: The dialects of this process with a file open: a file one of them has open is not replayed by a
#: new library's open (`check_existing_file(replays_log=...)`).
_OPEN: weakref.WeakSet[SQLiteDialect] = weakref.WeakSet()


def _open_here(path: Path) -> bool:
    """Whether a library of this process has the file at `path` open."""
    identity = _identity(path)
    return any(d.opened == identity and not d.closed for d in list(_OPEN))


@functools.lru_cache(maxsize=64)
def _multi_row(statement: str, width: int, n: int) -> str:
    """`statement` (one ``VALUES (?, ...)`` row of `width` values) with `n` rows."""
    one = "(" + ", ".join("?" * width) + ")"
    head, _, tail = statement.partition(one)
    return head + ", ".join([one] * n) + tail


class SQLiteDialect(Dialect):
    """SQLite: one connection in autocommit mode, guarded by a lock; ``BEGIN IMMEDIATE`` writes."""

    name = "sqlite"
    for_update = ""  # BEGIN IMMEDIATE has taken the write lock already
    for_share = ""
    clock = "((julianday('now') - 2440587.5) * 86400.0)"  # read by the engine, not the writer's Python
    writable_cte = False

    def __init__(self, conn: sqlite3.Connection, location: str) -> None:
        self.conn = conn
        self.location = location
        #: the file the library opened, once it is one (`SQLiteLibrary` sets it after migrating)
        self.file: tuple[Path, tuple[int, int] | None] | None = None
        #: the file's identity when the connection was made (None in memory), until `close`
        self.opened = None if location == ":memory:" else _identity(Path(location))
        self.closed = False
        _OPEN.add(self)
        self.lock = threading.RLock()
        self.errors = (sqlite3.Error,)
        self.poison = (sqlite3.DataError, sqlite3.IntegrityError)

    def sql(self, statement: str) -> str:
        return statement

    def json(self, value: Any) -> Any:
        return _dumps(value)

    def content_key(self, strategy: Any) -> Statement:
        return "?", (content_hash(_dumps(strategy)),)

    def guard(self) -> threading.RLock:
        return self.lock

    @contextmanager
    def reading(self, *, pipelined: bool = False) -> Iterator[sqlite3.Connection]:
        yield self.conn

    def select(self, statement: str, params: Sequence[Any]) -> list[Any]:
        return self.conn.execute(statement, params).fetchall()

    # The busy timeout is the connection's, which the guard held by the caller keeps to itself: the
    # library's own (read once), the one set now, and how many `waiting_at_most` blocks are open.
    _own_ms: int | None = None
    _now_ms: int | None = None
    _explicit = 0

    def _busy(self, ms: int) -> None:
        if ms != self._now_ms:
            self.conn.execute(f"PRAGMA busy_timeout = {ms}")
            self._now_ms = ms

    def _own(self) -> int:
        if self._own_ms is None:
            (configured,) = self.conn.execute("PRAGMA busy_timeout").fetchone()
            self._own_ms = self._now_ms = int(configured)
        return self._own_ms

    @contextmanager
    def waiting_at_most(self, seconds: float) -> Iterator[None]:
        before = self._now_ms if self._own_ms is not None else self._own()
        self._busy(min(int(seconds * 1000), self._own()))
        self._explicit += 1
        try:
            yield
        finally:
            self._explicit -= 1
            self._busy(before if before is not None else self._own())

    @contextmanager
    def run_path_waits(self, seconds: float) -> Iterator[None]:
        # Left set for the next run-path read (hooks read several times a call): a statement only
        # when it changes; `own_waits` sets the library's back for anything else.
        if not self._explicit:
            self._busy(min(int(seconds * 1000), self._own()))
        yield

    def own_waits(self) -> None:
        if not self._explicit and self._now_ms is not None:
            self._busy(self._own())

    def _same_file(self) -> None:
        """A write goes to the file the library opened. One deleted or replaced since (moved
        aside, restored from a backup, a new library made in its place) would take the writes into
        an unlinked inode, lost at close without a word: refused instead, before anything is
        written (queued records stay queued)."""
        if self.file is not None and _identity(self.file[0]) != self.file[1]:
            raise LibraryError(
                f"{self.location} was deleted or replaced while this library had it open; "
                "nothing was written (open the library again)"
            )

    @contextmanager
    def writing(self, *, pipelined: bool = False) -> Iterator[sqlite3.Connection]:
        conn = self.conn
        self._same_file()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise LibraryError(f"{self.location}: cannot start a write ({exc})") from None
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:  # SQLite may have rolled back itself (disk full, I/O error)
                conn.execute("ROLLBACK")
            raise
        try:
            conn.execute("COMMIT")
        except sqlite3.Error:
            if conn.in_transaction:  # keep the real error, not "no transaction is active"
                conn.execute("ROLLBACK")
            raise

    @contextmanager
    def savepoint(self, conn: sqlite3.Connection, depth: int) -> Iterator[None]:
        name = f"sp{depth}"
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            if conn.in_transaction:  # not when SQLite rolled back the whole transaction itself
                conn.execute(f"ROLLBACK TO {name}")
                conn.execute(f"RELEASE {name}")
            raise
        conn.execute(f"RELEASE {name}")

    def autocommit(self, statement: Statement) -> list[Any]:
        self._same_file()
        return self.conn.execute(*statement).fetchall()

    def lock_wait(self, exc: BaseException) -> bool:
        # SQLITE_BUSY / SQLITE_LOCKED (and their extended codes): the busy timeout ran out
        return isinstance(exc, sqlite3.OperationalError) and getattr(exc, "sqlite_errorcode", 0) & 0xFF in (5, 6)

    def library_error(self, exc: BaseException, *, writing: bool) -> BaseException | None:
        what = "write" if writing else "read"  # a read too: a dropped table, a corrupt page, an I/O error
        return LibraryError(f"{self.location}: the {what} failed ({' '.join(str(exc).split())})")

    def insert_rows(
        self, conn: sqlite3.Connection, statement: str, width: int, rows: Sequence[tuple[Any, ...]]
    ) -> None:
        # Multi-row statements: each statement step releases and re-takes the GIL, and in a
        # background thread every re-take waits for the agent's thread to let go of it.
        per = _MAX_VALUES // width
        for i in range(0, len(rows), per):
            chunk = rows[i : i + per]
            conn.execute(_multi_row(statement, width, len(chunk)), [v for row in chunk for v in row])

    def insert_events(self, conn: sqlite3.Connection, rows: Sequence[EventRow]) -> Callable[[], list[int]]:
        if not rows:
            return list
        row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'events'").fetchone()
        first = (int(row[0]) if row else 0) + 1
        # One executemany per batch; AUTOINCREMENT ids inside one write transaction are consecutive.
        conn.executemany(EVENT_INSERT, rows)
        ids = list(range(first, first + len(rows)))
        return lambda: ids

    def after_load(self, conn: sqlite3.Connection) -> None:
        """Nothing to do: AUTOINCREMENT's sequence follows the largest id inserted."""

    def close(self) -> None:
        self.closed = True
        self.conn.close()


def _unwritable(path: str, existed: bool, exc: sqlite3.OperationalError) -> LibraryError:
    """Why the library file at `path` could not be prepared for writing (a valid file: the check
    before found it one), in words that do not call it damaged."""
    # SQLITE_IOERR, SQLITE_FULL: a full disk, where SQLite cannot make the WAL and its index
    cause = " (is its disk full?)" if getattr(exc, "sqlite_errorcode", 0) & 0xFF in (10, 13) else ""
    if not existed:
        return LibraryError(f"cannot create {path}: {exc}{cause}")
    return LibraryError(
        f"{path} cannot be opened to write: {exc}{cause}; SQLiteLibrary(path, read_only=True) reads it"
    )


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
        location: str | os.PathLike[str] | None = None,
        *,
        timeout: float = 60.0,
        durability: Durability = "batched",
        read_only: bool = False,
    ) -> None:
        text = location_arg(configured_db() if location is None else location)
        timeout = seconds_arg("timeout", timeout)
        if text.startswith("sqlite:///"):
            text = text[len("sqlite:///") :]
            if not text:
                raise LibraryError("sqlite:/// names no file: use sqlite:///PATH, or ':memory:' for memory")
        self.location = text = text if text == ":memory:" else os.path.expanduser(text)
        self.durability = check_durability(durability)
        memory = text == ":memory:"
        self.read_only = bool(read_only) and not memory
        if not memory:
            path = Path(text)
            try:
                check_existing_file(path, replays_log=not _open_here(path))
                if not path.parent.exists():
                    raise LibraryError(f"cannot create {path}: folder {path.parent} does not exist")
                self.read_only = self.read_only or (path.exists() and not writable(path))
            except OSError as exc:  # a link loop, a file where a folder goes, no right to look
                raise LibraryError(f"cannot open {path}: {exc.strerror or exc}") from None
            if self.read_only and not path.exists():
                raise LibraryError(f"no skill library at {path} to open read-only")
        existed = not memory and Path(text).exists()
        if not memory and not self.read_only and not existed:
            create_private(Path(text))
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
        dialect = SQLiteDialect(conn, text)
        self._open(dialect)
        try:
            # What wrapping the connection in `sqlite_utils.Database` used to set here; the wrapper
            # itself is now made on first use of `db` (importing sqlite_utils pulls in pandas:
            # seconds at the start of every command).
            conn.execute("PRAGMA recursive_triggers = ON")
            conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            conn.execute("PRAGMA foreign_keys = ON")
            if not memory and not self.read_only:
                conn.execute("PRAGMA journal_mode = WAL")
                # WAL + NORMAL survives a crash of the process (not of the OS) without an fsync per
                # commit; "sync" durability pays the fsync: a commit is on disk when it returns.
                conn.execute(f"PRAGMA synchronous = {'FULL' if self.durability == 'sync' else 'NORMAL'}")
            self._check_schema() if self.read_only else self._migrate()
            if not memory and not self.read_only:
                # Absolute: a relative path names another file once the process changes directory.
                dialect.file = (Path(text).absolute(), _identity(Path(text)))
        except sqlite3.OperationalError as exc:
            dialect.close()
            if memory or self.read_only:
                raise LibraryError(f"cannot use {text} as a skill library: {exc}") from None
            raise _unwritable(text, existed, exc) from None
        except sqlite3.DatabaseError as exc:
            dialect.close()
            raise LibraryError(f"cannot use {text} as a skill library: {exc}") from None
        except BaseException:
            dialect.close()
            raise

    @functools.cached_property
    def db(self) -> sqlite_utils.Database:
        """The connection as a `sqlite_utils.Database`, for ad-hoc queries and maintenance (call
        `flush` first to see the latest recorded episodes)."""
        import sqlite_utils

        self.flush()
        return sqlite_utils.Database(self._conn)

    def _migrate(self) -> None:
        if self._schema_done():
            return
        # The spill journal is replayed once the tables are there (`queued_first=False`): a journal
        # kept for this path (the file deleted, made anew) made every open fail before 2026-12-07.
        with self._write(queued_first=False) as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
        current = int(row[0]) if row and row[0] is not None else 0
        if current > len(MIGRATIONS):
            raise SchemaVersionError(
                f"{self.location} has schema version {current}, newer than this skillevo knows "
                f"({len(MIGRATIONS)}): upgrade skillevo"
            )
        for number, statements in enumerate(MIGRATIONS[current:], start=current + 1):
            with self._write(queued_first=False) as conn:
                # Another process may have applied it while we waited for the write lock.
                if conn.execute("SELECT 1 FROM schema_version WHERE version = ?", (number,)).fetchone():
                    continue
                for statement in statements:
                    conn.execute(statement)
                conn.execute("INSERT INTO schema_version (version) VALUES (?)", (number,))

    def _schema_done(self) -> bool:
        """Whether the file is at this skillevo's schema already, read without the write lock: a
        process starting while another holds a long write transaction has nothing to wait for
        (before 2026-12-07 the open waited the whole busy timeout, then failed)."""
        conn = self._conn
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").fetchone():
            return False
        row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
        return bool(row) and row[0] == len(MIGRATIONS)

    def _check_schema(self) -> None:
        """A read-only library is not migrated: it must be one, and not from a newer skillevo."""
        names = {r[0] for r in self._conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        current = self.schema_version if "schema_version" in names else 0
        if not current:
            raise LibraryError(f"{self.location} is read-only and not a skill library yet")
        if current > len(MIGRATIONS):
            raise SchemaVersionError(f"{self.location} has schema version {current}, newer than this skillevo knows")
