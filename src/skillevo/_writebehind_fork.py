"""The write-behind queues across a fork (`skillevo._writebehind`): no store lock held in the child,
the parent's queue left to the parent, and the child's queues written through and at its end."""

from __future__ import annotations

import os
import sys
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

from ._replay_turn import ReplayTurn

__all__ = ["install"]

_live: weakref.WeakSet[Any] = weakref.WeakSet()
_drain: list[Callable[[], None]] = []


def install(live: weakref.WeakSet[Any], drain: Callable[[], None]) -> None:
    """Register the fork hooks for the queues in `live`; `drain` writes them all (a child's end)."""
    global _live
    _live = live
    _drain[:] = [drain]
    os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_in_parent, after_in_child=_after_fork_in_child)


# A fork copies one thread: the one that forks. Locks another thread held (a batch being written)
# would stay held in the child forever, and a queue the child fills is lost when it ends with
# ``os._exit`` (every multiprocessing child does: no atexit, no daemon thread finishing), as a
# SIGKILL loses it. So the forking thread takes every owner's lock across the fork (no write is in
# flight in the copy; a journal's replay by the writer thread, which lets that lock go between
# chunks, is handed over first, as to a flush: the child would inherit its open file of another
# process's journal, and its ``flock``, hiding that file from the parent until the child ends),
# and in the child the queues write through: what a forked child recorded is
# written before its `finish()` returns, whatever its `durability` ("sync" already did).
_FORK_LOCK_S = 10.0
_held: list[threading.RLock] = []
_resumed: list[Any] = []  # queues whose writer thread handed its replay over to the fork


def _before_fork() -> None:
    _held.clear()
    _resumed.clear()
    for queue in list(_live):
        if queue._lock.acquire(timeout=_FORK_LOCK_S):
            _held.append(queue._lock)
            if queue._turn.replaying:
                _resumed.append(queue)
            queue._turn.take(time.monotonic() + _FORK_LOCK_S)  # (the lock let go while it waits)


def _release() -> None:
    while _held:
        _held.pop().release()


def _after_fork_in_parent() -> None:
    _release()
    # The thread gave its replay up for the fork alone: woken, it goes on with it (else the rest
    # waited for the next record or read to wake it).
    while _resumed:
        _resumed.pop()._wake.set()


def _after_fork_in_child() -> None:
    _release()
    _resumed.clear()
    for queue in list(_live):
        queue._queue = []  # what was queued belongs to the parent, which writes it
        queue._inflight = 0
        queue._queue_lock = threading.Lock()
        queue._wake = threading.Event()
        queue._stopped = threading.Event()
        queue._failed = queue._stalled = False
        queue._armed = False
        queue._dropped = []
        queue._unqueued = {}
        queue._thread = None
        queue._turn = ReplayTurn(queue._lock)  # a replay the parent's thread was making is not the child's
        if queue._journal is not None:
            # Appends take the journal's own lock without the owner's (another thread's record, the
            # writer's fsync): one held at the fork would never be let go in the child.
            queue._journal._lock = threading.Lock()
        queue.sync = True
    # What a refused write left queued in the child (another process's lock, a server away) is
    # lost at its ``os._exit`` with no word unless written there. multiprocessing clears the
    # child's finalizers after this hook, then runs its after-fork callbacks: one of those
    # registers a finalizer that writes the queues (or reports them lost) before the child ends.
    util = sys.modules.get("multiprocessing.util")
    if util is not None and _live:
        util.register_after_fork(_drain[0], _write_at_child_end)


_finalized_in: list[int] = []  # the process whose multiprocessing end writes the queues


def _write_at_child_end(drain: Callable[[], None]) -> None:
    """In a child multiprocessing started (after its fork): `drain` when the child ends, once."""
    if os.getpid() in _finalized_in:
        return
    _finalized_in[:] = [os.getpid()]
    from multiprocessing import util

    util.Finalize(None, drain, exitpriority=0)
