"""What stderr says of a write-behind queue (`skillevo._writebehind`) whose last write, as the process
ends (interpreter exit, SIGTERM), was refused: the records its spill journal keeps for the next
process, or those lost. Before 2026-12-07 the SIGTERM flush said "0 queued records could not be
written ... they stay queued" of records kept safe in the journal, by a process that was ending.
And the small helpers of its messages and of its waits on an agent's run path.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from ._lock_pause import RUN_PATH_WAIT_S
from ._redaction import capped_text
from ._run_path import on_run_path
from ._sanitize import safe_str

__all__ = ["KEPT", "counted", "one_line", "print_busy", "print_refused", "refused_report", "run_path_wait", "shown"]

#: How a write error ends when the records it refused are kept for a later write.
KEPT = "; they stay queued"


def shown(exc: BaseException) -> str:
    """An error's text as stderr may show it: redacted (a store error may quote what it could not
    write), one line's worth."""
    return capped_text(safe_str(exc), 2000)


def refused_report(queue: Any, exc: BaseException, when: str) -> str:
    """The line for `queue` (a `WriteBehind`), its last write refused with `exc` `when` ("at exit")."""
    location = queue._location
    reason = shown(exc).removesuffix(KEPT).removeprefix(f"{location}: ")
    if not len(queue) and queue._journal is not None:  # only the journal's: kept, not lost
        return f"skillevo: {location}: {reason}; the next process to open it writes them"
    return f"skillevo: {len(queue)} queued records were lost {when} (not written): {reason}"


def print_busy(queue: Any, when: str) -> None:
    """Tell on stderr what `queue` holds, its lock kept by another thread past the last wait `when`
    (nothing if it holds nothing: before 2026-12-07, "0 queued records not written")."""
    location, lost = queue._location, len(queue)
    if lost:
        print(f"skillevo: {location} is busy; {lost} queued records were lost {when} (not written)", file=sys.stderr)
    elif queue.journaled:
        print(f"skillevo: {location} is busy; its journaled records are kept: the next process to open it writes them",
              file=sys.stderr)


def print_refused(queue: Any) -> None:
    """Tell on stderr the records refused unqueued that no log has counted yet (the process ends)."""
    text = queue.lost_report()
    if text:
        print(f"skillevo: {queue._location}: {text}", file=sys.stderr)


def one_line(exc: BaseException) -> str:
    """An error's text on one line, cut to 300 characters (its type if it has none)."""
    return " ".join(str(exc).split())[:300] or type(exc).__name__


def counted(noun: Callable[[Any], str], records: list[Any]) -> str:
    """How many records of each kind: "2 posterior updates and 1 recorded episodes"."""
    counts: dict[str, int] = {}
    for record in records:
        kind = noun(record)
        counts[kind] = counts.get(kind, 0) + 1
    return " and ".join(f"{n} {kind}s" for kind, n in counts.items()) or "0 records"


def run_path_wait() -> float | None:
    """The most seconds a queue's `drain` may wait for another process's lock, None: its own wait. A
    caller on an agent's run path (``finish()`` recording its episode) waits its short budget."""
    return RUN_PATH_WAIT_S if on_run_path() else None
