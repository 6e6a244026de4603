"""SIGTERM: every live write-behind queue written once more before the process ends.

`skillevo._durability` installs the handler; this is what it runs, in a thread of its own.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from ._writebehind import _LIVE, WriteBehind

__all__ = ["flush_all"]


def flush_all(grace_s: float) -> None:
    """Write every live queue for a process that is ending (SIGTERM); waits at most `grace_s` in all.

    The episodes left open are stored first (their records join the queues), then the queues are
    written, both in one thread against one deadline: the collection may use the whole grace
    period where it needs it (before 2026-12-07 it was cut off at half, its episodes lost with the
    other half unused). A collection still stuck at the deadline (a lock the interrupted thread
    keeps) does not keep the queues from being written: each free one is written then."""
    deadline = time.monotonic() + grace_s
    done: list[WriteBehind[Any]] = []

    def collect_then_write() -> None:
        _store_abandoned(deadline)
        for queue in list(_LIVE):
            queue.write_for_exit(deadline - time.monotonic())
            done.append(queue)

    worker = threading.Thread(target=collect_then_write, name="skillevo-sigterm-flush", daemon=True)
    worker.start()
    # (+1 s: the last wait for a lock ends at `deadline`, and its queue is journaled after it.)
    worker.join(max(0.0, deadline + 1.0 - time.monotonic()))
    if worker.is_alive():
        for queue in list(_LIVE):
            if queue not in done:
                queue.write_for_exit(0.0)


def _store_abandoned(deadline: float) -> None:
    """Store the episodes dropped unfinished or still open (`skillevo._abandoned`) before the
    queues are written for the last time (after, a record is refused), waiting for an episode
    another thread is inside until `deadline` at most."""
    from . import _abandoned  # (it imports the queues' module, which imports this one when first used)

    _abandoned.collect_and_store(deadline)
