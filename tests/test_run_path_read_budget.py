"""A read on the agent's run path waits a short budget of its own for a lock, not the library's.

World: a DBA's ``LOCK TABLE`` (a schema change, ``VACUUM FULL``) on a table the agent's hooks
read, on a PostgreSQL library whose operator gave its sessions a long lock wait (the library's,
`skillevo._sql_batch.QUEUE_WAIT_S`, which the trainer and the user's own scripts wait). The lock
pause (`skillevo._lock_pause`) spares the reads after the first, but before 2026-12-07 the first
read of a run path (and the first after each pause) still waited the library's whole lock wait:
here an hour, the run held for as long as the lock was. Now a run-path read waits at most its own
short budget (`RUN_PATH_WAIT_S`), then the hook answers as a library with no skills would; reads
off the run path keep the library's wait; nothing the run records is lost.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from skillevo import Evolver, LibraryError, SkillLibrary, _sql_batch

#: How long the test waits for a run before calling it held by the lock (held far longer).
HELD_S = 60.0


def _run(evo: Evolver, task: str) -> str:
    ep = evo.episode(task=task)
    ep.guidance(["book"])
    args = ep.before_tool("book", {"date": "05/06/2025"})
    ep.on_tool_error("book", args, ValueError("date must be YYYY-MM-DD"))
    ep.on_tool_result("book", {"date": "2025-06-05"}, {"ok": True})
    try:
        ep.finish(1.0)
    except LibraryError:
        pass  # (inline mining's own report; the episode is stored)
    return ep.id


@pytest.mark.postgres
@pytest.mark.parametrize("table", ["skills", "versions"])
def test_a_run_path_read_does_not_wait_the_librarys_lock_wait(
    pg_url: str, monkeypatch: pytest.MonkeyPatch, table: str
) -> None:
    import psycopg

    from .conftest import PG_URL

    monkeypatch.setattr(_sql_batch, "QUEUE_WAIT_S", 3600.0)  # the sessions' lock_timeout: an hour
    lib = SkillLibrary(pg_url)
    evo = Evolver(lib, sandbox=None, cache_ttl_s=0.0)
    for i in range(4):  # a learned repair for the hooks to read
        _run(evo, f"seed {i}")
    evo.flush(60)
    lib.flush()

    ids: list[str] = []
    failed: list[BaseException] = []

    def runs() -> None:
        try:
            ids.extend(_run(evo, f"locked {i}") for i in range(2))
        except BaseException as exc:  # (reported below)
            failed.append(exc)

    schema = pg_url.rsplit("schema=", 1)[1]
    with psycopg.connect(PG_URL) as conn:
        conn.execute(f'LOCK TABLE "{schema}".{table} IN ACCESS EXCLUSIVE MODE')
        try:
            thread = threading.Thread(target=runs, daemon=True)
            thread.start()
            thread.join(HELD_S)
            held = thread.is_alive()
        finally:
            conn.rollback()
    thread.join()
    assert not held, "the run waited the library's lock wait for a read on its path"  # before: an hour
    assert not failed, failed
    lib.close()
    with SkillLibrary(pg_url) as check:
        assert set(ids) <= {e.id for e in check.episodes()}  # nothing the runs recorded is lost


def test_a_finish_that_saves_an_episode_to_mine_does_not_wait_the_librarys_busy_timeout(tmp_path: Path) -> None:
    """The default Evolver mines (`RuleMiner`): `finish()` of an episode with a failed call saves
    it at once on the agent's thread (mining cites its events by id). Another process holding the
    write lock made that save wait the library's whole busy timeout (60 s by default, an hour
    here), then raise: the run held for as long. Now a write on the run path waits its short
    budget too; the episode is queued (written when the lock is gone) and mined later."""
    import sqlite3

    path = tmp_path / "lib.db"
    lib = SkillLibrary(path, timeout=3600.0)  # the operator's busy timeout: an hour
    evo = Evolver(lib, sandbox=None)
    ids: list[str] = []
    failed: list[BaseException] = []

    def runs() -> None:
        try:
            ids.extend(_run(evo, f"held {i}") for i in range(2))
        except BaseException as exc:  # (reported below)
            failed.append(exc)

    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process's write transaction, never ending here
    try:
        thread = threading.Thread(target=runs, daemon=True)
        thread.start()
        thread.join(HELD_S)
        held = thread.is_alive()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    thread.join()
    assert not held, "the run waited the library's busy timeout to save an episode"  # before: an hour
    assert not failed, failed
    lib.close()
    with SkillLibrary(path) as check:
        assert set(ids) <= {e.id for e in check.episodes()}
