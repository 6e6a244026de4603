"""Opening a PostgreSQL library while another session holds a lock on it does not hang the start.

World: an agent host starts while another session holds a lock on the library: a migration
elsewhere (skillevo's advisory migration lock), an ``ALTER TABLE`` or ``LOCK TABLE`` in a
maintenance window. Before 2026-12-07 the open waited without end (no lock timeout on the
migration's connection): 2 of 2 such opens still waiting after 40 s with ``timeout=2``. Now a
library at the current schema is opened without the migration's lock (reading its version is
enough), and every wait of the open is bounded by ``timeout``: past it, a `LibraryError` names
the lock.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from skillevo import LibraryError, SkillLibrary

from .conftest import PG_URL

psycopg = pytest.importorskip("psycopg")


def _open_within(url: str, bound_s: float = 90.0) -> Any:
    """SkillLibrary(url, timeout=1) run in a thread: the library or the exception it raised; fails the
    test if it is still waiting after `bound_s` (a hang, not a speed)."""
    out: list[Any] = []
    opener = threading.Thread(target=lambda: out.append(_try_open(url)), daemon=True)
    opener.start()
    opener.join(bound_s)
    assert not opener.is_alive(), "the open is still waiting for the lock"
    return out[0]


def _try_open(url: str) -> Any:
    try:
        return SkillLibrary(url, timeout=1)
    except Exception as exc:
        return exc


@contextmanager
def _held(statement: str, *params: Any) -> Iterator[None]:
    with psycopg.connect(PG_URL, autocommit=True) as holder:
        if statement.startswith("LOCK"):
            holder.execute("BEGIN")
        holder.execute(statement, params)
        yield


def test_a_migration_elsewhere_does_not_hold_an_open_at_the_current_schema(pg_url: str) -> None:
    SkillLibrary(pg_url).close()
    schema = pg_url.split("schema=")[1]
    with _held("SELECT pg_advisory_lock(hashtext(%s))", f"skillevo-migrate:{schema}"):
        lib = _open_within(pg_url)
        assert isinstance(lib, SkillLibrary)  # before: waiting for the lock without end
        assert lib.skills() == []
        lib.close()


def test_a_library_to_migrate_waits_at_most_its_timeout(pg_url: str) -> None:
    schema = pg_url.split("schema=")[1]  # not created yet: it must be migrated
    with _held("SELECT pg_advisory_lock(hashtext(%s))", f"skillevo-migrate:{schema}"):
        raised = _open_within(pg_url)
    assert isinstance(raised, LibraryError) and "lock" in str(raised)
    SkillLibrary(pg_url).close()  # once the lock is gone, it opens


@pytest.mark.parametrize("table", ["schema_version", "events", "skills"])
def test_a_table_locked_elsewhere_does_not_hang_the_open(pg_url: str, table: str) -> None:
    SkillLibrary(pg_url).close()
    schema = pg_url.split("schema=")[1]
    with _held(f"LOCK TABLE {schema}.{table} IN ACCESS EXCLUSIVE MODE"):
        got = _open_within(pg_url)
    if isinstance(got, SkillLibrary):
        got.close()
    else:
        assert isinstance(got, LibraryError) and "lock" in str(got)

