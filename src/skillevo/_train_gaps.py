"""Event ids a `skillevo train` run passed before they were visible: mined when they commit.

Train's mine stage tracks its progress by event id (``train.mined_upto``). On a database where
writers commit concurrently (PostgreSQL: ids come from a sequence at insert and are visible at
commit), a slow transaction's lower ids show after a faster one's higher ids: a run that read
those passed the lower ones, and before 2026-12-07 no later run mined them. So a run keeps the
ranges of ids it passed that it did not see (``train.mined_gaps``, with a snapshot of the writers
in flight taken after it read them), and the next runs mine the failed episodes that committed
there. A range is let go once still empty after every transaction in flight at that snapshot (or
started before it) has ended: its ids were rolled back or skipped, nothing can commit there. Where
writers commit one at a time, in id order (SQLite), nothing is kept.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict

from ._models import Event, EventKind
from ._store import SkillStore

__all__ = ["GAPS_KEY", "MAX_RANGES", "Gaps"]

#: the meta key holding the ranges passed unseen and the writers' snapshot after them
GAPS_KEY = "train.mined_gaps"
#: the most ranges kept (the oldest are let go past it, with a warning)
MAX_RANGES = 10_000

log = logging.getLogger("skillevo")


def _sql(store: SkillStore, attribute: str) -> str | None:
    sql = getattr(getattr(store, "_d", None), attribute, None)
    return sql if isinstance(sql, str) else None


class Gaps:
    """The ranges of event ids (first, last) a run passed unseen, for one store."""

    def __init__(self, store: SkillStore) -> None:
        self.store = store
        self.tracked = _sql(store, "writers_snapshot") is not None
        self.ranges: list[tuple[int, int]] = []
        self.after: str | None = None
        self.changed = False
        if self.tracked:
            try:
                saved = json.loads(store.get_meta(GAPS_KEY) or "{}")
                self.ranges = [(int(a), int(b)) for a, b in saved.get("ranges", [])]
                self.after = saved.get("after") if isinstance(saved.get("after"), str) else None
            except (ValueError, TypeError, AttributeError):  # unreadable: as if none (a hand edit)
                log.warning("skillevo: train: %s is unreadable; starting it again", GAPS_KEY)
                self.ranges, self.changed = [], True

    def passed(self, last_seen: int, seen: int) -> None:
        """The run read id `seen` right after `last_seen`: the ids between were not visible."""
        if self.tracked and seen > last_seen + 1:
            self.ranges.append((last_seen + 1, seen - 1))
            self.changed = True

    def late_failures(self) -> list[list[Event]]:
        """The failed episodes (all their events, in id order) that committed in the kept ranges
        since; the ranges they filled are dropped, and those that can no longer fill."""
        if not self.ranges:
            return []
        done_sql = _sql(self.store, "writers_done")
        # Asked before the ranges are read: a transaction that ended by then is visible to the read.
        settled = self.after is not None and done_sql is not None and bool(
            self.store._select(done_sql, (self.after,))[0]["value"]  # type: ignore[attr-defined]
        )
        late: dict[str, list[Event]] = defaultdict(list)
        kept: list[tuple[int, int]] = []
        for first, last in self.ranges:
            seen = [e for e in self.store.events(after_id=first - 1, limit=last - first + 1) if (e.id or 0) <= last]
            for event in seen:
                if event.episode_id is not None:
                    late[event.episode_id].append(event)
            if not settled:
                kept.extend(_unseen(first, last, [e.id or 0 for e in seen]))
        if kept != self.ranges:
            self.ranges, self.changed = kept, True
        failed = [eid for eid, events in late.items() if any(e.kind == EventKind.TOOL_ERROR for e in events)]
        return [sorted(self.store.events(episode_id=eid), key=lambda e: e.id or 0) for eid in failed]

    def save(self) -> None:
        """Write the ranges with a snapshot of the writers taken now (after every read of the run:
        inside the run's transaction), when they changed or are kept."""
        if not self.tracked or not (self.changed or self.ranges):
            return
        if len(self.ranges) > MAX_RANGES:
            log.warning("skillevo: train: %d ranges of event ids passed unseen; the oldest %d are let go",
                        len(self.ranges), len(self.ranges) - MAX_RANGES)
            self.ranges = self.ranges[-MAX_RANGES:]
        snapshot_sql = _sql(self.store, "writers_snapshot")
        assert snapshot_sql is not None  # (tracked)
        self.after = str(self.store._select(snapshot_sql)[0]["value"])  # type: ignore[attr-defined]
        self.store.set_meta(GAPS_KEY, json.dumps({"ranges": self.ranges, "after": self.after}))
        self.changed = False


def _unseen(first: int, last: int, seen: list[int]) -> list[tuple[int, int]]:
    """The ranges of ids in [first, last] not in `seen` (ascending)."""
    out: list[tuple[int, int]] = []
    at = first
    for i in seen:
        if i > at:
            out.append((at, i - 1))
        at = max(at, i + 1)
    if at <= last:
        out.append((at, last))
    return out
