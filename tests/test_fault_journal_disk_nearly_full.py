"""A spill journal on a nearly full disk keeps the records that fit, not none of them.

World: the store refuses writes (here another connection holds SQLite's write lock) and the
queue's records are moved to the spill journal in one append; the disk has room for only some of
them (`os.write` takes part of the data, as on a disk filling up or under a file-size limit).
Before 2026-12-07 the partial write was cut back to nothing ("short write"): every record of the
append was refused, also the ones the disk had taken, and the process's exit reported them all
lost (300 of 300 under a 20 KB file-size limit). Now the whole lines the disk took are kept (and
written back when the store answers); only the rest are refused.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from skillevo import SkillLibrary

_CHILD = textwrap.dedent(
    """
    import errno, os, sqlite3, sys
    from skillevo import Episode, SkillLibrary, _spill, _sql_batch
    _sql_batch.QUEUE_WAIT_S = 0.2
    db = sys.argv[1]
    lib = SkillLibrary(db, timeout=0.2)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the store refuses writes until this process ends
    room = [int(sys.argv[2])]  # bytes the disk still takes
    real_write = os.write

    def nearly_full(fd, data):
        if room[0] <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        taken = real_write(fd, bytes(data[: room[0]]))
        room[0] -= taken
        return taken

    _spill.os.write = nearly_full
    for i in range(20):
        lib.record_episode(Episode(task=f"run {i} " + "x" * 400))
    """
)


def test_a_journal_append_the_disk_takes_part_of_keeps_that_part(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    SkillLibrary(db).close()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", _CHILD, str(db), "4000"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    with SkillLibrary(db) as lib:  # the store answers: what the journal kept is written back
        stored = len(lib.episodes())
    assert stored > 0  # the whole lines the disk took: not lost
    assert f"{20 - stored} queued records were lost at exit" in done.stderr  # the rest: said, once
