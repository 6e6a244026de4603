"""Mining off the request path: a background worker with a time budget per window.

``finish()`` records the episode and hands its mining to this worker, so a slow miner (an LLM
that takes seconds) never delays the agent. The worker spends at most ``budget_s`` seconds
mining per ``window_s`` seconds; past that, jobs wait for the next window (queued, at most
``max_queue``; beyond that the oldest job is dropped and counted: its episode is stored, only its
mining is skipped). `flush` waits for the queue to drain (tests call it to stay deterministic);
at interpreter exit pending jobs get a bounded wait, past which no queued job starts.
"""

from __future__ import annotations

import atexit
import collections
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable

from ._repeats import StoreErrors, log_failure

__all__ = ["MiningWorker"]

log = logging.getLogger("skillevo")

Job = Callable[[], object]

_live: weakref.WeakSet[MiningWorker] = weakref.WeakSet()
#: how long interpreter exit waits for pending mining
EXIT_WAIT_S = 10.0


class MiningWorker:
    """One daemon thread running mining jobs in order within a time budget.

    Args:
        budget_s: seconds of mining allowed per window.
        window_s: the window's length in seconds.
        max_queue: jobs kept waiting at most (the oldest is dropped beyond it).
    """

    def __init__(self, budget_s: float = 10.0, window_s: float = 60.0, max_queue: int = 1000) -> None:
        self.budget_s = float(budget_s)
        self.window_s = float(window_s)
        self.max_queue = int(max_queue)
        #: jobs dropped because the queue was full
        self.dropped = 0
        self._jobs: collections.deque[Job] = collections.deque()
        self._cond = threading.Condition()
        self._busy = False
        self._closed = False
        self._thread: threading.Thread | None = None
        # Skips under load are said once a minute with their count: before 2026-12-07 each logged
        # a line (6 threads for 2 s: 6,321 identical warnings).
        self._skips = StoreErrors(noun="skipped minings")
        self._window_start = time.monotonic()
        self._spent = 0.0
        _live.add(self)

    def submit(self, job: Job) -> None:
        """Queue a mining job (the thread starts on the first one)."""
        with self._cond:
            if self._closed:
                if self._exited:  # a finish() in a later exit handler: its episode is stored, not mined
                    self.dropped += 1
                    return
                raise RuntimeError("the mining worker is closed")
            if len(self._jobs) >= self.max_queue:
                self._jobs.popleft()
                self.dropped += 1
                loud, note = self._skips.admit()
                log.log(logging.WARNING if loud else logging.DEBUG,
                        "skillevo: mining queue full (%d): the oldest episode's mining was skipped%s",
                        self.max_queue, note)
            self._jobs.append(job)
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="skillevo-mining", daemon=True)
                self._thread.start()
            self._cond.notify_all()

    @property
    def pending(self) -> int:
        """Jobs queued or running."""
        with self._cond:
            return len(self._jobs) + int(self._busy)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every queued job has run (ignoring the budget meanwhile); False on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            self._flushing = True
            self._cond.notify_all()
            try:
                while self._jobs or self._busy:
                    left = None if deadline is None else deadline - time.monotonic()
                    if left is not None and left <= 0:
                        return False
                    self._cond.wait(left)
                return True
            finally:
                self._flushing = False

    def close(self, timeout: float | None = None) -> bool:
        """Run what is queued, then stop the thread."""
        done = self.flush(timeout)
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        return done

    def drop_queued(self) -> int:
        """Drop the jobs not started yet (the one running goes on): how many. Their episodes are
        stored; the nightly `skillevo train` mines them."""
        with self._cond:
            skipped = len(self._jobs)
            self._jobs.clear()
            self.dropped += skipped
            self._cond.notify_all()
        return skipped

    _flushing = False
    #: closed by the interpreter's exit (`_drain_at_exit`): later jobs are skipped, not refused
    _exited = False

    def _wait_for_budget(self) -> None:
        """Called with the lock held: sleep until the window has budget (or a flush asks)."""
        while not self._closed and not self._flushing:
            now = time.monotonic()
            if now - self._window_start >= self.window_s:
                self._window_start, self._spent = now, 0.0
            if self._spent < self.budget_s:
                return
            self._cond.wait(self.window_s - (now - self._window_start))

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._jobs and not self._closed:
                    self._cond.wait()
                if not self._jobs:
                    return
                self._wait_for_budget()
                job = self._jobs.popleft()
                self._busy = True
            start = time.monotonic()
            try:
                job()
            except Exception as exc:
                log_failure(log, "skillevo: mining an episode failed (the episode is stored)", exc)
            finally:
                with self._cond:
                    self._spent += time.monotonic() - start
                    self._busy = False
                    self._cond.notify_all()


@atexit.register
def _drain_at_exit() -> None:
    # Past the wait the queue is emptied and the worker closed: before 2026-12-07 its daemon thread
    # went on taking queued jobs through the rest of the exit and the interpreter's finalization
    # (which freezes it wherever it is). Now at most the job already running goes on; a transaction
    # it leaves unfinished is rolled back by the database. The skipped episodes are stored: the
    # nightly `skillevo train` mines them.
    for worker in list(_live):
        if worker.pending and not worker.flush(EXIT_WAIT_S):
            with worker._cond:  # (a re-entrant lock: the drop and the close are one step)
                skipped = worker.drop_queued()
                worker._closed = worker._exited = True
                worker._cond.notify_all()
            log.warning("skillevo: interpreter exit: %d mining jobs not run (their episodes are stored; "
                        "`skillevo train` mines them)", skipped)


def _after_fork_in_child() -> None:
    # A forked child has none of the parent's threads: a worker would wait forever for the parent's
    # mining thread (a child's `flush`, and its library's `close`, waited 10 s and gave up), and its
    # lock may have been held by it. The parent mines what it queued; the child starts afresh.
    for worker in list(_live):
        worker._cond = threading.Condition()
        worker._jobs = collections.deque()
        worker._busy = False
        worker._flushing = False
        worker._thread = None


os.register_at_fork(after_in_child=_after_fork_in_child)
