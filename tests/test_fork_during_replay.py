"""A process forks (a multiprocessing worker, a Pool) while its writer thread writes a spill journal
back (`skillevo._replay_turn`): the fork waits for the thread's turn, as a flush does, so no chunk of
the replay is in flight in the copy.

The world: a process journaled 6 episodes during an outage and ended; the next process's writer
thread writes them back, 2 a chunk, and between two chunks the agent forks a worker that lives on.
Since the thread lets the library's lock go between chunks (2026-12-07), the fork's hook, which takes
that lock, no longer kept a replay out of the fork: the child inherited the thread's open file of the
ended process's journal and so its ``flock``. The parent's flush then found that file locked "by a
live process", passed over 4 of the 6 episodes, and returned as if all were written; they waited
for the worker to end.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from test_replay_yields_lock import _journal_left_by_an_ended_process, short_wait  # noqa: F401

from skillevo import SkillLibrary, _spill, _spill_read
from skillevo._run_path import run_path_scope


def _writer_thread_between_two_chunks(db: Path, monkeypatch: pytest.MonkeyPatch) -> SkillLibrary:
    """A library whose writer thread writes an ended process's 6 journaled episodes back, 2 a chunk,
    and stands between two chunks (the library's lock let go) until someone waits for its turn: the
    fork's hook, or the parent's flush after the fork."""
    _journal_left_by_an_ended_process(db, 6)
    monkeypatch.setattr(_spill, "CHUNK", 2)
    lib = SkillLibrary(db)
    between = threading.Event()
    part = _spill_read.LazyFile.part

    def part_then_wait(self: _spill_read.LazyFile[object], start: int, chunk: int) -> list[object]:
        if threading.current_thread() is lib._behind._thread and start > 0 and not between.is_set():
            between.set()
            for _ in range(3000):  # bounded, not timed
                if lib._behind._turn._wanted:
                    break
                time.sleep(0.01)
        return part(self, start, chunk)

    monkeypatch.setattr(_spill_read.LazyFile, "part", part_then_wait)
    with run_path_scope():
        lib.skills()  # the journal is left to the writer thread
    lib._behind._wake_writer()
    assert between.wait(30.0)
    return lib

@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_fork_between_two_chunks_leaves_no_replay_in_the_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "lib.db"
    lib = _writer_thread_between_two_chunks(db, monkeypatch)
    release_r, release_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker: lives on until the parent has flushed
        os.close(release_w)
        os.read(release_r, 1)
        os._exit(0)
    os.close(release_r)
    try:
        lib.flush()  # off the run path: returns once the journal is written
        with sqlite3.connect(db) as conn:
            assert conn.execute("SELECT COUNT(*) FROM episodes").fetchone()[0] == 6
        assert not lib._behind.journaled
    finally:
        os.write(release_w, b"x")
        os.close(release_w)
        os.waitpid(pid, 0)
    lib.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_the_writer_thread_goes_on_with_the_journal_after_the_fork(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fork took the replay over only to keep it out of the child: the parent's thread writes the
    # rest back by itself, with no later record or read to wake it.
    db = tmp_path / "lib.db"
    lib = _writer_thread_between_two_chunks(db, monkeypatch)
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    for _ in range(600):  # the writer thread writes the rest back (bounded, not timed)
        if not lib._behind.journaled:
            break
        time.sleep(0.05)
    assert not lib._behind.journaled
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM episodes").fetchone()[0] == 6
    lib.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_child_forked_while_another_thread_appends_to_the_journal_records(tmp_path: Path) -> None:
    # Another thread of the parent was appending to the journal (its lock held around the fsync)
    # as the process forked: the child's first record that reads the journal waited for that lock
    # forever, held by a thread the child does not have.
    db = tmp_path / "lib.db"
    _journal_left_by_an_ended_process(db, 2)
    lib = SkillLibrary(db)
    journal = lib._behind._journal
    assert journal is not None
    held, release = threading.Event(), threading.Event()

    def appending() -> None:
        with journal._lock:
            held.set()
            release.wait(60.0)

    appender = threading.Thread(target=appending)
    appender.start()
    try:
        assert held.wait(30.0)
        pid = os.fork()
        if pid == 0:  # the worker: writes what waits (the journal too) before it goes on
            signal.alarm(20)  # (the failure's bound: a hang ends the child with SIGALRM)
            try:
                lib.flush()
            finally:
                os._exit(0)
        _, status = os.waitpid(pid, 0)
    finally:
        release.set()
        appender.join(30.0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
    lib.close()
