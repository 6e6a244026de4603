"""Stored versions to take back, written off the call path by one background thread.

The trigger index refuses a stored repair on the call path (`skillevo._stored_repair`) and leaves it
out of what that call sees at once; taking it back where every process sees it (a status change
through the lifecycle: a read and a write) is queued here. Before 2026-12-07 the write was made on
the call that read the version: during a PostgreSQL outage that call paid the connect timeout.

A write the store refuses stays queued and is tried again after `RETRY_S` (and at `flush`); the
library's close waits for the queue a bounded time. What a process could not write is not lost:
every process judges each version it reads, so the next one that reads it takes it back.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections.abc import Callable

from ._errors import LibraryError, NotFoundError
from ._repeats import log_failure

__all__ = ["RETRY_S", "TakeBackQueue"]

_log = logging.getLogger("skillevo")
#: The pause after a take-back the store refused before the next try.
RETRY_S = 5.0
#: The thread ends after this long with nothing to write (a later take-back starts it again).
_IDLE_S = 10.0
_live: weakref.WeakSet[TakeBackQueue] = weakref.WeakSet()


class TakeBackQueue:
    """Version ids (with the reason) to hand to `write`, in a daemon thread (thread-safe).

    Args:
        write: takes one version back (``Lifecycle.retract``); a `LibraryError` keeps it queued.
    """

    def __init__(self, write: Callable[[str, str], object]) -> None:
        self._write = write
        self._cond = threading.Condition()
        self._pending: dict[str, str] = {}
        self._busy = False
        self._retry_at = 0.0
        self._refused_at = float("-inf")  # when the store last refused a take-back
        self._closed = False
        self._thread: threading.Thread | None = None
        _live.add(self)

    def put(self, version_id: str, reason: str) -> None:
        """Queue `version_id` to be taken back (once, whatever the number of puts)."""
        with self._cond:
            if self._closed:
                return  # (the library closed: the next process that reads the version takes it back)
            self._pending.setdefault(version_id, reason)
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="skillevo-take-back", daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def __len__(self) -> int:
        with self._cond:
            return len(self._pending) + int(self._busy)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every queued take-back is written (a refused one is tried again at once);
        False when `timeout` passed first, or the store refused one meanwhile (it stays queued)."""
        start = time.monotonic()
        deadline = None if timeout is None else start + timeout
        with self._cond:
            self._retry_at = 0.0
            self._cond.notify_all()
            while self._pending or self._busy:
                left = None if deadline is None else deadline - time.monotonic()
                if (left is not None and left <= 0) or (self._refused_at >= start and not self._busy):
                    return False
                if self._thread is None:
                    self._thread = threading.Thread(target=self._loop, name="skillevo-take-back", daemon=True)
                    self._thread.start()
                self._cond.wait(left if left is not None else 0.5)
            return True

    def close(self, timeout: float | None = None) -> bool:
        """Write what is queued (waiting at most `timeout`), then stop; what the store still refuses
        is left to the next process that reads those versions (logged)."""
        done = self.flush(timeout)
        with self._cond:
            self._closed = True
            left, self._pending = len(self._pending), {}
            self._cond.notify_all()
        if left:
            _log.warning("skillevo: %d refused stored versions not taken back in the library yet (the next "
                         "process that reads them takes them back)", left)
        return done

    def _loop(self) -> None:
        while True:
            with self._cond:
                idle_since = time.monotonic()
                while not self._pending or time.monotonic() < self._retry_at:
                    if self._closed:
                        self._thread = None
                        return
                    wait = self._retry_at - time.monotonic() if self._pending else _IDLE_S
                    if not self._pending and time.monotonic() - idle_since >= _IDLE_S:
                        self._thread = None
                        return
                    self._cond.wait(max(wait, 0.01))
                version_id, reason = next(iter(self._pending.items()))
                del self._pending[version_id]
                self._busy = True
            kept = False
            try:
                self._write(version_id, reason)
            except LibraryError as exc:  # the store away: tried again later, nothing lost
                kept = True
                log_failure(_log, f"skillevo: taking back stored version {version_id} failed; tried again", exc)
            except NotFoundError:
                pass  # deleted meanwhile: nothing to take back
            except Exception as exc:  # never loops on a write that cannot succeed
                log_failure(_log, f"skillevo: taking back stored version {version_id} failed", exc)
            finally:
                with self._cond:
                    if kept and not self._closed:
                        self._pending.setdefault(version_id, reason)
                        self._retry_at = self._refused_at = time.monotonic()
                        self._retry_at += RETRY_S
                    self._busy = False
                    self._cond.notify_all()


def _after_fork_in_child() -> None:
    # A forked child has none of the parent's threads: the parent writes what it queued.
    for queue in list(_live):
        queue._cond = threading.Condition()
        queue._pending = {}
        queue._busy = False
        queue._thread = None


os.register_at_fork(after_in_child=_after_fork_in_child)
