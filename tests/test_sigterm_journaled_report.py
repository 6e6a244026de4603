"""SIGTERM while records wait in the spill journal: stderr says where they are, not "0 queued".

World: another connection holds the SQLite file's write lock for good; the process's runs are
journaled (`skillevo._spill`) and it gets SIGTERM (``docker stop``). Before 2026-12-07 the flush
printed "0 queued records could not be written: ...": nothing was left in memory, the records
were safe on disk, and nothing said they would be written. Now it counts what the journal keeps and
says the next process to open the library writes it, as the exit's report does; and it does.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from skillevo import SkillLibrary


def test_sigterm_with_records_journaled_says_the_journal_keeps_them(tmp_path: Path) -> None:
    path = str(tmp_path / "lib.db")
    script = f"""
import os, signal, sqlite3, sys, time
sys.path[:0] = {sys.path!r}
from skillevo import Evolver, LibraryError, SkillLibrary, _durability, _sql_batch
_durability.SIGTERM_GRACE_S = 1.0
_sql_batch.QUEUE_WAIT_S = 0.2
lib = SkillLibrary({path!r}, timeout=0.2)
lib._behind.max_pending = 1
evo = Evolver(lib, miner=None, sandbox=None, cache_ttl_s=0.0)
holder = sqlite3.connect({path!r}, isolation_level=None)
holder.execute("BEGIN IMMEDIATE")  # another writer, for good
for i in range(3):
    ep = evo.episode(task=f"task {{i}}")
    ep.on_tool_result("lookup", {{"q": i}}, {{"ok": True}})
    try:
        ep.finish(1.0)
    except LibraryError:
        pass
assert lib._behind.journaled
os.kill(os.getpid(), signal.SIGTERM)
time.sleep(60)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == -signal.SIGTERM, done.stderr
    assert "0 queued records" not in done.stderr  # before: "0 queued records could not be written"
    assert "3 recorded episodes" in done.stderr and "the next process to open it writes them" in done.stderr
    with SkillLibrary(path) as lib:
        assert sorted(e.task for e in lib.episodes()) == ["task 0", "task 1", "task 2"]
