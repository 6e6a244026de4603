"""The spill journal's folder deleted while a store outage fills it: nothing recorded is lost.

World: the library's store refuses writes (here another connection holds SQLite's write lock), so
the queue spills into the journal (`<file>.journal/`); meanwhile something removes that folder (a
tmp cleaner, an operator's ``rm -rf`` of what looks like leftovers, a redeploy wiping state). The
process still holds its journal file open. Before 2026-12-07 it went on appending into the
unlinked file, and when the store came back the replay, reading the file by its name, failed:
``close()`` raised "No such file or directory ... they stay queued, in the journal" (a journal that
no longer existed) and all 10 of 10 episodes were lost, also the 5 recorded after the deletion.
Now the journal notices that its file is no longer at its name, makes a new one from what the open
file holds, and every episode is written once the store answers.
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
from pathlib import Path

import pytest

from skillevo import Evolver, LibraryError, SkillLibrary, _sql_batch

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="unlinking an open file is POSIX")


@pytest.mark.parametrize("removed", ["folder", "file"])
def test_a_journal_removed_during_an_outage_loses_no_episode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, removed: str
) -> None:
    monkeypatch.setattr(_sql_batch, "QUEUE_WAIT_S", 0.2)
    db = tmp_path / "lib.db"
    lib = SkillLibrary(db, timeout=3600.0)
    evo = Evolver(lib, miner=None, sandbox=None)
    ids: list[str] = []

    def run(i: int) -> None:
        ep = evo.episode(task=f"task {i}")
        ep.on_tool_result("lookup", {"q": i}, "rows")
        try:
            ep.finish(1.0)
        except LibraryError:
            pass  # the store refuses: kept (queued or journaled), said to the caller
        ids.append(ep.id)

    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    run(0)
    with pytest.raises(LibraryError):
        lib.flush()  # the store is known to refuse writes from here on: the queue spills
    for i in range(1, 5):
        run(i)
    folder = Path(f"{db}.journal")
    files = list(folder.glob("*.jsonl"))
    assert files  # journaled
    if removed == "folder":
        shutil.rmtree(folder)
    else:
        for f in files:
            f.unlink()
    for i in range(5, 10):
        run(i)
    holder.execute("ROLLBACK")
    holder.close()
    lib.close()
    with SkillLibrary(db) as again:
        stored = [e.id for e in again.episodes()]
    assert sorted(stored) == sorted(ids)  # each once, none lost
