"""A read during a store outage goes on when the records the store refuses are kept in the spill
journal: the queue moved there at the first refusal (`WriteBehind._spill_queue`), so "nothing
queued" no longer means "nothing kept". Before 2026-12-07 (review15) every such read raised
`LibraryError` (5 of 5 `stats()` reads while 20 episodes waited in the journal), although the
read itself could be served and the records' writer had been told.

Real fault: another connection holds the SQLite file's write lock (``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest

from skillevo import Evolver, LibraryError, SkillLibrary, _sql_batch

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the journal's flock is POSIX")


@pytest.fixture(autouse=True)
def short_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_sql_batch, "QUEUE_WAIT_S", 0.2)


def test_a_read_goes_on_while_the_refused_records_wait_in_the_journal(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    lib = SkillLibrary(str(db), timeout=3600.0)
    try:
        evo = Evolver(lib, miner=None, sandbox=None)
        lib.flush()
        holder = sqlite3.connect(db, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            ids = []
            for i in range(5):
                ep = evo.episode(task=f"task {i}")
                ep.on_tool_result("lookup", {"q": i}, "rows")
                try:
                    ep.finish(1.0)
                except LibraryError:
                    pass  # a finish that wrote the queue itself hears the refusal
                ids.append(ep.id)
            with pytest.raises(LibraryError):
                lib.flush()  # the store refuses: the queue goes to the journal
            failed = 0
            for _ in range(3):
                try:
                    lib.stats()
                except LibraryError:
                    failed += 1
            assert failed == 0
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        lib.flush()  # the store takes writes again: the journaled episodes are written
        assert all(lib.episode(i).id == i for i in ids)
    finally:
        lib.close()
