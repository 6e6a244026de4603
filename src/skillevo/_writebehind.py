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

from ._errors import LibraryError

__all__ = ["WriteBehind"]

T = TypeVar("T")

_LIVE: weakref.WeakSet[WriteBehind[object]] = weakref.WeakSet()


class WriteBehind(Generic[T]):
    """Queue records for ``write(batch)``, called with ``lock`` held, in the background or on `drain`.

    Args:
        write: writes a batch of records in one transaction, or raises and writes none.
        lock: the owner's lock: held around taking a batch and writing it, so that once a caller's
            `drain` returns, every record queued before it is written (no batch is in flight).
        location: the owner's location, for error messages.
        errors: what `write` raises when the store refuses the write (reported as `LibraryError`).
        linger_s: how long the thread waits after the first record of a batch for more.
        retry_s: pause after a failed background write.
        max_pending: queue length at which `put` asks its caller to drain.
        idle_s: the thread ends after this long without a record.
    """

    def __init__(
        self,
        write: Callable[[list[T]], None],
        lock: threading.RLock,
        location: str,
        errors: tuple[type[BaseException], ...],
        *,
        name: str = "skillevo-writer",
        linger_s: float = 0.2,
        retry_s: float = 1.0,
        max_pending: int = 1000,
        idle_s: float = 10.0,
    ) -> None:
        self._write = write
        self._lock = lock
        self._location = location
        self._errors = (*errors, LibraryError)
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
        _LIVE.add(self)  # type: ignore[arg-type]

    def __len__(self) -> int:
        return len(self._queue)

    def put(self, record: T) -> bool:
        """Queue `record`; the background thread writes it shortly. Returns True when the queue is
        full: the caller should `drain` (through its own error handling)."""
        with self._queue_lock:
            if self._refusing:
                raise LibraryError(f"the library {self._location} is closed")
            self._queue.append(record)
            full = len(self._queue) >= self.max_pending
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
        self._wake.set()
        return full

    def drain(self) -> None:
        """Write every queued record now, in the caller's thread. Raises `LibraryError` if the store
        refuses the write (the records stay queued then)."""
        if not self._queue:  # the common case, without taking a lock
            return
        with self._lock:
            with self._queue_lock:
                batch, self._queue = self._queue, []
            if not batch:
                return
            try:
                self._write(batch)
            except BaseException as exc:
                with self._queue_lock:
                    self._queue[:0] = batch
                if isinstance(exc, self._errors):
                    reason = " ".join(str(exc).split())
                    raise LibraryError(
                        f"{self._location}: {len(self._queue)} recorded episodes could not be written ({reason}); "
                        "they stay queued"
                    ) from None
                raise

    def close(self, then: Callable[[], None]) -> None:
        """Refuse further records, write what is queued, call `then()` (the owner's close, with the
        lock held) and end the thread. If the write fails, records are taken again and the
        `LibraryError` propagates, `then` not called."""
        with self._lock:
            with self._queue_lock:
                self._refusing = True
            try:
                self.drain()
            except BaseException:
                with self._queue_lock:
                    self._refusing = False
                raise
            then()
        with self._queue_lock:
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
            except Exception:  # kept queued; a caller's drain raises it
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
