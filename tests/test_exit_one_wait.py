"""The process's last writes wait for other processes' locks once in all, and lose nothing.

World: a process ends (interpreter exit, or SIGTERM) holding queued episodes for several libraries
whose write lock another process keeps (a long `skillevo train`, a backup, a reader's open write).
Before 2026-12-07 each library's write waited its own `QUEUE_WAIT_S` (5 s) in turn: four libraries
held the exit 20 s, and under SIGTERM the watchdog (grace + 5 s) killed the process while the third
and fourth were still waiting: 1-2 of 4 queued episodes lost (measured with real locks). Now every
write shares one deadline, and a library still locked when it has passed is journaled at once.

The clock is a fake one that moves only by the lock waits the writes are given: the assertion is
on the total waited, not on elapsed time.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

_SCRIPT = textwrap.dedent(
    """
    import json, os, sqlite3, sys, time
    from skillevo import Episode, SkillLibrary, _sigterm_flush, _sql_batch, _writebehind

    folder, how = sys.argv[1], sys.argv[2]
    libs = [SkillLibrary(os.path.join(folder, f"lib{i}.db")) for i in range(4)]
    for i, lib in enumerate(libs):
        lib._behind.linger_s = 3600.0  # written by the exit below, not by the thread
        lib.record_episode(Episode(id=f"ep{i}", task="t"))

    waited = [0.0]
    real = time.monotonic

    def clock():  # real time plus the lock waits spent (no real waiting)
        return real() + waited[0]

    def locked_elsewhere(store, batch, *, wait_s):
        waited[0] += wait_s  # the lock wait the write was given, spent: another process holds it
        raise sqlite3.OperationalError("database is locked")

    _sql_batch.write_batch = locked_elsewhere
    time.monotonic = clock
    if how == "exit":
        _writebehind._drain_all()
    else:
        _sigterm_flush.flush_all(10.0)
    kept = [len(lib._behind._journal.held()) for lib in libs]
    queued = [len(lib._behind) for lib in libs]
    print(json.dumps({"waited": waited[0], "journaled": kept, "queued": queued}), flush=True)
    os._exit(0)
    """
)


@pytest.mark.parametrize(("how", "bound"), [("exit", 5.0), ("sigterm", 10.0)])
def test_last_writes_share_one_wait_and_journal_the_rest(tmp_path: Path, how: str, bound: float) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(tmp_path), how], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    # One wait in all (the atexit hook's 5 s, SIGTERM's grace), however many libraries are locked.
    assert result["waited"] <= bound
    # Nothing lost: every library's episode is on disk in its journal for the next process.
    assert result["journaled"] == [1, 1, 1, 1]
    assert result["queued"] == [0, 0, 0, 0]
