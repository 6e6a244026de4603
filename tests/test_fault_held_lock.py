"""Another process holds the library's write lock (a long transaction, a table lock) while agents
run in the default ``durability="batched"``: the runs go on, and nothing recorded is lost.

Before, the queue's background write waited for the lock as long as the library's timeout allowed
(SQLite: the busy timeout, 60 s by default; PostgreSQL: without end) holding the queue's lock, and
every read on the agent's path (guidance, trigger matches) waited behind it: the "nothing waits"
mode stalled runs longer than ``"sync"`` (bounded by ``_sql_batch.QUEUE_WAIT_S``, then named
``SYNC_WAIT_S``), for as long as the other process kept its lock.
"""

from __future__ import annotations

import functools
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from skillevo import Evolver, LibraryError, SkillLibrary, _sql_batch

#: How long the test waits for a run before calling it hung (the lock is held far longer).
HUNG_S = 60.0


def _runs(lib: SkillLibrary, n: int) -> tuple[list[str], list[str]]:
    """`n` agent runs, each: guidance, a tool call, finish. Their ids, and the errors they heard
    (a batched `finish` may hear that the store refuses its queue: kept queued, not lost)."""
    evo = Evolver(lib, miner=None, sandbox=None, cache_ttl_s=0.0)
    ids: list[str] = []
    errors: list[str] = []
    for i in range(n):
        ep = evo.episode(task=f"task {i}")
        ep.guidance(["lookup"])
        ep.before_tool("lookup", {"q": i})
        ep.on_tool_result("lookup", {"q": i}, {"rows": [i]})
        try:
            ep.finish(1.0)
        except LibraryError as exc:
            errors.append(str(exc))
        ids.append(ep.id)
    return ids, errors


def _in_time(work: Callable[[], tuple[list[str], list[str]]]) -> tuple[list[str], list[str]]:
    done: list[tuple[list[str], list[str]]] = []
    failed: list[BaseException] = []

    def run() -> None:
        try:
            done.append(work())
        except BaseException as exc:
            failed.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(HUNG_S)
    assert not thread.is_alive(), "the agent's runs hung behind another process's lock"
    assert not failed, failed  # nothing but LibraryError from finish reached the run
    return done[0]


@pytest.fixture
def short_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_sql_batch, "QUEUE_WAIT_S", 0.2)


def test_sqlite_runs_go_on_while_another_process_holds_the_write_lock(tmp_path: Path, short_wait: None) -> None:
    path = tmp_path / "lib.db"
    lib = SkillLibrary(path, timeout=3600.0)  # the operator's busy timeout: an hour
    _runs(lib, 2)
    lib.flush()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process's write transaction, never ending here
    try:
        ids, errors = _in_time(lambda: _runs(lib, 5))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert all("\n" not in e and "stay queued" in e for e in errors), errors
    lib.close()  # the lock is free: the queue is written
    with SkillLibrary(path) as check:
        assert set(ids) <= {e.id for e in check.episodes()}


@contextmanager
def _table_locked(pg_url: str) -> Iterator[None]:
    import psycopg

    from .conftest import PG_URL

    schema = pg_url.rsplit("schema=", 1)[1]
    with psycopg.connect(PG_URL) as conn:
        conn.execute(f'LOCK TABLE "{schema}".episodes IN ACCESS EXCLUSIVE MODE')
        try:
            yield
        finally:
            conn.rollback()


@pytest.mark.postgres
def test_postgres_runs_go_on_while_another_session_holds_a_table_lock(pg_url: str, short_wait: None) -> None:
    lib = SkillLibrary(pg_url)
    _runs(lib, 2)
    lib.flush()
    with _table_locked(pg_url):
        ids, errors = _in_time(lambda: _runs(lib, 5))
    assert all("\n" not in e and "stay queued" in e for e in errors), errors
    lib.close()
    with SkillLibrary(pg_url) as check:
        assert set(ids) <= {e.id for e in check.episodes()}


@pytest.mark.postgres
@pytest.mark.parametrize("table", ["skills", "versions"])
def test_postgres_reads_on_the_agents_path_go_on_while_a_table_they_read_is_locked(
    pg_url: str, short_wait: None, table: str
) -> None:
    """A lock on a table the agent's reads need (a schema change of a newer skillevo, a DBA's
    ``LOCK TABLE``, ``VACUUM FULL``): before 2026-12-06 PostgreSQL let the read wait without end
    and the run's ``guidance()`` hung (past 60 s, for as long as the lock was held). A read now
    waits at most `QUEUE_WAIT_S` for a lock (the connections' ``lock_timeout``), then goes on
    without the library (an adapter logs the `LibraryError`), and nothing recorded is lost."""
    import psycopg

    from .conftest import PG_URL

    lib = SkillLibrary(pg_url)
    _runs(lib, 2)
    lib.flush()
    schema = pg_url.rsplit("schema=", 1)[1]
    evo = Evolver(lib, miner=None, sandbox=None, cache_ttl_s=0.0)

    def runs() -> tuple[list[str], list[str]]:
        ids: list[str] = []
        errors: list[str] = []
        for i in range(3):
            ep = evo.episode(task=f"locked {i}")
            calls = (
                functools.partial(ep.guidance, ["lookup"]),
                functools.partial(ep.before_tool, "lookup", {"q": 1}),
                functools.partial(ep.finish, 1.0),
            )
            for call in calls:
                try:
                    call()
                except LibraryError as exc:
                    errors.append(str(exc))
            ids.append(ep.id)
        return ids, errors

    with psycopg.connect(PG_URL) as conn:
        conn.execute(f'LOCK TABLE "{schema}".{table} IN ACCESS EXCLUSIVE MODE')
        try:
            ids, errors = _in_time(runs)
        finally:
            conn.rollback()
    assert all("\n" not in e for e in errors), errors
    lib.close()
    with SkillLibrary(pg_url) as check:
        assert set(ids) <= {e.id for e in check.episodes()}
