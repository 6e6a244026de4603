"""Bulk copy of a SQLite library (``skillevo migrate``): every record out, backend-neutral, and in."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ._errors import LibraryError
from ._integrity import content_hash
from ._learning_sql import recount_statements
from ._models import Episode, Event, PosteriorState, Trigger
from ._sqlite import _dumps
from ._store_common import episode_from_row, episode_values, posterior_from_row, tool_key

if TYPE_CHECKING:
    from ._sqlite import SQLiteLibrary

__all__ = ["dump", "load"]


def dump(self: SQLiteLibrary) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every record, backend-neutral, for `skillevo migrate`."""
    with self._read() as conn:
        skills = conn.execute("SELECT * FROM skills ORDER BY created_at, name").fetchall()
        versions = conn.execute("SELECT * FROM versions ORDER BY skill, number").fetchall()
        posteriors = conn.execute("SELECT * FROM posteriors ORDER BY key, arm").fetchall()
        meta = conn.execute("SELECT * FROM meta ORDER BY key").fetchall()
    for row in skills:
        yield (
            "skill",
            {
                "name": row["name"],
                "description": row["description"],
                "trigger": json.loads(row["trigger"]),
                "created_at": row["created_at"],
            },
        )
    for row in versions:
        yield (
            "version",
            {
                "id": row["id"],
                "skill": row["skill"],
                "number": row["number"],
                "strategy": json.loads(row["strategy"]),
                "parent": row["parent"],
                "origin": json.loads(row["origin"]),
                "status": row["status"],
                "created_at": row["created_at"],
            },
        )
    for row in posteriors:
        yield "posterior", posterior_from_row(row).model_dump(mode="json")
    for row in meta:
        yield "meta", {"key": row["key"], "value": row["value"]}
    last = ""
    while True:
        with self._read() as conn:
            rows = conn.execute("SELECT * FROM episodes WHERE id > ? ORDER BY id LIMIT 5000", (last,)).fetchall()
        if not rows:
            break
        for row in rows:
            yield "episode", episode_from_row(row).model_dump(mode="json")
        last = rows[-1]["id"]
    for event in self.iter_events():
        yield "event", event.model_dump(mode="json")

def load(self: SQLiteLibrary, records: Iterable[tuple[str, dict[str, Any]]]) -> dict[str, int]:
    """Copy records from `dump()` into this (empty) library, keeping ids; one transaction."""
    counts: dict[str, int] = {}
    with self._write() as conn:
        n = conn.execute(
            "SELECT (SELECT count(*) FROM skills) + (SELECT count(*) FROM episodes) + (SELECT count(*) FROM events)"
        ).fetchone()[0]
        if n:
            raise LibraryError(f"{self.location} is not empty: migrate copies into an empty library only")
        events: list[tuple[Any, ...]] = []
        hashed: set[tuple[str, str | None]] = set()
        for kind, rec in records:
            counts[kind] = counts.get(kind, 0) + 1
            if kind == "skill":
                trigger = Trigger.model_validate(rec["trigger"])
                conn.execute(
                    "INSERT INTO skills (name, description, trigger, kind, tool_key, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        rec["name"],
                        rec["description"],
                        _dumps(trigger.model_dump(mode="json")),
                        trigger.kind.value,
                        tool_key(trigger),
                        rec["created_at"],
                    ),
                )
            elif kind == "version":
                strategy = _dumps(rec["strategy"])
                key: str | None = content_hash(strategy)
                if (rec["skill"], key) in hashed:  # a duplicate from an older library keeps no key
                    key = None
                hashed.add((rec["skill"], key))
                conn.execute(
                    "INSERT INTO versions (id, skill, number, strategy, parent, origin, status, created_at, "
                    "content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        rec["id"],
                        rec["skill"],
                        rec["number"],
                        strategy,
                        rec["parent"],
                        _dumps(rec["origin"]),
                        rec["status"],
                        rec["created_at"],
                        key,
                    ),
                )
            elif kind == "posterior":
                self._upsert_posterior(conn, PosteriorState.model_validate(rec))
            elif kind == "meta":
                conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (rec["key"], rec["value"]))
            elif kind == "episode":
                ep = Episode.model_validate(rec)
                conn.execute(
                    "INSERT INTO episodes (id, task, group_id, policy_version, started_at, finished_at, reward, "
                    "applied, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    episode_values(ep, _dumps),
                )
            elif kind == "event":
                ev = Event.model_validate(rec)
                events.append((ev.id, ev.ts, ev.kind.value, ev.episode_id, ev.tool, ev.version_id, _dumps(ev.data)))
            else:
                raise LibraryError(f"unknown record kind {kind!r} in the migration stream")
            if len(events) >= 5000:
                _copy_events(conn, events)
                events = []
        _copy_events(conn, events)
        for statement in recount_statements("sqlite"):  # the version counters, from the copied events
            conn.execute(statement)
    return counts

def _copy_events(conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    if rows:
        conn.executemany(
            "INSERT INTO events (id, ts, kind, episode_id, tool, version_id, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )

