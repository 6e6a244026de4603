"""The older library ``skillevo diff OLD_DB`` compares with, opened without changing it.

Opening a SQLite library migrates it to this skillevo's schema, in place. ``OLD_DB`` is a snapshot
(yesterday's backup, a copy kept for audit): before 2026-12-07 ``skillevo diff old.db`` upgraded a
snapshot of an older schema in place (schema 4 -> 6, its bytes rewritten), so the release that wrote
it could no longer open its own backup ("newer than this skillevo knows"). A file whose schema is
not this skillevo's is now read from a private copy, migrated there and deleted after the report;
the snapshot's file is left byte for byte. A file at this schema opens as it is (opening writes
nothing there), and a PostgreSQL URL is opened as given (a schema is no file to copy).
"""

from __future__ import annotations

import contextlib
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .._errors import LibraryError
from .._library import SkillLibrary

__all__ = ["open_snapshot"]


def _sqlite_path(location: str) -> Path | None:
    """The file `location` names, when it is a SQLite library's."""
    if location.startswith("sqlite:///"):
        location = location[len("sqlite:///"):]
    if "://" in location or location == ":memory:":
        return None
    return Path(location).expanduser()


def _schema_of(path: Path) -> int | None:
    """The file's schema version read without writing (0: no skillevo tables yet); None when it
    cannot be read as SQLite (opening it the usual way then says why, in one line)."""
    from .._integrity import connect_read_only

    try:
        conn = connect_read_only(path, timeout=5.0)
    except (sqlite3.Error, OSError):
        return None
    try:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "schema_version" not in names:
            return 0
        row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
        return int(row[0]) if row and row[0] is not None else 0
    except (sqlite3.Error, ValueError, TypeError):
        return None
    finally:
        conn.close()


@contextlib.contextmanager
def open_snapshot(location: str) -> Iterator[SkillLibrary]:
    """`location` opened as a library to read; a SQLite file at another schema through a private,
    migrated copy (the file itself is never written). Its `location` is then the copy's: name the
    snapshot after `location` where the report names it."""
    from .._sqlite import MIGRATIONS

    path = _sqlite_path(location)
    schema = None if path is None else _schema_of(path)
    if schema == 0:  # (opening it would make a library of another program's SQLite file)
        raise LibraryError(f"{location} is not a skill library (no skillevo tables)")
    if path is None or schema is None or schema >= len(MIGRATIONS):
        # (a newer schema: opening it refuses in one line, writing nothing)
        with SkillLibrary(location) as lib:
            yield lib
        return
    with tempfile.TemporaryDirectory(prefix="skillevo-snapshot-") as tmp:
        copy = Path(tmp) / "snapshot.db"
        from .._integrity import connect_read_only

        source = connect_read_only(path, timeout=5.0)
        try:
            target = sqlite3.connect(copy)
            try:
                source.backup(target)  # (the write-ahead log's transactions included)
            finally:
                target.close()
        finally:
            source.close()
        with SkillLibrary(copy) as lib:
            yield lib
