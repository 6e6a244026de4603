"""A worker forked after the library was opened (multiprocessing's "fork" start method, a Pool's
workers) records episodes while the store refuses writes (another process holds SQLite's write
lock past the wait, PostgreSQL away), and ends.

A forked child writes through (`_writebehind`: its queue could not outlive it), so its `finish()`
hears the refusal, and the record stays queued "to be written at the next write". But a
multiprocessing child ends with ``os._exit``, which runs no ``atexit`` hook: before 2026-12-07
what its refused writes left queued was lost without a word, even when the store took writes
again before the child ended (3 of 3 episodes lost, nothing on stderr). Now a child started by
multiprocessing writes its queue when it ends (a multiprocessing finalizer, run before its
``os._exit``), and reports on stderr, with the count, what the store still refuses then.
"""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from skillevo import SkillLibrary

CHILDREN = textwrap.dedent(
    r"""
    import multiprocessing as mp, subprocess, sys
    from skillevo import Evolver, LibraryError, SkillLibrary
    path, release = sys.argv[1], sys.argv[2] == "release"
    # Holds the write lock until a file appears (a pipe's end would be inherited by the children).
    HOLD = (
        "import os, sqlite3, sys, time; c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=0); "
        "c.execute('BEGIN IMMEDIATE'); print('held', flush=True)\n"
        "while not os.path.exists(sys.argv[1] + '.release'): time.sleep(0.01)\n"
        "c.execute('ROLLBACK')"
    )
    lib = SkillLibrary(path, timeout=1.0)
    evo = Evolver(lib, miner=None, sandbox=None)
    lib.flush()

    def child(i, recorded, go_on):
        ep = evo.episode(task=f"child {i}")
        ep.on_tool_result("lookup", {"q": i}, {"rows": [i]})
        try:
            ep.finish(1.0)
        except LibraryError:
            pass  # told: the store refuses the write (it stays queued)
        sys.stdout.write(f"ID {ep.id}\n")  # one write: the children share the pipe
        sys.stdout.flush()
        recorded.release()
        go_on.wait(60)

    if __name__ == "__main__":
        ctx = mp.get_context("fork")
        # Another process holds the write lock.
        holder = subprocess.Popen([sys.executable, "-c", HOLD, path], stdout=subprocess.PIPE, text=True)
        assert holder.stdout.readline().strip() == "held"
        recorded, go_on = ctx.Semaphore(0), ctx.Event()
        kids = [ctx.Process(target=child, args=(i, recorded, go_on)) for i in range(3)]
        for kid in kids:
            kid.start()
        for _ in kids:
            recorded.acquire()  # every child has recorded its episode, refused
        if release:  # the store takes writes again before the children end
            open(path + ".release", "w").close()
            holder.wait()
        go_on.set()
        for kid in kids:
            kid.join()
        if not release:
            open(path + ".release", "w").close()
            holder.wait()
        lib.close()
    """
)


def _run(tmp_path: Path, release: bool) -> tuple[set[str], set[str], str]:
    path = tmp_path / "lib.db"
    done = subprocess.run(
        [sys.executable, "-c", CHILDREN, str(path), "release" if release else "held"],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    ids = {line.split()[1] for line in done.stdout.splitlines() if line.startswith("ID ")}
    with SkillLibrary(path) as lib:
        stored = {e.id for e in lib.episodes()}
    return ids, stored, done.stderr


pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="needs the fork start method"
)


def test_a_forked_worker_writes_what_the_store_refused_when_it_ends(tmp_path: Path) -> None:
    ids, stored, _ = _run(tmp_path, release=True)
    assert len(ids) == 3
    assert not ids - stored, f"{len(ids - stored)} of {len(ids)} episodes lost"


def test_a_forked_worker_reports_what_it_could_not_write(tmp_path: Path) -> None:
    ids, stored, stderr = _run(tmp_path, release=False)
    lost = ids - stored
    assert len(lost) == 3  # the lock is held until every child has ended
    reported = stderr.count("skillevo: 1 queued records were lost at exit (not written)")
    assert reported == 3, stderr[-2000:]

