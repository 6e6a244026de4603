"""What is checked before a SQLite file is used as a skill library, and how it is opened.

A file is refused, with one line and without a byte written to it, when it is not SQLite, when
SQLite's own structural check (``PRAGMA quick_check``) finds damage, or when it holds some other
application's tables. The check reads every page, so its cost grows with the file (about 1 s for
120 MB on a loaded 2-core machine): it stops after `QUICK_CHECK_S` seconds, which covers a library
of some tens of MB whole; of a larger one, what was read by then (the skills and versions first,
the oldest tables) is checked, and the rest is trusted.

A valid library that this process cannot write (a read-only file or mount) is opened read-only
(``mode=ro``): reading works, a write raises `LibraryError` saying why. On a read-only folder
without the WAL index, a log with transactions in it is read from a private copy.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import sqlite3
import stat
import tempfile
import time
import weakref
from pathlib import Path

from . import _wal
from ._errors import LibraryError

__all__ = ["QUICK_CHECK_S", "check_existing_file", "connect_read_only", "content_hash", "create_private", "writable"]

_SQLITE_MAGIC = b"SQLite format 3\x00"
_WAL_HEADER_BYTES = 32  # a log no longer than its header holds no frame
_log = logging.getLogger("skillevo")

#: Seconds the open-time check may take.
QUICK_CHECK_S = 0.5
_STEPS = 10_000  # SQLite VM steps between two looks at the clock


def content_hash(strategy_json: str) -> str:
    """The key of a version's content: a digest of its strategy's canonical JSON text."""
    return hashlib.sha256(strategy_json.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def writable(path: Path) -> bool:
    """Whether this process can write `path` and create the WAL files beside it."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK)


def connect_read_only(path: Path, timeout: float) -> sqlite3.Connection:
    """A read-only connection to `path`. On a read-only folder where the WAL index cannot be made,
    SQLite can open the file only ``immutable``, which reads the main file alone: the transactions
    still in its write-ahead log (a crash left them there, or the files were copied) would be left
    out without a word. Such a file and its log are read from a private copy instead (SQLite replays
    the log there); when no copy can be made, the file is read ``immutable`` with one warning
    saying how much of the log is not shown."""
    uri = path.resolve().as_uri()
    log = Path(f"{path}-wal")
    pending = log.stat().st_size if log.exists() else 0
    # Without an index it may make, SQLite opens even ``mode=ro`` as if immutable (the log ignored).
    unindexed = pending > _WAL_HEADER_BYTES and not Path(f"{path}-shm").exists() and not writable(path)
    if not unindexed:
        conn = sqlite3.connect(
            f"{uri}?mode=ro", uri=True, timeout=timeout, isolation_level=None, check_same_thread=False
        )
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return conn
        except sqlite3.OperationalError:
            conn.close()
    if pending > _WAL_HEADER_BYTES:
        try:
            return _snapshot(path, log, timeout)
        except (OSError, sqlite3.Error) as exc:
            _log.warning(
                "%s: its write-ahead log (%d bytes) cannot be read on a read-only folder without its WAL "
                "index, and no copy could be made (%s): the transactions in it are not shown",
                path, pending, exc,
            )
    return sqlite3.connect(
        f"{uri}?mode=ro&immutable=1", uri=True, timeout=timeout, isolation_level=None, check_same_thread=False
    )


class _SnapshotConnection(sqlite3.Connection):
    """A connection to a private copy of a library; closing it removes the copy."""

    folder = ""

    def close(self) -> None:
        try:
            super().close()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def _snapshot(path: Path, log: Path, timeout: float) -> sqlite3.Connection:
    """A read-only connection to a copy of `path` and its log in a private temporary folder. The
    folder cannot change under the copy: a read-only folder holds no writer's WAL index."""
    folder = tempfile.mkdtemp(prefix="skillevo-ro-")
    try:
        copy = Path(folder) / "lib.db"
        shutil.copyfile(path, copy)
        shutil.copyfile(log, f"{copy}-wal")
        conn = sqlite3.connect(
            f"{copy.as_uri()}?mode=ro", uri=True, timeout=timeout, isolation_level=None,
            check_same_thread=False, factory=_SnapshotConnection,
        )
        conn.folder = folder
        weakref.finalize(conn, shutil.rmtree, folder, True)  # a connection dropped unclosed
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except BaseException:
            conn.close()
            raise
        return conn
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


_KINDS = {stat.S_IFIFO: "a FIFO", stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
          stat.S_IFSOCK: "a socket"}


#: The files SQLite opens beside a library: its write-ahead log, the log's index, the rollback journal.
_BESIDE = ("-wal", "-shm", "-journal")


def _check_beside(path: Path) -> None:
    """Refuse a library whose write-ahead log, index or journal is there but no regular file: SQLite
    opens and reads them itself, and a FIFO there blocked the open forever (SIGTERM did not end it)."""
    for suffix in _BESIDE:
        beside = Path(f"{path}{suffix}")
        try:
            mode = beside.stat().st_mode
        except FileNotFoundError:
            continue
        if not stat.S_ISREG(mode):
            kind = "a folder" if stat.S_ISDIR(mode) else _KINDS.get(stat.S_IFMT(mode), "a special file")
            raise LibraryError(f"{beside} is not a regular file ({kind}): SQLite would open it as the "
                               f"library's {suffix[1:]} file; left untouched")


def check_existing_file(path: Path, *, budget_s: float = QUICK_CHECK_S, replays_log: bool = False) -> None:
    """Refuse a file that is not a usable skillevo library, without writing a byte to it.
    `replays_log`: no connection of this process has the file open, so this check may be the one
    that replays its write-ahead log after a crash; committed transactions the replay leaves out
    (a damaged or truncated log) are then said in a warning, the log kept aside (`skillevo._wal`)."""
    _check_beside(path)
    if not path.exists():
        return
    if path.is_dir():
        raise LibraryError(f"{path} is a directory, not a skill library file")
    mode = path.stat().st_mode
    if not stat.S_ISREG(mode):
        # A FIFO blocks whoever opens it, a device takes writes and reads back nothing: judged by
        # type, not by a size they do not have.
        raise LibraryError(f"{path} is not a regular file ({_KINDS.get(stat.S_IFMT(mode), 'a special file')}), "
                           "not a skill library file; left untouched")
    if path.stat().st_size == 0:
        return
    try:
        with path.open("rb") as fh:
            header = fh.read(len(_SQLITE_MAGIC))
    except OSError as exc:
        raise LibraryError(f"cannot read {path}: {exc.strerror or exc}") from None
    if header != _SQLITE_MAGIC:
        raise LibraryError(f"{path} is not a SQLite database (corrupt, or some other kind of file); left untouched")
    replaying = replays_log and Path(f"{path}-wal").exists() and _wal.recovery_owner(path)
    before = _wal.index_header(path) if replaying else None  # what the last writer had committed
    try:
        probe = connect_read_only(path, timeout=5.0)
        try:
            tables = {r[0] for r in probe.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            problem = _quick_check(probe, budget_s)
        finally:
            probe.close()
        # Read after the probe is closed: closing a descriptor of the index would drop its locks.
        # Asked again: a process that opened the file since may be committing (its frames written,
        # the index not yet), which is no loss, and its log is live.
        lost = _wal.lost_frames(path, before) if replaying and _wal.recovery_owner(path) else None
        if lost is not None:
            _wal.keep_damaged_log(path, lost)
    except sqlite3.DatabaseError as exc:
        raise LibraryError(f"{path} is a damaged SQLite database ({_one_line(exc)}); left untouched") from None
    if problem:
        raise LibraryError(f"{path} is a damaged SQLite database (quick_check: {problem}); left untouched")
    user_tables = {t for t in tables if not t.startswith("sqlite_")}
    if user_tables and "schema_version" not in user_tables:
        raise LibraryError(
            f"{path} is a SQLite database of some other application (tables: "
            f"{', '.join(sorted(user_tables)[:5])}); left untouched"
        )


def _quick_check(conn: sqlite3.Connection, budget_s: float) -> str | None:
    """The first problems ``PRAGMA quick_check`` reports, or None (also when the budget ran out)."""
    deadline = time.monotonic() + budget_s
    expired = False

    def budget() -> int:
        nonlocal expired
        expired = time.monotonic() > deadline
        return 1 if expired else 0  # non-zero interrupts the statement

    conn.set_progress_handler(budget, _STEPS)
    try:
        rows = conn.execute("PRAGMA quick_check(3)").fetchall()
    except sqlite3.OperationalError as exc:
        if expired and "interrupt" in str(exc).lower():
            return None  # checked as far as the budget allows: the rest of a very large file is trusted
        raise
    finally:
        conn.set_progress_handler(None, 0)
    found = [str(r[0]) for r in rows if str(r[0]).lower() != "ok"]
    return _one_line(RuntimeError("; ".join(found))) if found else None


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__


def create_private(path: Path) -> None:
    """Create the empty file of a new library, readable and writable by its owner alone (``0600``),
    never through a link: SQLite gives the write-ahead log and its index the main file's mode, and a
    library holds what the agent did (its tasks, arguments and errors), like the spill journals.

    Raises:
        LibraryError: `path` is a link to nothing (a library is never created where a link points).
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        os.close(os.open(path, flags, 0o600))
    except FileExistsError:
        # O_EXCL never follows a link: a link to nothing is refused here (another process's new file is fine)
        if path.is_symlink() and not path.exists():
            raise LibraryError(
                f"{path} is a symbolic link to nothing: refused (a new library is never created through a link)"
            ) from None
    except OSError:
        pass  # no right to create it, a full disk: SQLite's own open says why, in its words
