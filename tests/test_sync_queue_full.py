"""A write-behind queue writing synchronously (every forked child's, `WriteBehind.sync`) whose queue
is full must refuse the next record, not hang the agent's thread.

The fault: the store refuses writes (its lock held by another process, a full disk) until the
queue holds ``max_pending`` records, in a process writing synchronously (a multiprocessing worker
after its fork). The next record's refusal was counted (`_refuse`) while the queue's own lock was
held, and that lock is not re-entrant: the agent's thread waited on itself for good (1 of 1 puts
hung -> 0 of 1; the refusal is raised as a `LibraryError` and counted as lost).
"""

from __future__ import annotations

import sqlite3
import threading

from skillevo import LibraryError
from skillevo._writebehind import WriteBehind


def _refusing(batch: list[str]) -> None:
    raise sqlite3.OperationalError("database is locked")


def test_a_full_synchronous_queue_refuses_the_next_record_without_hanging() -> None:
    queue: WriteBehind[str] = WriteBehind(
        _refusing, threading.RLock(), "lib.db", (sqlite3.OperationalError,), sync=True, max_pending=3
    )
    heard: list[BaseException] = []

    def fill() -> None:
        for i in range(4):
            try:
                queue.put(f"r{i}")
            except LibraryError as exc:
                heard.append(exc)

    worker = threading.Thread(target=fill, daemon=True)
    worker.start()
    worker.join(timeout=30)
    hung = worker.is_alive()
    if not hung:
        queue._refusing = True  # nothing more to write: the store never takes them
    assert not hung, "the fourth put waited on the queue's own lock"
    assert any("the queue is full" in str(exc) for exc in heard)
    assert "1 recorded episodes were not recorded" in queue.lost_report()
