"""One store outage, said once: the adapters' log of store errors (`LibraryError`) during a run.

A store that cannot be written or read (a full disk, a server away, a lock held for good) fails a
call of every run until it comes back, each time with the same cause in slightly different words
("4 recorded episodes could not be written ...", then 5, then 6). Logging each in full, with its
traceback, buried the one line that matters under one traceback per run. The first store error is
logged in full; store errors in the `QUIET_S` seconds after it are counted (and logged at DEBUG);
the first one logged after that says how many were not. Every error is still recorded on its
episode (``metadata["skillevo_error"]``). Errors of skillevo that are no store's are not counted
here: each fault of its own is logged in full, once a window too (`FAULTS`): a fault is its exception
type and the line of skillevo that raised it, so the same bug met on every tool call (a repair that
cannot apply, a check that raises on one kind of argument) is one traceback and then a count, and
a different fault is logged in full at once (before 2026-12-07 each of them was logged with its
traceback at every call: 200 tracebacks for 200 calls meeting one bug). The counts are the process's
(`STORE_ERRORS`, `FAULTS`): the Evolver's background work (mining, the transfer of learned repairs)
shares them with the adapters, so an outage or a bug is said once whichever part meets it first
(`log_failure`, `admit`).
"""

from __future__ import annotations

import logging
import threading
import time

from ._errors import LibraryError

__all__ = ["FAULTS", "QUIET_S", "STORE_ERRORS", "Faults", "StoreErrors", "admit", "log_failure"]

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


class Faults:
    """`StoreErrors`' window for each fault of skillevo's own: its type and the line that raised it."""

    #: Faults told apart at most: past that many, a new one is logged in full, uncounted (a bound on
    #: memory, never on what an operator is told).
    MAX_FAULTS = 256

    def __init__(self, quiet_s: float = QUIET_S) -> None:
        self._quiet_s = quiet_s
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str, int], StoreErrors] = {}

    def reset(self) -> None:
        """Forget what was logged (a test's fresh process)."""
        with self._lock:
            self._seen.clear()

    def admit(self, exc: BaseException) -> tuple[bool, str]:
        """(log this one in full, the note to add to it), for `exc`'s fault."""
        key = _fault(exc)
        with self._lock:
            window = self._seen.get(key)
            if window is None:
                if len(self._seen) >= self.MAX_FAULTS:
                    return True, ""
                window = self._seen[key] = StoreErrors(self._quiet_s, noun="repeats of this error")
        return window.admit()


def _fault(exc: BaseException) -> tuple[str, str, int]:
    """What makes two errors one fault: the exception's type and the line of skillevo's that raised it
    (the innermost frame of its traceback in a skillevo package, else the innermost; none for one never
    raised). Not simply the innermost: two bugs raised by the same line of a library they both call
    (json's encoder, re's parser) were one fault, the second's traceback held back (before 2026-12-07)."""
    tb, own, last = exc.__traceback__, None, None
    while tb is not None:
        last = tb
        if str(tb.tb_frame.f_globals.get("__name__", "")).startswith("skillevo"):
            own = tb
        tb = tb.tb_next
    at = own or last
    name = f"{type(exc).__module__}.{type(exc).__qualname__}"
    return (name, at.tb_frame.f_code.co_filename, at.tb_lineno) if at is not None else (name, "", 0)


#: the process's count of its own faults: each logged in full once a window, its repeats counted
FAULTS = Faults()


def admit(exc: BaseException) -> tuple[bool, str]:
    """(log `exc` in full, the note to add): a store error by the outage's count, any other by its fault's."""
    return STORE_ERRORS.admit() if isinstance(exc, LibraryError) else FAULTS.admit(exc)


def log_failure(logger: logging.Logger, message: str, exc: BaseException) -> None:
    """Log `exc` (caught doing `message`) with its traceback, or, a store error or the same fault in
    the quiet window after one was logged, at DEBUG without it."""
    loud, note = admit(exc)
    logger.log(logging.ERROR if loud else logging.DEBUG, "%s%s", message, note, exc_info=exc if loud else None)
