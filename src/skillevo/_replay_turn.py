"""Whose turn it is to write the spill journal back: the writer thread, chunk by chunk, or a caller.

The write-behind queue's writer thread writes a journal back (`skillevo._spill`) in chunks of one
transaction each. It holds the owner's lock only around a chunk, not across the whole replay: that
lock is what every read and record of the agent waits for (SQLite: its one connection's), and a
journal a killed process left during an outage holds up to 256 MB. Before 2026-12-07 the thread held
it through every chunk: an agent's read waited for the whole write-back.

A caller that must see the journal written before it goes on (``flush``, ``close``, a write off the
agent's path, the exit's writes) holds the lock and takes the replay over: it waits (the lock let
go meanwhile) until the thread, at its next chunk, gives the rest up, then writes it itself. So two
threads never write one journal back at once, and nothing is written out of order.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

__all__ = ["HandedOver", "ReplayTurn"]

R = TypeVar("R")


class HandedOver(BaseException):
    """The writer thread ends its replay here: a caller writes the rest. (Not an `Exception`: no
    handler that tells a record's refusal from the store's may take it for either.)"""


class ReplayTurn:
    """Who replays the journal now, for one queue (safe from any thread).

    Args:
        lock: the queue owner's lock (re-entrant): every write of a chunk holds it.
    """

    def __init__(self, lock: threading.RLock) -> None:
        self._lock = lock
        self._over = threading.Condition(lock)
        self._replayer: int | None = None  # the thread replaying without the lock held, between chunks
        self._wanted = 0  # callers waiting, the lock let go, to replay themselves

    def in_background(self, replay: Callable[[Callable[[Callable[[], R]], R]], None]) -> None:
        """Run ``replay(hold)`` without the lock: ``hold(step)`` runs `step` with it held, or raises
        `HandedOver` (caught here: the rest is the caller's) if a caller waits to replay. Returns at
        once if another thread replays so already."""
        with self._lock:
            if self._replayer is not None:
                return
            self._replayer = threading.get_ident()
        try:
            replay(self._hold)
        except HandedOver:
            pass
        finally:
            with self._lock:
                self._replayer = None
                self._over.notify_all()

    def _hold(self, step: Callable[[], R]) -> R:
        with self._lock:
            if self._wanted:
                raise HandedOver
            return step()

    @property
    def replaying(self) -> bool:
        """Whether a thread replays now, the lock let go between its chunks."""
        return self._replayer is not None

    def take(self, until: float | None) -> bool:
        """The caller (holding the lock) is to replay: wait until no thread replays between chunks
        (the lock let go meanwhile, however often the caller holds it), or until the
        `time.monotonic()` deadline `until`. Whether the caller may replay now."""
        if self._replayer is None or self._replayer == threading.get_ident():
            return True
        self._wanted += 1
        try:
            timeout = None if until is None else max(0.0, until - time.monotonic())
            return self._over.wait_for(lambda: self._replayer is None, timeout)
        finally:
            self._wanted -= 1
