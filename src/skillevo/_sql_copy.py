"""Bulk copy of a SQL library (``skillevo migrate``): every record out, backend-neutral, and in."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ._episode_rows import episode_values
from ._errors import LibraryError, SkillevoError
from ._learning_sql import decode_json, recount_statements
from ._models import Episode, Event, PosteriorState, Trigger
from ._sql_schema import WRITE_KEYS_SCHEMA
from ._store_common import posterior_from_row, tool_key

if TYPE_CHECKING:
    from ._sql_store import SQLStore

__all__ = ["dump", "load"]

_VERSION_FIELDS = ("id", "skill", "number", "strategy", "parent", "origin", "status", "created_at")
_KEY_FIELDS = ("key", "steps", "detections", "epoch", "stamp")
_COPY_BATCH = 5000


def dump(store: SQLStore) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every record, backend-neutral, for `skillevo migrate` (`SQLStore.dump`)."""
    # A library opened read-only is not migrated: one of an older schema has no write keys.
    has_keys = store.schema_version >= WRITE_KEYS_SCHEMA
    # A skill whose row does not read is refused, not copied: its JSON may not even be JSON (which
    # PostgreSQL's jsonb cannot hold), and a copy that changed or dropped it would say "verified".
    unreadable = next(iter(store.unreadable_skills().items()), None)
    if unreadable is not None:
        name, why = unreadable
        raise LibraryError(f"migrate refused: skill {name!r} does not read: {why}; nothing was copied "
                           "(fix or remove the row, then migrate again)")
    with store._read() as conn:
        skills = store._x(conn, "SELECT * FROM skills ORDER BY created_at, name").fetchall()
        versions = store._x(conn, "SELECT * FROM versions ORDER BY skill, number").fetchall()
        posteriors = store._x(conn, "SELECT * FROM posteriors ORDER BY key, arm").fetchall()
        keys = store._x(conn, "SELECT * FROM posterior_keys ORDER BY key").fetchall()
        meta = store._x(conn, "SELECT * FROM meta ORDER BY key").fetchall()
        write_keys = store._x(conn, "SELECT * FROM write_keys ORDER BY key").fetchall() if has_keys else []
    for row in skills:
        yield "skill", {"name": row["name"], "description": row["description"],
                        "trigger": decode_json(row["trigger"]), "created_at": row["created_at"]}
    for row in versions:
        fields = {k: row[k] for k in _VERSION_FIELDS}
        yield "version", {**fields, "strategy": decode_json(row["strategy"]), "origin": decode_json(row["origin"])}
    for row in posteriors:
        yield "posterior", posterior_from_row(row).model_dump(mode="json")
    for row in keys:  # a key's counters and epoch: without them a copied key restarts at the library's epoch
        yield "posterior_key", {k: row[k] for k in _KEY_FIELDS}
    for row in meta:
        yield "meta", {"key": row["key"], "value": row["value"]}
    for row in write_keys:  # a queued record's key: a writer that replays its batch at the copy finds it
        yield "write_key", {"key": row["key"], "at": row["at"]}
    for episode in store.iter_episodes():
        yield "episode", episode.model_dump(mode="json")
    for event in store.iter_events():
        yield "event", event.model_dump(mode="json")


def load(store: SQLStore, records: Iterable[tuple[str, dict[str, Any]]]) -> dict[str, int]:
    """Copy records from `dump()` into this (empty) library, keeping ids; one transaction."""
    counts: dict[str, int] = {}
    d = store._d
    with store._write() as conn:
        existing = store._x(
            conn,
            "SELECT (SELECT count(*) FROM skills) + (SELECT count(*) FROM episodes) "
            "+ (SELECT count(*) FROM events) AS n",
        ).fetchone()
        if existing["n"]:
            raise LibraryError(f"{store.location} is not empty: migrate copies into an empty library only")
        events: list[tuple[Any, ...]] = []
        kind: Any = None
        try:
            for record in records:
                if not (isinstance(record, tuple) and len(record) == 2 and isinstance(record[1], dict)):
                    raise TypeError("not a (kind, fields) pair")
                kind = record[0]
                counts[kind] = counts.get(kind, 0) + 1
                _load_one(store, conn, kind, record[1], events)
                if len(events) >= _COPY_BATCH:
                    _copy_events(store, conn, events)
                    events.clear()
        except SkillevoError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as exc:  # the whole copy rolls back
            raise LibraryError(f"a malformed record in the migration stream (after {kind!r:.40}; {type(exc).__name__}: "
                               f"{' '.join(str(exc).split())[:200]}); nothing was copied") from None
        _copy_events(store, conn, events)
        for statement in recount_statements(d.name):  # the version counters, from the copied events
            store._x(conn, statement)
        d.after_load(conn)
    return counts


def _load_one(store: SQLStore, conn: Any, kind: Any, rec: Any, events: list[tuple[Any, ...]]) -> None:
    """Write one `dump()` record (events are gathered in `events`, copied in batches)."""
    d = store._d
    if kind == "skill":
        trigger = Trigger.model_validate(rec["trigger"])
        store._x(conn, "INSERT INTO skills (name, description, trigger, kind, tool_key, created_at) "
                 "VALUES (?, ?, ?, ?, ?, ?)",
                 (rec["name"], rec["description"], d.json(trigger.model_dump(mode="json")), trigger.kind.value,
                  tool_key(trigger), rec["created_at"]))
    elif kind == "version":
        strategy = decode_json(rec["strategy"])
        key_sql, key_params = d.content_key(strategy)
        # One version per content; a duplicate from an older library keeps no key (NULL).
        store._x(conn, "INSERT INTO versions (id, skill, number, strategy, parent, origin, status, created_at, "
                 f"content_hash) SELECT ?, ?, ?, ?, ?, ?, ?, ?, CASE WHEN EXISTS (SELECT 1 FROM versions "
                 f"WHERE skill = ? AND content_hash = {key_sql}) THEN NULL ELSE {key_sql} END",
                 (rec["id"], rec["skill"], rec["number"], d.json(strategy), rec["parent"],
                  d.json(decode_json(rec["origin"])), rec["status"], rec["created_at"], rec["skill"],
                  *key_params, *key_params))
    elif kind == "posterior":
        state = PosteriorState.model_validate({**rec, "extra": decode_json(rec["extra"])})
        store._upsert_posterior(conn, state)
    elif kind == "posterior_key":
        store._x(conn, "INSERT INTO posterior_keys (key, steps, detections, epoch, stamp) "
                 "VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET steps = excluded.steps, "
                 "detections = excluded.detections, epoch = excluded.epoch, stamp = excluded.stamp",
                 (str(rec["key"]), int(rec["steps"]), int(rec["detections"]), int(rec["epoch"]),
                  None if rec.get("stamp") is None else str(rec["stamp"])))
    elif kind == "meta":  # a row the destination's migrations wrote is the source's value
        store._x(conn, "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE "
                 "SET value = excluded.value", (rec["key"], rec["value"]))
    elif kind == "write_key":
        store._x(conn, "INSERT INTO write_keys (key, at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                 (str(rec["key"]), float(rec["at"])))
    elif kind == "episode":
        row = episode_values(Episode.model_validate(rec), d.json)
        store._x(conn, "INSERT INTO episodes (id, task, group_id, policy_version, started_at, finished_at, "
                 "reward, applied, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
    elif kind == "event":
        ev = Event.model_validate(rec)
        events.append((ev.id, ev.ts, ev.kind.value, ev.episode_id, ev.tool, ev.version_id, d.json(ev.data)))
    else:
        raise LibraryError(f"unknown record kind {kind!r:.40} in the migration stream")


def _copy_events(store: SQLStore, conn: Any, rows: list[tuple[Any, ...]]) -> None:
    if rows:
        statement = "INSERT INTO events (id, ts, kind, episode_id, tool, version_id, data) VALUES (?, ?, ?, ?, ?, ?, ?)"
        store._d.insert_rows(conn, store._d.sql(statement), 7, rows)
