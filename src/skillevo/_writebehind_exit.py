"""What stderr says of a write-behind queue (`skillevo._writebehind`) whose last write, as the process
ends (interpreter exit, SIGTERM), was refused: the records its spill journal keeps for the next
process, or those lost. Before 2026-12-07 the SIGTERM flush said "0 queued records could not be
written ... they stay queued" of records kept safe in the journal, by a process that was ending.
"""

from __future__ import annotations

import sys
from typing import Any

from ._redaction import capped_text
from ._sanitize import safe_str

__all__ = ["KEPT", "print_busy", "print_refused", "refused_report", "shown"]

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
