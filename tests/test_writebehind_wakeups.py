"""The write-behind thread is woken once per batch, not once per record, and loses no record."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from skillevo._writebehind import WriteBehind


def _until(done: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 60
    while not done() and time.monotonic() < deadline:
        time.sleep(0.005)
    assert done()


def _queue(written: list[tuple[str, int]], linger_s: float) -> WriteBehind[int]:
    def write(batch: list[int]) -> None:
        written.extend((threading.current_thread().name, r) for r in batch)

    return WriteBehind(write, threading.RLock(), "test", (OSError,), name="wb-test", linger_s=linger_s)


def test_records_queued_while_the_thread_lingers_do_not_wake_it_again() -> None:
    written: list[tuple[str, int]] = []
    queue = _queue(written, linger_s=3600.0)
    sets = 0
    real_set = queue._wake.set

    def counted() -> None:
        nonlocal sets
        sets += 1
        real_set()

    queue._wake.set = counted  # type: ignore[method-assign]
    queue.put(1)
    _until(lambda: queue._armed)  # awake, lingering before it takes the queue
    for r in range(2, 6):
        queue.put(r)
    assert sets == 1 and written == []
    queue._stopped.set()  # ends the linger: nothing written by the thread
    queue.drain()
    assert [r for _, r in written] == [1, 2, 3, 4, 5]


def test_every_record_is_written_by_the_thread_whenever_it_is_queued() -> None:
    written: list[tuple[str, int]] = []
    queue = _queue(written, linger_s=0.0)
    for r in range(300):
        queue.put(r)
        if r % 7 == 0:
            time.sleep(0.001)  # queued at every point of the thread's loop, some while it writes
    _until(lambda: len(written) == 300)
    assert sorted(r for _, r in written) == list(range(300))
    assert {name for name, _ in written} == {"wb-test"}
    queue.close(lambda: None)
