"""The write-behind queue's batches, each record applied once however often its batch is written.

A queued record (an episode with its events, a posterior update) carries a key made once, when it
is recorded (`skillevo._store_args.write_key`). A batch's transaction first inserts its records'
keys into ``write_keys`` (the key is its primary key) with ``ON CONFLICT DO NOTHING RETURNING
key``: a key that is already there belongs to a record an earlier transaction committed, and that
record is skipped. The queue writes a batch again whenever its write raised, and a write can raise
after its COMMIT took effect (the connection lost before the server's reply came, an I/O error
reported after the commit): before, such a batch's events, version counters and posterior
increments were applied twice, double-counted evidence. Now it is a no-op; the records of the batch
the first write did not commit (it really failed) are written as ever.

A direct save may carry a key too (`SQLStore.save_episode`): the Evolver's `finish()` queues an
episode whose save raised under the save's key, so a save that committed is not written again.

A key is needed until its writer knows its transaction committed: the writer deletes the keys of
its last acknowledged batch (and of the saves acknowledged since) in its next batch (a direct save
deletes those of the saves acknowledged before it in its own transaction), and its first
batch deletes every key older than `KEY_RETENTION_S` (those of a process that ended before its next
batch). Keys are stamped and aged by the database's clock (`Dialect.clock`), never the writer's:
before 2026-12-07 a writer whose wall clock had jumped forward more than 7 days deleted every other
writer's live keys, and their batches written again after a lost reply were applied twice.
The table holds about one batch per live writer. On PostgreSQL the claim is the one
statement of the batch that is waited on (its answer says which records to write): a batch takes
two round trips instead of one.
"""

from __future__ import annotations

import collections
import contextlib
import time
from typing import Any

from ._learning_sql import increment_statements
from ._sql_conn import Deferred, Queued, QueuedIncrement
from ._sql_dialect import EventRow
from ._sql_store import EPISODE_UPSERT, EVENT_INSERT, SQLStore

__all__ = [
    "BACKGROUND_WAIT_S", "KEY_RETENTION_S", "PROBE_WAIT_S", "QUEUE_WAIT_S", "claim_keys", "delete_keys", "queue_wait",
    "take_keys", "write_batch",
]

#: How long a key a writer never deleted (its process ended first) is kept: a batch written again
#: later than this after its lost reply would be applied twice.
KEY_RETENTION_S = 7 * 86400.0
_PER_STATEMENT = 400  # keys per statement, under SQLite's old 999 parameters

#: The most seconds a write of the queue (recorded episodes, posterior updates) waits for a lock
#: another process holds before it fails, its records kept queued, whatever the durability: with
#: ``"sync"`` `finish()` hears `LibraryError`; with ``"batched"`` the background write tries again
#: later, and the agent's reads, which wait for the queue's lock, are not held up behind it for the
#: library's whole lock timeout (60 s by default; without end on PostgreSQL).
QUEUE_WAIT_S = 5.0
#: What the queue's background thread waits for another process's lock before it gives up and tries
#: again `WriteBehind.retry_s` later: it holds the connection's lock meanwhile, which every read of
#: the agent's (a tool call's trigger match) and every recording waits for.
BACKGROUND_WAIT_S = 0.1
#: What a read waits for another process's lock when it writes a queue the store refused a moment
#: ago (`WriteBehind.drain(briefly=True)`): next to nothing.
PROBE_WAIT_S = 0.01
#: The most seconds a batch spends building its records (redacting, serialising: `Deferred`) before
#: it commits what it has built and hands the rest back to the queue (written next, at its head):
#: a slow build (large events, a loaded machine) never holds the library's lock, which the agent's
#: reads and the SIGTERM flush wait for, much longer, and an end of the process loses at most the
#: chunk being built. Before 2026-12-08 a batch built everything first: SIGTERM during a 6 s build
#: lost all 12 of its records, the 4 built long before with them.
BUILD_CHUNK_S = 0.5


def queue_wait(*, briefly: bool = False, background: bool = False, at_most: float | None = None) -> float:
    """The most seconds a write of the queue waits for another process's lock: QUEUE_WAIT_S
    ("sync": `finish()` waits for it; `flush`, `close`), BACKGROUND_WAIT_S (the queue's thread:
    it holds the lock the agent's reads wait for), PROBE_WAIT_S (a read, or a batched `finish()`,
    writing a queue the store refused a moment ago); never more than `at_most` (what is left of
    the deadline the process's last writes share)."""
    wait_s = PROBE_WAIT_S if briefly else BACKGROUND_WAIT_S if background else QUEUE_WAIT_S
    return wait_s if at_most is None else min(wait_s, at_most)


def write_batch(store: SQLStore, batch: list[Queued], *, wait_s: float) -> list[Queued]:
    """Write `batch` in one transaction, each record at most once (see the module); `wait_s`: the
    most seconds to wait for another process's write lock. Returns the records left unwritten
    because building the others took `BUILD_CHUNK_S` (at least one is always written): the
    queue writes them next."""
    # Multi-row statements (SQLite) or a pipelined executemany (PostgreSQL): few steps, each of
    # which a background thread must take the GIL back from the agent's thread for. Driver
    # errors go through as they are: the queue tells a refused record from a refused write.
    # Keys in sorted order (each key's updates in the order they were made): every writer of
    # several key rows locks them in that order (a reset of every key too), so two processes'
    # batches never each hold a key row the other waits for (PostgreSQL: a deadlock).
    d = store._d
    batch, rest = _built_chunk(store, batch)
    queued = sorted((r for r in batch if isinstance(r, QueuedIncrement)), key=lambda r: r.increment.key)
    increments = [
        (r.key, increment_statements(r.increment, r.at, d.json, one_statement=d.writable_cte, lock=d.for_share))
        for r in queued
    ]
    records = [(r.key, *rows) for r, rows in _rows(batch)]
    # Inside a transaction of the caller's (a record made there) the write is part of it: the queue
    # never writes it again, and it needs no key.
    keyed = store._current() is None
    keys = [r.key for r in batch if r.key is not None] if keyed else []
    # Posterior updates go out pipelined (PostgreSQL: the batch's statements in one round trip).
    with (
        d.waiting_at_most(wait_s),
        store._write(queued_first=False, translate=False, pipelined=bool(increments)) as conn,
    ):
        if keyed:
            _settle(store, conn, set(keys))
            if keys:
                fresh = claim_keys(store, conn, keys)
                # A key claimed once is one record's: a second record of the batch under it (a
                # journal line copied) is the same record again, not written twice.
                increments = [(k, s) for k, s in increments if k is None or _first(fresh, k)]
                records = [(k, e, rows) for k, e, rows in records if k is None or _first(fresh, k)]
        episodes = [row for _, row, _ in records]
        events: list[EventRow] = [e for _, _, rows in records for e in rows]
        if episodes:
            d.insert_rows(conn, d.sql(EPISODE_UPSERT), 9, episodes)
        if events:
            d.insert_rows(conn, d.sql(EVENT_INSERT), 6, events)
            store._count(conn, events)
        for _, statements in increments:
            for statement, params in statements:
                store._x(conn, statement, params)
    if keyed:  # committed, and known to be: the next batch deletes them
        store._settled, store._pruned = keys, True
    return rest


_Built = tuple[Any, list[EventRow]]


def _rows(batch: list[Any]) -> list[tuple[Any, _Built]]:
    """The episode records of `batch` with their rows (built by `_built_chunk`)."""
    return [(r, r.built if isinstance(r, _BuiltDeferred) else (r.episode, r.events))
            for r in batch if not isinstance(r, QueuedIncrement)]


class _BuiltDeferred:
    """A `Deferred` record with its rows, built for one write (the queue keeps the record itself)."""

    __slots__ = ("built", "key", "record")

    def __init__(self, record: Deferred, built: _Built) -> None:
        self.record, self.key, self.built = record, record.key, built


def _built_chunk(store: SQLStore, batch: list[Queued]) -> tuple[list[Any], list[Queued]]:
    """`batch`'s head, its `Deferred` records built, as far as `BUILD_CHUNK_S` of building goes
    (at least one record), and the records after it, unbuilt (`BUILD_CHUNK_S`)."""
    start = time.monotonic()
    chunk: list[Any] = []
    for i, record in enumerate(batch):
        if isinstance(record, Deferred):
            if chunk and time.monotonic() - start >= BUILD_CHUNK_S:
                return chunk, batch[i:]
            chunk.append(_BuiltDeferred(record, store._deferred_rows(record)))
        else:
            chunk.append(record)
    return chunk, []


def _first(fresh: set[str], key: str) -> bool:
    """Whether `key` is claimed now and not yet taken by a record of this batch (it is taken)."""
    if key not in fresh:
        return False
    fresh.discard(key)
    return True


def _settle(store: SQLStore, conn: Any, batch: set[str]) -> None:
    """Delete the keys known committed but those of `batch` (they are claimed again now and
    deleted by the next batch); the first batch also deletes those past retention."""
    saved = store._saved
    while saved:  # a deque: direct saves append from other threads
        store._settled.append(saved.popleft())
    settled = [key for key in store._settled if key not in batch]
    if not store._pruned:
        store._x(conn, f"DELETE FROM write_keys WHERE at < {store._d.clock} - ?", (KEY_RETENTION_S,))
    delete_keys(store, conn, settled)


def take_keys(saved: collections.deque[str], *, but: str, most: int = 500) -> list[str]:
    """Up to `most` keys off `saved` (other threads take from it too: it may empty meanwhile), but
    `but`, which goes back: a write under a key written before claims it again, and must find it."""
    taken: list[str] = []
    with contextlib.suppress(IndexError):
        while len(taken) < most:
            taken.append(saved.popleft())
    if but in taken:
        taken = [k for k in taken if k != but]
        saved.append(but)
    return taken


def delete_keys(store: SQLStore, conn: Any, keys: list[str]) -> None:
    """Delete `keys` (their writes are known committed) in the transaction of `conn`."""
    for i in range(0, len(keys), _PER_STATEMENT * 2):
        chunk = keys[i : i + _PER_STATEMENT * 2]
        store._x(conn, f"DELETE FROM write_keys WHERE key IN ({', '.join('?' * len(chunk))})", chunk)


def claim_keys(store: SQLStore, conn: Any, keys: list[str]) -> set[str]:
    """Insert `keys`; the ones that were not there yet (their records are written now)."""
    fresh: set[str] = set()
    for i in range(0, len(keys), _PER_STATEMENT):
        chunk = keys[i : i + _PER_STATEMENT]
        rows = store._x(
            conn,
            f"INSERT INTO write_keys (key, at) VALUES {', '.join([f'(?, {store._d.clock})'] * len(chunk))} "
            "ON CONFLICT (key) DO NOTHING RETURNING key",
            chunk,
        ).fetchall()
        fresh.update(str(r["key"]) for r in rows)
    return fresh

