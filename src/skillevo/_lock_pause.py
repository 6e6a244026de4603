"""Reads on an agent's run path skip a library that another session keeps locked.

A lock held elsewhere on a table the agent's hooks read (PostgreSQL's ``LOCK TABLE``, a schema
change, ``VACUUM FULL``; SQLite's exclusive lock) made every such read wait the full lock wait
(`skillevo._sql_batch.QUEUE_WAIT_S`) before the hook went on without the library: four hooks a
run, 20 s a run, 40 s for two (before 2026-12-07). The agent must never be slowed by skillevo. So
once a read has met the lock, the reads made on a run path (`skillevo._run_path.on_run_path`) in
the next `PAUSE_S` do not ask the library: each fails at once with a `LibraryError`, and its hook
answers as a library with no skills would. And a read on the run path never waits the library's
own lock wait, which the trainer and the user's scripts keep (an operator's, up to an hour): it
waits `RUN_PATH_WAIT_S` at most (SQLite's busy timeout, PostgreSQL's ``lock_timeout``, set for
it alone); before 2026-12-07 the first read of a run, and the first after each pause, waited the
library's whole wait. What the runs record is not read here: it is queued
(and journaled to disk while the store refuses it), written when the lock is gone; a hook that
writes the queue itself waits this budget too, and leaves the journal to the writer thread
(`WriteBehind.drain`'s ``within``; before 2026-12-07 it waited 5 s a run). The first read
after the pause asks again. Reads off the run path (a user's script, the trainer) wait as before.
"""

from __future__ import annotations

import threading
import time

from ._errors import LibraryError

__all__ = ["PAUSE_S", "RUN_PATH_WAIT_S", "LockPause"]

#: How long run-path reads skip a library after one met a lock held elsewhere.
PAUSE_S = 30.0
#: The most seconds a read on an agent's run path waits for a lock held elsewhere: a short wait
#: (another process's commit) is waited out, a lock held for good is met at once.
RUN_PATH_WAIT_S = 0.25


class LockPause:
    """When one store's run-path reads may ask it again (safe from any thread)."""

    def __init__(self, location: str) -> None:
        self._location = location
        self._until = 0.0
        self._lock = threading.Lock()

    def check(self) -> None:
        """Raise `LibraryError` at once while the pause lasts."""
        if self._until and time.monotonic() < self._until:
            raise LibraryError(
                f"{self._location}: another session holds a lock these reads wait for; "
                "the run goes on without the library for now"
            )

    def met_lock(self) -> None:
        """A read has waited for a lock held elsewhere and given up: pause run-path reads."""
        with self._lock:
            self._until = time.monotonic() + PAUSE_S
