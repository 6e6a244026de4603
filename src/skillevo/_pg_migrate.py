"""Bringing a PostgreSQL library's schema to this skillevo's version, with bounded waits.

At the current schema nothing is written: the version is read without the migration's lock, so a
migration running elsewhere (another host's, holding the advisory lock) or a table lock held
elsewhere on tables the read does not touch does not hold the agent's start. A schema to migrate
takes the advisory lock (hosts starting together queue there) and migrates, each wait bounded by
the library's `timeout`: past it, a `LibraryError` names the lock. Before 2026-12-07 the open
waited without end (no lock timeout on its connection): 2 of 2 opens still waiting after 40 s with
``timeout=2`` (the advisory lock held elsewhere; ``schema_version`` locked by ``LOCK TABLE``).
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from ._errors import LibraryError, SchemaVersionError

__all__ = ["migrate"]


def _version(conn: Any) -> int | None:
    """The schema's version, None where it has no version table yet."""
    if conn.execute("SELECT to_regclass('schema_version') AS t").fetchone()["t"] is None:
        return None
    row = conn.execute("SELECT max(version) AS v FROM schema_version").fetchone()
    return int(row["v"]) if row and row["v"] is not None else 0


def migrate(conn: Any, schema: str, location: str, migrations: list[list[str]], timeout: float) -> None:
    """Migrate the library at `schema` on `conn` (search_path set to it, autocommit) to `migrations`."""
    lock_key = f"skillevo-migrate:{schema}"
    conn.execute(f"SET lock_timeout = {max(1, int(timeout * 1000))}")
    locked = False
    try:
        current = _version(conn)
        if current is not None and current == len(migrations):
            return
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (lock_key,))  # (hosts starting together)
        locked = True
        with conn.transaction():
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)")
            current = _version(conn) or 0
        if current > len(migrations):
            raise SchemaVersionError(
                f"{location} (schema {schema}) has schema version {current}, newer than this "
                f"skillevo knows ({len(migrations)}): upgrade skillevo"
            )
        for number, statements in enumerate(migrations[current:], start=current + 1):
            with conn.transaction():
                for statement in statements:
                    conn.execute(statement)
                conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (number,))
    except psycopg.errors.LockNotAvailable:
        raise LibraryError(
            f"cannot open the library at {location}: another session holds a lock on it (a migration or "
            f"a table lock elsewhere) past the library's timeout ({timeout:g} s)"
        ) from None
    finally:
        if locked:
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (lock_key,))
        conn.execute("RESET lock_timeout")  # the connection's own bound, for the pool's next user
