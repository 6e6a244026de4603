"""The writer thread writes a large spill journal back (`skillevo._spill`) chunk by chunk, letting
the agent's reads in between: an agent's read waits at most the chunk being written, never the
whole journal.

The world: a process journaled 6 episodes during an outage and ended; the next process opens the
library and its writer thread writes them back, 2 a chunk. Between two chunks, an agent's hook
reads the library (its run path). Before 2026-12-07 the writer thread held the library's lock
(SQLite: its one connection's; every backend: the queue's) through the whole replay, so the read
waited for every chunk: a 256 MB journal left by a killed process stalled every run for the whole
write-back.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from skillevo import Evolver, LibraryError, SkillLibrary, _spill, _spill_read, _sql_batch
from skillevo._run_path import run_path_scope


@pytest.fixture(autouse=True)
def short_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_sql_batch, "QUEUE_WAIT_S", 0.2)


def _journal_left_by_an_ended_process(db: Path, n: int) -> None:
    """`n` episodes journaled during an outage by a library whose process then ended."""
    lib = SkillLibrary(db, timeout=3600.0)
    lib._behind.max_pending = 1
    lib._behind.retry_s = 3600.0  # its thread never writes them back
    evo = Evolver(lib, miner=None, sandbox=None, cache_ttl_s=0.0)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process's write transaction
    try:
        for i in range(n):
            ep = evo.episode(task=f"task {i}")
            ep.on_tool_result("lookup", {"q": i}, {"ok": True})
            try:
                ep.finish(1.0)
            except LibraryError:
                pass
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    behind, journal = lib._behind, lib._behind._journal
    assert journal is not None and journal.held_counts().get("recorded episode", 0) >= n - 1
    # The process ends: its thread stops, its file's lock goes (as a kill's would), nothing more written.
    behind._stopped.set()
    behind._wake.set()
    journal._close_own()
    behind._journal = None
    behind._queue.clear()


def test_an_agent_read_goes_between_the_chunks_of_a_journal_written_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "lib.db"
    _journal_left_by_an_ended_process(db, 6)
    monkeypatch.setattr(_spill, "CHUNK", 2)
    lib = SkillLibrary(db)
    read_between: list[bool] = []
    parts = [0]
    part = _spill_read.LazyFile.part

    def agent_reads() -> None:
        with run_path_scope():
            lib.skills()

    def part_then_read(self: _spill_read.LazyFile[object], start: int, chunk: int) -> list[object]:
        # Between two chunks of the writer thread's replay, an agent's hook reads (in its own thread).
        if threading.current_thread() is lib._behind._thread and start > 0 and not read_between:
            parts[0] += 1
            reader = threading.Thread(target=agent_reads)
            reader.start()
            reader.join(10.0)  # (a bound for the failure only: the read needs no chunk written)
            read_between.append(not reader.is_alive())
        return part(self, start, chunk)

    monkeypatch.setattr(_spill_read.LazyFile, "part", part_then_read)
    with run_path_scope():
        lib.skills()  # the first read of a run: the journal is left to the writer thread
    lib._behind._wake_writer()
    for _ in range(600):  # the writer thread writes the journal back (bounded, not timed)
        if not lib._behind.journaled and read_between:
            break
        time.sleep(0.05)
    assert read_between == [True]
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM episodes").fetchone()[0] == 6
    assert not lib._behind.journaled
    lib.close()


def test_a_flush_takes_the_replay_over_between_chunks_and_writes_each_record_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "lib.db"
    _journal_left_by_an_ended_process(db, 6)
    monkeypatch.setattr(_spill, "CHUNK", 2)
    lib = SkillLibrary(db)
    flushed: list[str] = []
    flusher: list[threading.Thread] = []
    readers: set[str] = set()
    part = _spill_read.LazyFile.part

    def flush() -> None:
        try:
            lib.flush()  # off the run path: returns once the journal is written
            flushed.append("ok")
        except LibraryError as exc:
            flushed.append(str(exc))

    def part_then_flush(self: _spill_read.LazyFile[object], start: int, chunk: int) -> list[object]:
        # Between two chunks of the writer thread's replay, a flush that must see the journal written.
        readers.add(threading.current_thread().name)
        if threading.current_thread() is lib._behind._thread and start > 0 and not flusher:
            flusher.append(threading.Thread(target=flush, name="flusher"))
            flusher[0].start()
            for _ in range(600):  # until it waits for the thread's turn (bounded, not timed)
                if lib._behind._turn._wanted:
                    break
                time.sleep(0.01)
        return part(self, start, chunk)

    monkeypatch.setattr(_spill_read.LazyFile, "part", part_then_flush)
    with run_path_scope():
        lib.skills()  # the journal is left to the writer thread
    lib._behind._wake_writer()
    for _ in range(600):
        if flushed:
            break
        time.sleep(0.05)
    flusher[0].join(30.0)
    assert flushed == ["ok"]
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM episodes").fetchone()[0] == 6
        twice = conn.execute("SELECT COUNT(*) FROM events GROUP BY episode_id, kind, ts HAVING COUNT(*) > 1")
        assert twice.fetchall() == []
    assert "flusher" in readers  # the thread gave the rest of its replay to the flush
    assert not lib._behind.journaled
    lib.close()


def test_starting_an_episode_leaves_the_journal_to_the_writer_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Before 2026-12-07 `evo.episode()` read the library's review mark off the run path: with a
    # journal waiting it wrote the journal back in the agent's thread (a chunk decoded and a write
    # tried, or the library's whole lock wait, at every run's start: 0.3 s a run at 1,200 journaled).
    db = tmp_path / "lib.db"
    _journal_left_by_an_ended_process(db, 3)
    lib = SkillLibrary(db, timeout=0.5)
    lib._behind.retry_s = 3600.0
    evo = Evolver(lib, miner=None, sandbox=None, cache_ttl_s=0.0)
    replayed_in: list[str] = []
    replay = _spill.Journal.replay

    def noted(self: _spill.Journal[object], *args: object, **kwargs: object) -> int:
        replayed_in.append(threading.current_thread().name)
        return replay(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(_spill.Journal, "replay", noted)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer, while the runs start
    try:
        for i in range(3):
            evo.episode(task=f"run {i}")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert threading.current_thread().name not in replayed_in
    lib.close()
    with sqlite3.connect(db) as conn:  # (the runs started are stored too, as abandoned)
        assert conn.execute("SELECT COUNT(*) FROM episodes WHERE task LIKE 'task %'").fetchone()[0] == 3
