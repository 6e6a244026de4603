"""Learning state as atomic SQL, written once for both store dialects.

The store is the source of truth for what the selectors and the lifecycle learn, so that many
processes on one library learn as one:

* a posterior update is an increment in SQL (``alpha = alpha + r``), never a read-modify-write
  in Python, so concurrent updates from any number of processes all count;
* forgetting is a multiplicative step applied in SQL to every arm of the key (``alpha = 1 +
  g (alpha - 1)``): each update, from whichever process, decays the key once, as one process would;
* a reset (an announced change, a detected change) sets the arms back to the prior and bumps their
  ``epoch``; every process sees the new epoch at its next refresh and drops its local history;
* a detected change is taken once: its reset and its ``detections`` increment apply only while the
  credited arm is still in the epoch the detecting process's history belongs to, so when several
  processes detect one change (each on its share of the arm's updates) the first resets the key
  and the others' detections, made on evidence from before that reset, change nothing;
* per-key counters (``steps``, ``detections``) that the adaptive discount reads live in
  ``posterior_keys``, incremented in the same transaction;
* per-version lifecycle counters live on the version row: ``selected_episodes`` (distinct episodes
  a recorded selection event names it in) and ``pending_review`` (a pending-promotion event not yet
  answered by a review), kept by the store in the transaction that writes those events.

Statements are written with ``?`` placeholders; PostgreSQL's backend turns them into ``%s``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from ._errors import StatusConflictError
from ._models import EventKind, VersionStatus

__all__ = [
    "KEY_EPOCH",
    "LIBRARY_EPOCH_KEY",
    "LIBRARY_EPOCH_ROW",
    "KeyCounters",
    "PosteriorIncrement",
    "check_expected",
    "counter_updates",
    "increment_statements",
    "key_epoch_sql",
    "migration",
    "reset_statements",
    "snapshot_counters",
    "snapshot_query",
]


@dataclass(frozen=True)
class PosteriorIncrement:
    """One selector update, as the store applies it (atomically, in one transaction).

    Attributes:
        key, arm: the call site and the arm credited.
        reward: alpha += reward, beta += 1 - reward, observations += 1.
        decay: every arm of the key first decays toward the prior by this factor (1: none).
        arm_decay: the credited arm alone first decays by this factor (ReSkill's w; 1: none).
        unwind: ``(arm, reward)`` leaving a sliding window: subtracted again.
        reset: a change was detected here: after the update every arm of the key returns to the
            prior (a new epoch), and the key's ``detections`` counter and epoch grow by one ...
        epoch: ... if the credited arm's stored epoch is still this one (the epoch the update's
            evidence belongs to; None: unconditionally).
        key_epoch: the key's epoch the evidence was gathered in (None: any). Given, the whole
            update applies only while the key's stored epoch is still this one and the arm's row
            is absent or at `epoch`; otherwise it is dropped: evidence from before a reset (an
            announced policy, another process's detection) never reaches the epoch after it.
        next_key_epoch: with `key_epoch` and `reset`: the key's epoch after this detection, chosen
            by the detecting process at random (not ``key_epoch + 1``, which another process's
            reset of the same epoch also reaches: its later updates would then pass as that one's).
        unwind_epoch: with `unwind`: the leaving arm's epoch its reward was credited in (None:
            any); taken back only from that epoch's row (an arm reset since no longer holds it).
        extra: the credited arm's auxiliary state (change-detector history, memory M), stored as
            the last writer left it (it only seeds a process that starts later).
    """

    key: str
    arm: str
    reward: float
    decay: float = 1.0
    arm_decay: float = 1.0
    unwind: tuple[str, float] | None = None
    reset: bool = False
    epoch: int | None = None
    key_epoch: int | None = None
    next_key_epoch: int | None = None
    unwind_epoch: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class KeyCounters:
    """The stored key-level counters of a selector key, and its epoch (a key without a row of its
    own is in the library's epoch: see `KEY_EPOCH`)."""

    steps: int = 0
    detections: int = 0
    epoch: int = 0


Statement = tuple[str, tuple[Any, ...]]

#: Meta key of the library's posterior epoch: a reset of every key moves it on, so that a key with
#: no row yet (its evidence still queued in some process) is in a new epoch too.
LIBRARY_EPOCH_KEY = "posteriors.epoch"


def key_epoch_sql(lock: str = "") -> str:
    """A key's epoch (one `?`: the key): its row's, or the library's if it has none. `lock` (the
    dialect's ``FOR SHARE``) locks the library's epoch row where it is read: a write it conditions
    then waits for a reset of every key in flight and reads its new epoch, or holds that reset back
    until it commits (the reset then moves the key it wrote on). Read without the lock, a first
    update of a key that raced such a reset on PostgreSQL wrote its evidence into the epoch the reset
    had just left. The row exists from schema 5 on (its migration writes it), so there is always a
    row to lock; coalesce reads it only for a key with no row of its own (its first update)."""
    return f"coalesce((SELECT ke.epoch FROM posterior_keys ke WHERE ke.key = ?), {_library_epoch(lock)})"


def _library_epoch(lock: str = "") -> str:
    """The library's epoch; `lock` (``FOR SHARE``) locks its row (see `key_epoch_sql`)."""
    return f"coalesce((SELECT CAST(m.value AS INTEGER) FROM meta m WHERE m.key = '{LIBRARY_EPOCH_KEY}'{lock}), 0)"


#: A key's epoch (one `?`: the key), for reads (`key_epoch_sql`).
KEY_EPOCH = key_epoch_sql()
#: The library epoch's row, written by schema migration 5 (a row to lock: `key_epoch_sql`).
LIBRARY_EPOCH_ROW = f"INSERT INTO meta (key, value) VALUES ('{LIBRARY_EPOCH_KEY}', '0') ON CONFLICT (key) DO NOTHING"
_ARM_INSERT = "INSERT INTO posteriors (key, arm, alpha, beta, observations, updated_at, extra, epoch) "
_RESET_SET = "UPDATE posteriors SET alpha = 1, beta = 1, extra = ?, epoch = epoch + 1, updated_at = ?"


def increment_statements(
    inc: PosteriorIncrement,
    now: float,
    encode: Callable[[Any], Any],
    *,
    one_statement: bool = False,
    lock: str = "",
) -> list[Statement]:
    """The statements of one update, in order (run them in one transaction).

    An update with a `key_epoch` is conditional: its first statement writes the key's row only
    where the key and the arm are still in the update's epochs, and stamps the row with a value of
    this update's own; every later statement applies only where the key's row carries that stamp
    (the row stays locked to the transaction: on SQLite the whole file, on PostgreSQL that row).
    So the condition is checked once, on the rows as they were, by the database, and a dropped
    update writes nothing.

    `one_statement` (a database with writable ``WITH``, PostgreSQL): an update that touches only
    the key's counters and the credited arm (no decay of the other arms, no window, no reset, the
    common case) is one statement, atomic alone, that needs no transaction around it. `lock`: the
    dialect's ``FOR SHARE``, for the library epoch the condition reads (`key_epoch_sql`)."""
    r = float(inc.reward)
    arm_epoch = 0 if inc.epoch is None else inc.epoch
    guarded = inc.key_epoch is not None
    mine, mine_params = "", cast(tuple[str, ...], ())
    if guarded:
        stamp = os.urandom(8).hex()
        cond, cond_params = f"{key_epoch_sql(lock)} = ?", [inc.key, inc.key_epoch]
        if inc.epoch is not None:
            cond += " AND NOT EXISTS (SELECT 1 FROM posteriors q WHERE q.key = ? AND q.arm = ? AND q.epoch <> ?)"
            cond_params += [inc.key, inc.arm, inc.epoch]
        key_upsert: Statement = (
            f"INSERT INTO posterior_keys (key, steps, detections, epoch, stamp) SELECT ?, 1, 0, ?, ? WHERE {cond} "
            "ON CONFLICT (key) DO UPDATE SET steps = posterior_keys.steps + 1, stamp = excluded.stamp "
            "WHERE posterior_keys.epoch = excluded.epoch",
            (inc.key, inc.key_epoch, stamp, *cond_params),
        )
        mine, mine_params = " AND EXISTS (SELECT 1 FROM posterior_keys s WHERE s.key = ? AND s.stamp = ?)", (
            inc.key, stamp)
    else:
        key_upsert = (
            "INSERT INTO posterior_keys (key, steps, detections) VALUES (?, 1, ?) ON CONFLICT (key) DO UPDATE "
            "SET steps = posterior_keys.steps + 1, detections = posterior_keys.detections + excluded.detections",
            (inc.key, 1 if inc.reset and inc.epoch is None else 0),
        )
    out: list[Statement] = [key_upsert]
    if inc.decay != 1.0:
        out.append(
            (
                f"UPDATE posteriors SET alpha = 1 + ? * (alpha - 1), beta = 1 + ? * (beta - 1) WHERE key = ?{mine}",
                (inc.decay, inc.decay, inc.key, *mine_params),
            )
        )
    if inc.arm_decay != 1.0:
        sets = "alpha = 1 + ? * (posteriors.alpha - 1) + ?, beta = 1 + ? * (posteriors.beta - 1) + ?"
        set_params: tuple[Any, ...] = (inc.arm_decay, r, inc.arm_decay, 1.0 - r)
    else:
        sets = "alpha = posteriors.alpha + ?, beta = posteriors.beta + ?"
        set_params = (r, 1.0 - r)
    upsert = (
        f"ON CONFLICT (key, arm) DO UPDATE SET {sets}, observations = posteriors.observations + 1, "
        "updated_at = excluded.updated_at, extra = excluded.extra"
    )
    values = (inc.key, inc.arm, 1.0 + r, 2.0 - r, now, encode(inc.extra), arm_epoch)
    simple = len(out) == 1 and inc.unwind is None and not inc.reset
    if guarded:
        # The arm's row is checked again where it is written: on PostgreSQL a reset of that arm
        # alone may commit between the key's check and this row's lock.
        check = " WHERE posteriors.epoch = excluded.epoch" if inc.epoch is not None else ""
        if one_statement and simple:
            keys, key_params = key_upsert
            return [(f"WITH k AS ({keys} RETURNING 1) {_ARM_INSERT}SELECT ?, ?, ?, ?, 1, ?, ?, ? FROM k "
                     f"{upsert}{check}", (*key_params, *values, *set_params))]
        out.append((f"{_ARM_INSERT}SELECT ?, ?, ?, ?, 1, ?, ?, ? WHERE true{mine} {upsert}{check}",
                    (*values, *mine_params, *set_params)))
    else:
        out.append((f"{_ARM_INSERT}VALUES (?, ?, ?, ?, 1, ?, ?, ?) {upsert}", (*values, *set_params)))
        if one_statement and simple:
            # The key's counter and the arm are different tables: one statement may write both. The
            # main statement runs before a WITH it does not read, so the key's row is locked first,
            # as in every multi-statement update here (a decay, a window, a reset): two writers of
            # one key wait on that row instead of each holding a row the other needs (a deadlock).
            (keys, key_params), (arm, arm_params) = out
            return [(f"WITH a AS ({arm} RETURNING 1) {keys}", (*arm_params, *key_params))]
    if inc.unwind is not None:
        old_arm, old = inc.unwind
        same, same_params = ("", ()) if inc.unwind_epoch is None else (" AND epoch = ?", (inc.unwind_epoch,))
        out.append(
            (
                f"UPDATE posteriors SET alpha = alpha - ?, beta = beta - ? WHERE key = ? AND arm = ?{same}{mine}",
                (float(old), 1.0 - float(old), inc.key, old_arm, *same_params, *mine_params),
            )
        )
    if not inc.reset:
        return out
    if guarded:  # the update's own condition was the detection's: its stamp says it held
        out += [
            ("UPDATE posterior_keys SET detections = detections + 1, epoch = coalesce(?, epoch + 1) "
             "WHERE key = ? AND stamp = ?", (inc.next_key_epoch, *mine_params)),
            (f"{_RESET_SET} WHERE key = ?{mine}", (encode({}), now, inc.key, *mine_params)),
        ]
    elif inc.epoch is None:
        out.extend(reset_statements(inc.key, None, now, encode, lock=lock))
    else:
        # Conditional on the credited arm's epoch. Its own row is reset last, so the condition the
        # other arms' reset reads is not changed by that statement itself.
        same_epoch = "EXISTS (SELECT 1 FROM posteriors q WHERE q.key = ? AND q.arm = ? AND q.epoch = ?)"
        guard = (inc.key, inc.arm, inc.epoch)
        out += [
            ("UPDATE posterior_keys SET detections = detections + 1, epoch = epoch + 1 "
             f"WHERE key = ? AND {same_epoch}", (inc.key, *guard)),
            (f"{_RESET_SET} WHERE key = ? AND arm <> ? AND {same_epoch}", (encode({}), now, inc.key, inc.arm, *guard)),
            (f"{_RESET_SET} WHERE key = ? AND arm = ? AND epoch = ?", (encode({}), now, *guard)),
        ]
    return out


def reset_statements(
    key: str | None,
    arm: str | None,
    now: float,
    encode: Callable[[Any], Any],
    *,
    for_update: str = "",
    lock: str = "",
) -> list[Statement]:
    """Back to the prior (a new epoch): one arm, every arm of `key`, or every arm of every key.

    A reset of a whole key moves the key's epoch on too (every key's and the library's, for all
    keys): updates gathered before it are dropped when they arrive (`PosteriorIncrement.key_epoch`).
    The key's row is written first, as every update locks it first; every key's rows are locked in
    key order (`for_update`: the dialect's row-lock clause), as a batch of queued updates locks
    them. A key without a row of its own moves past the library's epoch, read under `lock` (the
    dialect's ``FOR SHARE``: a reset of every key in flight is waited for, or waits; read without
    it, the key could stay at the epoch that reset moved the library to). `observations` (every
    update ever made) is kept."""
    reset = (encode({}), now)
    if key is not None and arm is not None:
        return [(f"{_RESET_SET} WHERE key = ? AND arm = ?", (*reset, key, arm))]
    if key is not None:
        return [
            (f"INSERT INTO posterior_keys (key, steps, detections, epoch) VALUES (?, 0, 0, {_library_epoch(lock)} + 1) "
             "ON CONFLICT (key) DO UPDATE SET epoch = posterior_keys.epoch + 1", (key,)),
            (f"{_RESET_SET} WHERE key = ?", (*reset, key)),
        ]
    return [
        (f"INSERT INTO meta (key, value) VALUES ('{LIBRARY_EPOCH_KEY}', '1') ON CONFLICT (key) DO UPDATE "
         "SET value = CAST(CAST(meta.value AS INTEGER) + 1 AS TEXT)", ()),
        (f"UPDATE posterior_keys SET epoch = epoch + 1 WHERE key IN (SELECT key FROM posterior_keys ORDER BY key"
         f"{for_update})", ()),
        (_RESET_SET, reset),
    ]


_ARMS = "SELECT p.key, p.arm, p.alpha, p.beta, p.observations, p.updated_at, p.extra, p.epoch"


def snapshot_query(key: str | None) -> Statement:
    """One read of a key's arms (or every key's) with its counters and epoch (`snapshot_counters`):
    the arms' rows, and one row per key with ``arm`` NULL. Read for one key, that row is there
    even when the key has none of its own (it carries the library's epoch then)."""
    if key is None:
        return (
            f"{_ARMS}, NULL AS k_steps, NULL AS k_detections FROM posteriors p UNION ALL "
            "SELECT k.key, NULL, NULL, NULL, NULL, NULL, NULL, k.epoch, k.steps, k.detections FROM posterior_keys k "
            "ORDER BY 1, 2",
            (),
        )
    return (
        f"{_ARMS}, NULL AS k_steps, NULL AS k_detections FROM posteriors p WHERE p.key = ? UNION ALL "
        f"SELECT CAST(? AS TEXT), NULL, NULL, NULL, NULL, NULL, NULL, {KEY_EPOCH}, k.steps, k.detections "
        "FROM (SELECT 1 AS one) o LEFT JOIN posterior_keys k ON k.key = ? ORDER BY 1, 2",
        (key, key, key, key),
    )


def snapshot_counters(rows: Iterable[Mapping[str, Any]]) -> dict[str, KeyCounters]:
    """The key counters and epochs carried on `snapshot_query` rows."""
    return {
        r["key"]: KeyCounters(int(r["k_steps"] or 0), int(r["k_detections"] or 0), int(r["epoch"]))
        for r in rows
        if r["arm"] is None
    }


def counter_updates(
    rows: Iterable[tuple[str, str | None, str | None, Any]], decode: Callable[[Any], Any] = lambda d: d
) -> list[Statement]:
    """The version-counter statements for event rows ``(kind, episode_id, version_id, data)``
    being inserted: selection events count distinct episodes, a pending-promotion lifecycle event
    sets ``pending_review``, a review event clears it (the last in the batch wins)."""
    episodes: dict[str, set[str]] = {}
    pending: dict[str, bool] = {}
    for kind, episode_id, version_id, data in rows:
        if version_id is None:
            continue
        if kind == EventKind.SELECTION.value and episode_id:
            episodes.setdefault(version_id, set()).add(episode_id)
        elif kind == EventKind.REVIEW.value:
            pending[version_id] = False
        elif kind == EventKind.LIFECYCLE.value:
            value = decode(data)
            if isinstance(value, Mapping) and value.get("pending") == "promote":
                pending[version_id] = True
    out: list[Statement] = [
        ("UPDATE versions SET selected_episodes = selected_episodes + ? WHERE id = ?", (len(eps), vid))
        for vid, eps in sorted(episodes.items())
    ]
    out.extend(
        ("UPDATE versions SET pending_review = ? WHERE id = ?", (int(flag), vid))
        for vid, flag in sorted(pending.items())
    )
    return out


def check_expected(version_id: str, current: VersionStatus, expected: VersionStatus | None) -> None:
    """A conditional status change's guard, run on the row the transaction holds locked."""
    if expected is not None and current is not VersionStatus(expected):
        raise StatusConflictError(
            f"{version_id} is {current.value}, not {VersionStatus(expected).value}: another process decided first"
        )


def decode_json(value: Any) -> Any:
    """A JSON column's value, text or already decoded."""
    value = getattr(value, "obj", value)  # psycopg's Jsonb wrapper (of an object, or of its text)
    if isinstance(value, str | bytes):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def _recount(json_pending: str) -> list[str]:
    return [
        "UPDATE versions SET selected_episodes = (SELECT count(DISTINCT e.episode_id) FROM events e "
        "WHERE e.kind = 'selection' AND e.version_id = versions.id AND e.episode_id IS NOT NULL)",
        "UPDATE versions SET pending_review = CASE WHEN EXISTS (SELECT 1 FROM events e WHERE "
        f"e.version_id = versions.id AND e.kind = 'lifecycle' AND {json_pending} = 'promote' AND NOT EXISTS "
        "(SELECT 1 FROM events r WHERE r.version_id = versions.id AND r.kind = 'review' AND r.id > e.id)) "
        "THEN 1 ELSE 0 END",
    ]


def recount_statements(dialect: str) -> list[str]:
    """Recompute the version counters from the events (after a migration or a bulk load)."""
    return _recount("json_extract(e.data, '$.pending')" if dialect == "sqlite" else "(e.data->>'pending')")


def migration(dialect: str) -> list[str]:
    """The schema migration that adds the learning-state columns and table, filled from what is stored."""
    if dialect == "sqlite":
        steps = "coalesce(max(CAST(json_extract(extra, '$.steps') AS INTEGER)), 0)"
        detections = "coalesce(max(CAST(json_extract(extra, '$.detections') AS INTEGER)), 0)"
        integer = "INTEGER"
    else:
        steps = "coalesce(max((extra->>'steps')::integer), 0)"
        detections = "coalesce(max((extra->>'detections')::integer), 0)"
        integer = "integer"
    return [
        f"ALTER TABLE posteriors ADD COLUMN epoch {integer} NOT NULL DEFAULT 0",
        f"""CREATE TABLE posterior_keys (
            key text PRIMARY KEY,
            steps {integer} NOT NULL DEFAULT 0,
            detections {integer} NOT NULL DEFAULT 0)""",
        f"INSERT INTO posterior_keys (key, steps, detections) SELECT key, {steps}, {detections} FROM posteriors "
        "GROUP BY key",
        f"ALTER TABLE versions ADD COLUMN selected_episodes {integer} NOT NULL DEFAULT 0",
        f"ALTER TABLE versions ADD COLUMN pending_review {integer} NOT NULL DEFAULT 0",
        *recount_statements(dialect),
    ]
