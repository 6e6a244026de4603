"""One store outage, said once: the adapters' log of store errors (`LibraryError`) during a run.

A store that cannot be written or read (a full disk, a server away, a lock held for good) fails a
call of every run until it comes back, each time with the same cause in slightly different words
("4 recorded episodes could not be written ...", then 5, then 6). Logging each in full, with its
traceback, buried the one line that matters under one traceback per run. The first store error is
logged in full; store errors in the `QUIET_S` seconds after it are counted (and logged at DEBUG);
the first one logged after that says how many were not. Every error is still recorded on its
episode (``metadata["skillevo_error"]``). Errors of skillevo that are no store's are not counted
here: each is a fault of its own and logged in full. The count is the process's (`STORE_ERRORS`):
the Evolver's background work (mining, the transfer of learned repairs) shares it with the
adapters, so an outage is said once whichever part meets it first (`log_failure`).
"""

from __future__ import annotations

import logging
import threading
import time

from ._errors import LibraryError

__all__ = ["QUIET_S", "STORE_ERRORS", "StoreErrors", "log_failure"]

#: Seconds after a store error is logged in full during which the next ones are counted instead.
QUIET_S = 60.0


class StoreErrors:
    """Decides, per process, whether a store error is logged in full, and what to say with it."""

    def __init__(self, quiet_s: float = QUIET_S, *, noun: str = "store errors") -> None:
        self._quiet_s = quiet_s
        self._noun = noun  # what is counted, as the note says it (plural)
        self._lock = threading.Lock()
        self._logged_at: float | None = None
        self._counted = 0

    def reset(self) -> None:
        """Forget what was logged: the next store error is logged in full (a test's fresh process)."""
        with self._lock:
            self._logged_at, self._counted = None, 0

    def admit(self) -> tuple[bool, str]:
        """(log this one in full, the note to add to it): the note counts the errors held back."""
        now = time.monotonic()
        with self._lock:
            if self._logged_at is not None and now - self._logged_at < self._quiet_s:
                self._counted += 1
                return False, ""
            counted, self._counted, self._logged_at = self._counted, 0, now
        held = f"; {counted} more {self._noun} since the last one logged" if counted else ""
        return True, f"{held}; {self._noun} of the next {self._quiet_s:.0f} s are counted, not logged"


#: the process's count: one outage of the store logged once, then counted
STORE_ERRORS = StoreErrors()


def log_failure(logger: logging.Logger, message: str, exc: BaseException) -> None:
    """Log `exc` (caught doing `message`) with its traceback, or, a store error in the quiet window
    after another was logged, at DEBUG without it."""
    loud, note = STORE_ERRORS.admit() if isinstance(exc, LibraryError) else (True, "")
    logger.log(logging.ERROR if loud else logging.DEBUG, "%s%s", message, note, exc_info=exc if loud else None)
