"""Durability of recorded episodes: the user's choice between ``"batched"`` and ``"sync"``.

``"batched"`` (the default): `record_episode` queues the record and a background thread writes the
queue in one transaction about 0.2 s later (`skillevo._writebehind`). The queue is written at
``close``, at interpreter exit (``atexit``) and on ``SIGTERM``: a handler installed here writes
every live queue, then lets the signal do what it did before (end the process as a signal does).
What a ``SIGKILL`` (or a crash of the interpreter) loses is what was queued and not yet written:
the last 0.2-0.3 s. Once the store has refused a write, the queue is moved to the spill journal on
disk and later records go there (`skillevo._spill`): an outage does not widen that window.

``"sync"``: `record_episode` writes in the caller's thread and returns when the transaction has
committed (SQLite with ``synchronous=FULL``: on disk, not only in the OS cache), so what
``finish()`` returned for survives any way the process can die.

The SIGTERM handler is installed only from the main thread, only while ``SIGTERM`` still has its
default disposition (a handler the application installed itself, before or after, is never
replaced: such an application flushes in its own handler, ``lib.close()``, or exits through
``sys.exit`` so that ``atexit`` runs), and only once per process.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Literal

from ._errors import ConfigError

__all__ = ["DURABILITY_MODES", "Durability", "check_durability", "install_sigterm_flush"]

Durability = Literal["batched", "sync"]
DURABILITY_MODES: tuple[Durability, ...] = ("batched", "sync")

#: How long the SIGTERM flush may wait for a store another thread is writing before giving up.
#: Docker's `stop` sends SIGKILL 10 s after SIGTERM by default: the waits end at 7 s, a library still
#: locked is journaled by 8 s, and the watchdog ends the process by 9 s, all inside that window.
SIGTERM_GRACE_S = 7.0

#: How long after the signal the watchdog ends the process whatever the write does, beyond the grace.
_WATCHDOG_AFTER_GRACE_S = 2.0

_installed = False
_install_lock = threading.Lock()
_flush_all: Callable[[float], None] | None = None


def check_durability(value: object) -> Durability:
    """`value` as a durability mode, or a one-line `ConfigError`."""
    if isinstance(value, str) and value in DURABILITY_MODES:
        return value
    raise ConfigError(f"durability: must be 'batched' or 'sync' (got {value!r})")


def install_sigterm_flush(flush_all: Callable[[float], None]) -> bool:
    """Make ``SIGTERM`` write every queue before the process ends; True if the handler is in place.

    `flush_all(grace_s)` writes every live queue, waiting at most `grace_s` for a store that another
    thread holds. Does nothing outside the main thread or when ``SIGTERM`` is not at its default.
    """
    global _installed, _flush_all
    if _installed:
        return True
    if threading.current_thread() is not threading.main_thread():
        return False
    with _install_lock:
        if _installed:
            return True
        try:
            if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
                return False  # the application's own (or SIG_IGN): never replaced
            signal.signal(signal.SIGTERM, _on_sigterm)
        except (ValueError, OSError):  # no signals here (embedded interpreter, odd platform)
            return False
        _flush_all = flush_all
        _installed = True
        return True


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    # The handler runs in the main thread between two bytecodes: that thread may be half-way
    # through a store call, holding the very locks a flush needs. So the flush runs in a thread of
    # its own, and the main thread goes on (and can finish what it holds) meanwhile. A second
    # SIGTERM during the flush ends the process at once, as the default disposition does.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    flush = _flush_all
    threading.Thread(target=_flush_then_die, args=(flush, signum), name="skillevo-sigterm", daemon=True).start()
    # Whatever the write does (a server that no longer answers), the process ends in bounded time.
    watchdog = threading.Timer(SIGTERM_GRACE_S + _WATCHDOG_AFTER_GRACE_S, os.kill, args=(os.getpid(), signum))
    watchdog.daemon = True
    watchdog.start()


def _flush_then_die(flush: Callable[[float], None] | None, signum: int) -> None:
    try:
        if flush is not None:
            flush(SIGTERM_GRACE_S)
    finally:
        # The default disposition is back: the process ends as the signal would have ended it.
        os.kill(os.getpid(), signum)
