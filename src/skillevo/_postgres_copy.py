"""Bulk copy into a PostgreSQL library (``skillevo migrate``): the records of `dump()`, in one transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg.types.json import Jsonb

from ._errors import LibraryError
from ._learning_sql import recount_statements
from ._models import Episode, Event, PosteriorState, Trigger
from ._postgres import _clean_episode_row, _json
from ._store_common import tool_key

if TYPE_CHECKING:
    from ._postgres import PostgresLibrary

__all__ = ["load"]


def load(self: PostgresLibrary, records: Iterable[tuple[str, dict[str, Any]]]) -> dict[str, int]:
    """Copy records from `dump()` into this (empty) library, keeping ids; one transaction."""
    counts: dict[str, int] = {}
    with self._conn() as conn:
        existing = conn.execute(
            "SELECT (SELECT count(*) FROM skills) + (SELECT count(*) FROM episodes) "
            "+ (SELECT count(*) FROM events) AS n"
        ).fetchone()
        if existing and existing["n"]:
            raise LibraryError(f"{self.location} is not empty: migrate copies into an empty library only")
        events: list[tuple[Any, ...]] = []
        for kind, rec in records:
            counts[kind] = counts.get(kind, 0) + 1
            if kind == "skill":
                trigger = Trigger.model_validate(rec["trigger"])
                conn.execute(
                    "INSERT INTO skills (name, description, trigger, kind, tool_key, created_at) "
                    "VALUES (%s, %s, %s, %s, %s, %s)",
                    (
                        rec["name"],
                        rec["description"],
                        Jsonb(trigger.model_dump(mode="json")),
                        trigger.kind.value,
                        tool_key(trigger),
                        rec["created_at"],
                    ),
                )
            elif kind == "version":
                # One version per content; a duplicate from an older library keeps no key (NULL).
                conn.execute(
                    "INSERT INTO versions (id, skill, number, strategy, parent, origin, status, created_at, "
                    "content_hash) SELECT %(id)s, %(skill)s, %(number)s, %(strategy)s, %(parent)s, %(origin)s, "
                    "%(status)s, %(created_at)s, CASE WHEN EXISTS (SELECT 1 FROM versions WHERE skill = %(skill)s "
                    "AND content_hash = md5(%(strategy)s::jsonb::text)) THEN NULL "
                    "ELSE md5(%(strategy)s::jsonb::text) END",
                    {**rec, "strategy": Jsonb(_json(rec["strategy"])), "origin": Jsonb(_json(rec["origin"]))},
                )
            elif kind == "posterior":
                self._upsert_posterior(conn, PosteriorState.model_validate({**rec, "extra": _json(rec["extra"])}))
            elif kind == "meta":
                conn.execute("INSERT INTO meta (key, value) VALUES (%s, %s)", (rec["key"], rec["value"]))
            elif kind == "episode":
                ep = Episode.model_validate(rec)
                conn.execute(
                    "INSERT INTO episodes (id, task, group_id, policy_version, started_at, finished_at, reward,"
                    " applied, metadata) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    _clean_episode_row(ep),
                )
            elif kind == "event":
                ev = Event.model_validate(rec)
                events.append((ev.id, ev.ts, ev.kind.value, ev.episode_id, ev.tool, ev.version_id, Jsonb(ev.data)))
                if len(events) >= 5000:
                    _copy_events(conn, events)
                    events = []
            else:
                raise LibraryError(f"unknown record kind {kind!r} in the migration stream")
        _copy_events(conn, events)
        for statement in recount_statements("postgres"):  # the version counters, from the copied events
            conn.execute(statement)
        # Keep the id sequence ahead of the copied ids so new events never collide.
        conn.execute(
            "SELECT setval(pg_get_serial_sequence('events', 'id'), GREATEST((SELECT max(id) FROM events), 1))"
        )
    return counts

def _copy_events(conn: psycopg.Connection[dict[str, Any]], rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    with (
        conn.cursor() as cur,
        cur.copy("COPY events (id, ts, kind, episode_id, tool, version_id, data) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
