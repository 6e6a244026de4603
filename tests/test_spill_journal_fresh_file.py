"""A spill journal kept for a library whose file is gone opens into a fresh library, not an error.

World: the store refused writes (another connection held SQLite's write lock; a full disk), so the
queue spilled into the journal (`<file>.journal/`) and the process ended with the records there.
Then the library file is deleted or replaced by a new one (an operator starting afresh, a restore
that brought the file back without its WAL). Before 2026-12-07 every open of a library at that
path failed: the open replayed the journal before it created the tables ("no such table:
write_keys"), so no process could use the path again (1 of 1 opens failed, 5 of 5 episodes stuck).
Now the tables are made first and the journaled episodes are written into the fresh library.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from skillevo import SkillLibrary

_SPILL = """
import sqlite3, sys
sys.path[:0] = {syspath!r}
from skillevo import Evolver, LibraryError, SkillLibrary, _sql_batch
_sql_batch.QUEUE_WAIT_S = 0.2
lib = SkillLibrary({db!r}, timeout=3600.0)
evo = Evolver(lib, miner=None, sandbox=None)
holder = sqlite3.connect({db!r}, isolation_level=None)
holder.execute("BEGIN IMMEDIATE")  # the store refuses writes: the queue spills to the journal
for i in range(5):
    ep = evo.episode(task=f"task {{i}}")
    ep.on_tool_result("lookup", {{"q": i}}, "rows")
    try:
        ep.finish(1.0)
    except LibraryError:
        pass
    print(ep.id)
try:
    lib.flush()
except LibraryError:
    pass
"""


def test_a_journal_for_a_deleted_library_file_is_written_into_the_new_one(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    done = subprocess.run([sys.executable, "-c", _SPILL.format(syspath=sys.path, db=str(db))],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    ids = done.stdout.split()
    assert len(ids) == 5 and list(Path(f"{db}.journal").glob("*.jsonl"))  # the process ended journaled
    for leftover in tmp_path.glob("lib.db*"):
        if leftover.is_file():
            leftover.unlink()  # the library file (and its WAL) gone; the journal folder stays

    with SkillLibrary(db) as fresh:  # before: LibraryError "no such table: write_keys"
        fresh.flush()
        assert sorted(e.id for e in fresh.episodes()) == sorted(ids)
