"""An agent's run never waits the queue's full lock wait while another process holds the write lock.

World: another process (``sqlite3 lib.db`` with ``BEGIN IMMEDIATE``, a long script) holds the
SQLite library's write lock while agents run through the default Evolver. Before 2026-12-07 a run
path that found the queue holding records wrote it itself at the queue's whole lock wait
(`skillevo._sql_batch.QUEUE_WAIT_S`, 5 s), then replayed the spill journal at that wait too:
``finish()`` saving its episode to mine it, or the next run's first read, waited 5 s a run, and a
batch of 150 runs crawled (90 s were not enough). Now every wait on the run path is its short
budget (`skillevo._lock_pause.RUN_PATH_WAIT_S`); what the runs record goes to the queue and the
journal, written by the writer thread or at close once the lock is gone: each episode once.
The same on PostgreSQL, another session holding ``LOCK TABLE episodes IN ACCESS EXCLUSIVE MODE``.

Deterministic: the waits are counted (the busy timeout in force at each write the agent's thread
starts), not timed; the writer thread is held back so that the run path meets a queue with
records in it at every run.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, cast

import pytest

from skillevo import Evolver, LibraryError, SkillLibrary
from skillevo._lock_pause import RUN_PATH_WAIT_S

RUNS = 6


def _book(date: str) -> str:
    return "booked" if "-" in date else "Error: ValueError: date must be YYYY-MM-DD"


def _run(evo: Evolver, task: str) -> str:
    with evo.episode(task=task) as ep:
        ep.guidance(["book"])
        args = ep.before_tool("book", {"date": "03/04/2025"})
        result = _book(**args)
        if ep.on_tool_result("book", args, result):
            retry = ep.on_tool_error("book", args, result)
            if retry is not None:
                _book(**retry)
    return ep.id


# "sync" too: its ``finish()`` wrote the episode itself at the queue's 5 s (found by review20; the
# refused write is journaled with fsync all the same).
@pytest.mark.parametrize("durability", ["batched", "sync"])
def test_runs_under_a_held_write_lock_wait_only_the_run_path_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, durability: Literal["batched", "sync"]
) -> None:
    path = tmp_path / "lib.db"
    lib = SkillLibrary(path, durability=durability)
    evo = Evolver(lib, sandbox=None)
    free = [_run(evo, f"free {i}") for i in range(2)]
    lib.flush()
    # The writer thread waits for more records far longer than the test lasts: the run path alone
    # meets the queue it leaves (on a busy machine the thread may be that slow).
    monkeypatch.setattr(lib._behind, "linger_s", 3600.0)

    agent = threading.current_thread()
    waits: list[float] = []  # the busy timeout (s) at each write the agent's thread started
    writing = lib._d.writing

    @contextmanager
    def counted(*args: Any, **kwargs: Any) -> Iterator[Any]:
        if threading.current_thread() is agent and holding:
            waits.append(cast(Any, lib._d)._now_ms / 1000)  # (SQLite's busy timeout in force)
        with writing(*args, **kwargs) as conn:
            yield conn

    monkeypatch.setattr(lib._d, "writing", counted)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process's write transaction
    holding = True
    held: list[str] = []
    raised: list[BaseException] = []
    try:
        for i in range(RUNS):
            try:
                held.append(_run(evo, f"held {i}"))
            except LibraryError as exc:  # (counted: a run skillevo broke)
                raised.append(exc)
    finally:
        holding = False
        holder.execute("ROLLBACK")
        holder.close()
    monkeypatch.undo()
    assert not raised, raised
    assert waits, "no run wrote while the lock was held: nothing was measured"
    # Before: the queue written at QUEUE_WAIT_S (5 s) on the run path.
    assert max(waits) <= RUN_PATH_WAIT_S, waits
    lib.close()
    with sqlite3.connect(path) as check:
        rows = [r[0] for r in check.execute("SELECT id FROM episodes")]
    assert sorted(set(rows)) == sorted(rows)  # none written twice
    assert set(free + held) <= set(rows)  # none lost


@pytest.mark.postgres
def test_runs_under_a_locked_episodes_table_wait_only_the_run_path_budget(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same on PostgreSQL: another session's ``LOCK TABLE episodes IN ACCESS EXCLUSIVE MODE``
    (a schema change, ``VACUUM FULL``); each lock wait the agent's thread sets is counted."""
    import psycopg

    from .conftest import PG_URL

    lib = SkillLibrary(pg_url)
    evo = Evolver(lib, sandbox=None)
    free = [_run(evo, f"free {i}") for i in range(2)]
    lib.flush()
    monkeypatch.setattr(lib._behind, "linger_s", 3600.0)  # (as above: the run path meets the queue)

    agent = threading.current_thread()
    waits: list[float] = []  # the lock_timeout (s) of each wait the agent's thread set
    waiting_at_most = lib._d.waiting_at_most

    @contextmanager
    def counted(seconds: float) -> Iterator[None]:
        if threading.current_thread() is agent and holding:
            waits.append(seconds)
        with waiting_at_most(seconds):
            yield

    monkeypatch.setattr(lib._d, "waiting_at_most", counted)
    schema = pg_url.rsplit("schema=", 1)[1]
    held: list[str] = []
    raised: list[BaseException] = []
    with psycopg.connect(PG_URL) as conn:
        conn.execute(f'LOCK TABLE "{schema}".episodes IN ACCESS EXCLUSIVE MODE')
        holding = True
        try:
            for i in range(RUNS):
                try:
                    held.append(_run(evo, f"held {i}"))
                except LibraryError as exc:  # (counted: a run skillevo broke)
                    raised.append(exc)
        finally:
            holding = False
            conn.rollback()
    monkeypatch.undo()
    assert not raised, raised
    assert waits, "no run waited while the lock was held: nothing was measured"
    assert max(waits) <= RUN_PATH_WAIT_S, waits  # before: QUEUE_WAIT_S (5 s) on the run path
    lib.close()
    with psycopg.connect(PG_URL) as check:
        rows = [r[0] for r in check.execute(f'SELECT id FROM "{schema}".episodes')]
    assert sorted(set(rows)) == sorted(rows)
    assert set(free + held) <= set(rows)
