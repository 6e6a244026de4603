"""Another session keeps a table the agent's hooks read locked: the runs do not wait for it again
and again, and nothing they record is lost.

World: a DBA's ``LOCK TABLE`` (a schema change, ``VACUUM FULL``) on the skills table of a
PostgreSQL library while agents run. Before 2026-12-07 every read of the agent's hooks waited the
full lock wait (`QUEUE_WAIT_S`, 5 s) before the run went on without the library: 4 hooks a run,
20 s a run (15 waits for these 3 runs, their inline mining included). Now the first read that
meets the lock pauses the reads of the agents' hooks on that library for a while: they fail at
once and the hooks answer as a library with no skills would (1 wait here). Reads off the run path
still wait (and still fail) as before.
"""

from __future__ import annotations

from typing import Any

import pytest

from skillevo import Evolver, LibraryError, SkillLibrary, _sql_batch


def _hooks(evo: Evolver, i: int) -> str:
    ep = evo.episode(task=f"locked {i}")
    ep.guidance(["book"])
    args = ep.before_tool("book", {"date": "05/06/2025"})
    ep.on_tool_error("book", args, ValueError("date must be YYYY-MM-DD"))
    ep.on_tool_result("book", {"date": "2025-06-05"}, {"ok": True})
    try:
        ep.finish(1.0)  # stored (queued); its inline mining may hear the lock, as before
    except LibraryError:
        pass
    return ep.id


@pytest.mark.postgres
def test_hooks_wait_for_a_locked_table_once_not_once_a_read(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import psycopg

    from .conftest import PG_URL

    monkeypatch.setattr(_sql_batch, "QUEUE_WAIT_S", 0.2)  # (the connections' lock_timeout: a short test)
    lib = SkillLibrary(pg_url)
    evo = Evolver(lib, sandbox=None, cache_ttl_s=0.0)
    for i in range(4):  # a learned repair for the hooks to read
        ep = evo.episode(task=f"seed {i}")
        ep.before_tool("book", {"date": "03/04/2025"})
        ep.on_tool_error("book", {"date": "03/04/2025"}, ValueError("date must be YYYY-MM-DD"))
        ep.finish(0.0)
    evo.flush(60)
    lib.flush()

    waits: list[str] = []
    translate = lib._d.library_error

    def counted(exc: BaseException, *, writing: bool) -> Any:
        if isinstance(exc, psycopg.errors.LockNotAvailable):
            waits.append("read" if not writing else "write")
        return translate(exc, writing=writing)

    monkeypatch.setattr(lib._d, "library_error", counted)
    schema = pg_url.rsplit("schema=", 1)[1]
    with psycopg.connect(PG_URL) as conn:
        conn.execute(f'LOCK TABLE "{schema}".skills IN ACCESS EXCLUSIVE MODE')
        try:
            ids = [_hooks(evo, i) for i in range(3)]
            with pytest.raises(LibraryError):
                list(lib.skills())  # off the run path: asks (and waits) as before
        finally:
            conn.rollback()
    assert waits.count("read") == 2  # one on the run path (before: 12), the user's own read
    lib.close()
    with SkillLibrary(pg_url) as check:
        assert set(ids) <= {e.id for e in check.episodes()}  # nothing the runs recorded is lost
