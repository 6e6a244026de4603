"""A write-behind queue: records written later, in batches, by one background thread.

For the writes nobody waits on (an episode record at the end of an agent run, the largest single
cost skillevo adds to a run): the caller serialises the record in its own thread, queues it and
goes on; a daemon thread writes everything queued in one transaction, shortly after. The owner
drains the queue in the caller's thread before each of its reads and writes, so a process always
reads what it recorded, and at ``flush``, ``close`` and interpreter exit.

A failed background write keeps its records queued (nothing is dropped); the thread retries after
a pause, and the next drain in a caller's thread retries and raises the error there. A queue that
reaches `max_pending` records is to be drained by the caller that adds to it (bounded memory, and a
write that keeps failing surfaces where records are made). The thread ends after `idle_s` without
records (an owner nobody closes can then be collected) and starts again with the next record. A
forked child starts with an empty queue: what was queued belongs to the parent.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["WriteBehind"]

T = TypeVar("T")

_LIVE: weakref.WeakSet[WriteBehind[object]] = weakref.WeakSet()


class WriteBehind(Generic[T]):
    """Queue records for ``write(batch)``, called with ``lock`` held, in the background or on `drain`.

    Args:
        write: writes a batch of records in one transaction, or raises and writes none.
        lock: the owner's lock: held around taking a batch and writing it, so that once a caller's
            `drain` returns, every record queued before it is written (no batch is in flight).
        linger_s: how long the thread waits after the first record of a batch for more.
        retry_s: pause after a failed background write.
        max_pending: queue length at which `put` asks its caller to drain.
        idle_s: the thread ends after this long without a record.
    """

    def __init__(
        self,
        write: Callable[[list[T]], None],
        lock: threading.RLock,
        *,
        name: str = "skillevo-writer",
        linger_s: float = 0.005,
        retry_s: float = 1.0,
        max_pending: int = 1000,
        idle_s: float = 10.0,
    ) -> None:
        self._write = write
        self._lock = lock
        self._name = name
        self.linger_s = linger_s
        self.retry_s = retry_s
        self.max_pending = max_pending
        self.idle_s = idle_s
        self._queue: list[T] = []
        self._queue_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._refusing = False
        self._thread: threading.Thread | None = None
        #: the last background failure (cleared by a successful write)
        self.error: BaseException | None = None
        _LIVE.add(self)  # type: ignore[arg-type]

    def __len__(self) -> int:
        return len(self._queue)

    def put(self, record: T) -> bool:
        """Queue `record`; the background thread writes it shortly. Returns True when the queue is
        full: the caller should `drain` (through its own error handling)."""
        with self._queue_lock:
            if self._refusing:
                raise RuntimeError("the write-behind queue takes no more records")
            self._queue.append(record)
            full = len(self._queue) >= self.max_pending
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
        self._wake.set()
        return full

    def drain(self) -> None:
        """Write every queued record now, in the caller's thread; raises what the write raises
        (the records stay queued then)."""
        if not self._queue:  # the common case, without taking a lock
            return
        with self._lock:
            with self._queue_lock:
                batch, self._queue = self._queue, []
            if not batch:
                return
            try:
                self._write(batch)
            except BaseException:
                with self._queue_lock:
                    self._queue[:0] = batch
                raise
        self.error = None

    def refuse(self, refusing: bool = True) -> None:
        """From now on `put` raises (`refusing=False` takes records again): lets an owner's final
        `drain` be final."""
        with self._queue_lock:
            self._refusing = refusing

    def stop(self) -> None:
        """Refuse further records and end the thread (drain first: what is still queued stays so)."""
        with self._queue_lock:
            self._refusing = True
            self._stopped.set()
            thread = self._thread
        self._wake.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5.0)
        _LIVE.discard(self)  # type: ignore[arg-type]

    def _run(self) -> None:
        while not self._stopped.is_set():
            if not self._wake.wait(self.idle_s):
                with self._queue_lock:
                    if not self._queue and not self._wake.is_set():
                        self._thread = None
                        return
                continue
            self._wake.clear()
            if self._stopped.wait(self.linger_s):
                return
            try:
                self.drain()
            except Exception as exc:  # kept queued; a caller's drain raises it
                self.error = exc
                if self._stopped.wait(self.retry_s):
                    return
                self._wake.set()


def _after_fork_in_child() -> None:
    for queue in list(_LIVE):
        queue._queue = []
        queue._queue_lock = threading.Lock()
        queue._thread = None


os.register_at_fork(after_in_child=_after_fork_in_child)


@atexit.register
def _drain_all() -> None:
    """At interpreter exit, write what is still queued (daemon threads die without finishing)."""
    for queue in list(_LIVE):
        try:
            queue.drain()
        except Exception as exc:
            print(f"skillevo: {len(queue)} queued records could not be written at exit: {exc}", file=sys.stderr)
