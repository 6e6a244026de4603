"""Writes the database aborted before they took effect (a deadlock, a serialization failure),
tried again a bounded number of times after a short, jittered pause."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

__all__ = ["ABORTED_ATTEMPTS", "aborted_pause", "retry_aborted"]

R = TypeVar("R")

#: How many times a write the database aborted before it took effect (a deadlock, a serialization
#: failure: `aborted`) is tried in all before its error is raised.
ABORTED_ATTEMPTS = 4


def aborted_pause(attempt: int) -> float:
    """Seconds to wait before trying an aborted write again: 10-30 ms, doubling, jittered (two
    writers that deadlocked each other must not meet again at the same instant)."""
    return 0.01 * float(2**attempt) * (1.0 + 2.0 * random.random())


def retry_aborted(write: Callable[[], R], aborted: Callable[[BaseException], bool] | None) -> R:
    """`write()`, run again while it raises what `aborted` says the database aborted before it
    took effect (a deadlock, a serialization failure), up to `ABORTED_ATTEMPTS` times in all."""
    attempt = 0
    while True:
        try:
            return write()
        except BaseException as exc:
            attempt += 1
            if aborted is None or attempt >= ABORTED_ATTEMPTS or not aborted(exc):
                raise
        time.sleep(aborted_pause(attempt - 1))
