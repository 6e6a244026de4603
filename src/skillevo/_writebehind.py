"""A write-behind queue: records written later, in batches, by one background thread.

For the writes nobody waits on (an episode record at the end of an agent run, the largest single
cost skillevo adds to a run): the caller snapshots the record in its own thread (the owner may
leave part of its serialisation to the write), queues it and goes on; a daemon thread writes
everything queued in one transaction, shortly after. The owner drains the queue in the caller's
thread before each of its reads and writes, so a process always reads what it recorded, and at
``flush``, ``close``, interpreter exit and ``SIGTERM`` (see
`skillevo._durability`). With ``sync=True`` nothing waits: `put` writes in the caller's thread.

A failed write keeps its records (queued, or moved to the journal if given), and a caller hears:
after a failed background write the next `put` writes the queue in its caller's thread and raises
`LibraryError` there if the store still refuses (the thread also retries after a pause). The queue
never holds more than `max_pending` records: the caller that fills it writes it, and a record that
finds it full and unwritable is refused with the error, not queued. A record whose *content* the
store refuses (one of `poison`, or an error that is no store's: a record its writer cannot
serialise) is dropped alone: the batch is written again one record at a time, every other record is
written, and the drop is raised to a caller as `LibraryError`. The thread ends after `idle_s`
without records (an owner nobody closes can then be collected) and starts again with the next
record. A forked child starts with an empty queue (what was queued belongs to the parent) and
writes through, as with ``sync=True``: a child ends with ``os._exit`` (multiprocessing's do), which
runs no exit hook, so a queue would be lost there.
"""

from __future__ import annotations

import atexit
import logging
import sys
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from . import _durability, _writebehind_exit, _writebehind_fork
from ._aborted import ABORTED_ATTEMPTS, aborted_pause, retry_aborted
from ._errors import LibraryError
from ._replay_turn import HandedOver, ReplayTurn
from ._spill import Journal, write_each
from ._writebehind_exit import counted, one_line, run_path_wait

__all__ = ["ABORTED_ATTEMPTS", "WriteBehind", "aborted_pause", "retry_aborted"]

T = TypeVar("T")

_LIVE: weakref.WeakSet[WriteBehind[object]] = weakref.WeakSet()
_log = logging.getLogger("skillevo")
#: What the exit's writes of every queue wait in all for other processes' locks (SIGTERM: its grace).
EXIT_WAIT_S = 5.0
#: The writer thread's pause between two chunks of a slow batch (`skillevo._sql_batch.BUILD_CHUNK_S`).
_BETWEEN_CHUNKS_S = 0.005

class WriteBehind(Generic[T]):
    """Queue records for ``write(batch)``, called with ``lock`` held, in the background or on `drain`.

    Args:
        write: writes a batch of records in one transaction, or raises and writes none; it may
            write a head of the batch only (its build took long) and return the rest, written next.
        lock: the owner's lock: held around taking a batch and writing it, so that once a caller's
            `drain` returns, every record queued before it is written (no batch is in flight).
        location: the owner's location, for error messages.
        errors: what `write` raises when the store refuses the write (reported as `LibraryError`).
        poison: what `write` raises when a record's content is refused (the record is dropped alone).
        aborted: whether an exception of `write` means the database aborted the transaction before
            it took effect, for a reason a new attempt may not meet (it is tried `ABORTED_ATTEMPTS` times).
        sync: write each record in the caller's thread when it is put (``durability="sync"``).
        probe: `write` waiting for no lock another process holds, for a reader's `drain` while
            the store refuses the queue (`failing`); None: `write`.
        background: `write` waiting only a moment for another process's lock, for the thread: it
            holds `lock` meanwhile, which the agent's reads and records wait for; a refused write
            is tried again after `retry_s`. None: `write`.
        capped: `write` waiting at most its second argument for another's lock (`drain(until=...)`).
        noun: what a record is, for error messages (``"recorded episode"``, ``"posterior update"``).
        linger_s: how long the thread waits after the first record of a batch for more.
        retry_s: pause after a failed background write.
        max_pending: the most records the queue holds.
        idle_s: the thread ends after this long without a record.
        journal: where records past a full, unwritable queue go, in order, until the store takes
            writes (`skillevo._spill`); None: they are refused, counted and reported lost.
    """

    def __init__(
        self,
        write: Callable[[list[T]], list[T] | None],
        lock: threading.RLock,
        location: str,
        errors: tuple[type[BaseException], ...],
        *,
        poison: tuple[type[BaseException], ...] = (),
        aborted: Callable[[BaseException], bool] | None = None,
        sync: bool = False,
        probe: Callable[[list[T]], list[T] | None] | None = None,
        background: Callable[[list[T]], list[T] | None] | None = None,
        capped: Callable[[list[T], float], list[T] | None] | None = None,
        noun: Callable[[T], str] = lambda record: "recorded episode",
        name: str = "skillevo-writer",
        linger_s: float = 0.2,
        retry_s: float = 1.0,
        max_pending: int = 1000,
        idle_s: float = 10.0,
        journal: Journal[T] | None = None,
    ) -> None:
        self._write = write
        self._lock = lock
        self._location = location
        self._errors = (*errors, LibraryError)
        self._poison: tuple[type[BaseException], ...] = (ValueError, TypeError, OverflowError, *poison)
        self._aborted = aborted
        self.sync = sync
        self._probe = probe
        self._probing = False  # a reader's drain is writing with `probe` (the lock held)
        self._background = background
        self._capped = capped
        self._until: float | None = None  # the deadline of a `drain(until=...)` writing
        self._noun = noun
        self._name = name
        self.linger_s = linger_s
        self.retry_s = retry_s
        self.max_pending = max_pending
        self.idle_s = idle_s
        self._queue: list[T] = []
        self._inflight = 0  # records taken by a write in progress (they still count against the cap)
        self._queue_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._refusing = False
        self._ending = False  # SIGTERM: the queue is being written for the last time
        self._failed = False  # the last background write failed: the next caller writes (and hears)
        self._stalled = False  # the last write of the queue, any thread's, was refused (`failing`)
        # The thread is awake and will take the queue when its linger ends: a record queued
        # meanwhile needs no wake-up (one per batch, not one per record: a wake-up costs the
        # caller a hand-over of the GIL and the thread's cold code in the middle of its run).
        self._armed = False
        self._more = False  # a batch was partly written: the thread writes the rest without lingering
        self._dropped: list[str] = []  # records refused in the background, not yet told to a caller
        # Records refused because the queue was full, by kind, not reported yet (`_refuse`).
        self._unqueued: dict[str, int] = {}
        self._thread: threading.Thread | None = None
        self._journal = journal
        self._turn = ReplayTurn(lock)  # the writer thread's replay lets the lock go between chunks
        _LIVE.add(self)  # type: ignore[arg-type]
        if not sync:
            from ._sigterm_flush import flush_all  # (it reads this module's queues)

            _durability.install_sigterm_flush(flush_all)

    def __len__(self) -> int:
        return len(self._queue) + self._inflight

    def __bool__(self) -> bool:  # records wait: queued, or in the journal
        return bool(len(self)) or self._journaling

    def holds_only(self, kind: type) -> bool:
        """Whether every queued record is a `kind` and no batch is being written (a reader that
        cannot see such records need not wait for them)."""
        with self._queue_lock:
            return not self._inflight and all(isinstance(r, kind) for r in self._queue)

    def _take(self) -> list[T]:
        """Take the queued records to write (the write lock held); they count against the cap
        until written or put back, so records queued meanwhile never push it past `max_pending`."""
        with self._queue_lock:
            batch, self._queue = self._queue, []
            self._inflight = len(batch)
        return batch

    def put(self, record: T) -> None:
        """Queue `record` (or, with ``sync``, write it now). Raises `LibraryError` when the store
        refuses a write this caller makes: the queue was full, a background write had failed, or
        a record was dropped."""
        if self._refusing:
            raise LibraryError(f"the library {self._location} is closed")
        if self.sync:
            # Written now, after whatever earlier writes left queued; if the store refuses (its
            # write lock held past the timeout, a full disk), it stays queued with them.
            with self._lock:
                if self._refusing:  # closed by another thread while this one waited for the lock
                    raise LibraryError(f"the library {self._location} is closed")
                overflow: LibraryError | None = None
                with self._queue_lock:
                    if len(self._queue) >= self.max_pending:
                        waiting = f"{self._location}: {counted(self._noun, self._queue)} wait to be written"
                        overflow = LibraryError(f"{waiting}; {self._not_recorded(record)} (the queue is full)")
                    else:
                        self._queue.append(record)
                # Journaled or counted once the queue's lock (not re-entrant) is let go.
                if overflow is not None and not self._spilled(record):
                    raise self._refuse(record, overflow)
                # On an agent's run path its short wait too: a refused write is journaled (fsync)
                # all the same (before 2026-12-07 ``finish()`` waited the queue's 5 s a run).
                self.drain(within=run_path_wait())
            return
        if self._journaling and not self._ending and self._spilled(record):
            return  # records journaled before it are written first: it follows them
        refused = full = wait = wake = False
        with self._queue_lock:
            if self._refusing:
                raise LibraryError(f"the library {self._location} is closed")
            if self._ending:
                wait = True
            elif len(self._queue) + self._inflight >= self.max_pending:
                refused = True
            else:
                self._queue.append(record)
                full = self._failed or len(self._queue) + self._inflight >= self.max_pending
                wake = not self._armed
                if _exited:
                    # Before 2026-12-07 it waited for a writer the ending interpreter never lets
                    # write: 3 of 3 episodes finished in a later exit handler lost, without a word.
                    full = True
                elif self._thread is None:
                    self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                    self._thread.start()
        if wait:
            # SIGTERM is writing the queue and the process ends when it is written: not accepted.
            self._lock.acquire()
            self._lock.release()
            raise self._refuse(record, LibraryError(
                f"{self._location}: the process is ending (SIGTERM); {self._not_recorded(record)}"))
        # The agent's thread (``finish()``) writes the queue itself below, as a reader does: a
        # store that refuses it now (another process's lock) costs it a moment, not the queue's wait.
        if refused:
            try:
                self.drain(briefly=True, within=run_path_wait())
            except LibraryError as exc:
                if self._spilled(record):
                    return
                full_error = LibraryError(f"{exc}; {self._not_recorded(record)} (the queue is full)")
                raise self._refuse(record, full_error) from None
            self.put(record)
            return
        if wake:
            self._wake.set()
        if full or self._dropped:
            # The writer is behind, or failing, or gone (exit): this caller writes, and hears why.
            self.drain(briefly=not _exited, within=None if _exited else run_path_wait())

    @property
    def _journaling(self) -> bool:
        return self._journal is not None and self._journal.pending

    @property
    def journaled(self) -> bool:
        """Whether records wait in the spill journal to be written back."""
        return self._journaling

    def _spilled(self, record: T) -> bool:
        """Whether `record` went to the journal (the writer thread woken to write it back)."""
        # On disk (fsync) at once with "sync"; else by the thread after its linger, as "batched" commits are.
        if self._journal is None or not self._journal.append(record, sync=self.sync):
            return False
        if not self.sync:
            self._wake_writer()
        return True

    def _wake_writer(self) -> None:
        """Have the writer thread (started if gone) write the queue and the journal."""
        with self._queue_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
        self._wake.set()

    def _replay(self, *, background: bool = False) -> None:
        """Write what the journal holds (the queue written first): a caller with the lock held; the
        writer thread (`background`) without, each chunk with it (`skillevo._replay_turn`)."""
        journal = self._journal
        if journal is None or not journal.pending:
            return
        if background:
            self._turn.in_background(lambda hold: self._replay_held(journal, hold, background=True))
            return
        probing, until = self._probing, self._until  # (others' drains run while it waits: kept)
        if not self._turn.take(self._until):
            raise LibraryError(f"{self._location}: the journal is being written back; it keeps its records")
        self._probing, self._until = probing, until
        self._replay_held(journal, lambda step: step(), background=False)

    def _replay_held(self, journal: Journal[T], hold: Callable[[Callable[[], Any]], Any], *, background: bool) -> None:
        """`_replay`'s write of `journal`, each chunk and the outcome through `hold` (it holds the lock)."""
        try:
            written = journal.replay(lambda part: hold(lambda: write_each(
                part, lambda rs: self._write_whole(rs, background), self._refused, self._drop)))
        except HandedOver:
            raise
        except BaseException as exc:
            hold(lambda: setattr(self, "_stalled", True))
            if not isinstance(exc, Exception):
                raise
            held = " and ".join(f"{n} {k}s" for k, n in journal.held_counts().items()) or "journaled records"
            raise LibraryError(f"{self._location}: {held} could not be written ({one_line(exc)}); "
                               f"they stay queued, in the journal {journal.folder}") from None
        hold(self._written)
        if written:
            _log.warning("skillevo: %s: %d journaled records were written", self._location, written)

    def _written(self) -> None:
        self._failed = self._stalled = False

    def drain(self, *, briefly: bool = False, until: float | None = None, within: float | None = None) -> None:
        """Write every queued record now, in the caller's thread. Raises `LibraryError` if the store
        refuses the write (the records stay queued then), or if records were dropped.
        `briefly`: a reader's drain: while the store refuses the queue (`failing`, also when that is
        learnt while it waited for the lock) it tries with `probe`, which waits for no other
        process's lock (a store that takes writes again is written at once; one that still
        refuses costs the reader no wait). `until`: a `time.monotonic()` deadline the exit's writes
        share; another process's lock is waited for until then at most (the queue refused: journaled).
        `within`: an agent's run path (`skillevo._lock_pause`): another process's lock is waited for
        `within` seconds at most, and the journal is left to the writer thread (woken for it):
        replayed on the run path, it waited the library's whole lock wait (5 s a run, before 2026-12-07)."""
        # The common case, without taking a lock; a batch the thread is writing is waited for (a
        # caller refused by a full queue drains, then queues again).
        if not self._queue and not self._inflight and not self._dropped and not self._journaling:
            return
        if within is not None:
            until = time.monotonic() + within if until is None else min(until, time.monotonic() + within)
        with self._lock:
            self._probing, self._until = briefly and self._probe is not None and self.failing, until
            try:
                batch = self._take()
                while batch and self._write_batch(batch):  # (a head written: the rest, at the queue's head)
                    batch = self._take()
                if within is None or self.sync:  # (no writer thread to leave the journal to)
                    self._replay()
            finally:
                self._probing, self._until = False, None
                if within is not None and self._journaling and not self.sync:
                    self._wake_writer()
            self._raise_dropped()

    def _write_batch(self, batch: list[T], *, background: bool = False) -> bool:
        """Write `batch` (the lock held); on failure put it back at the head of the queue.
        `background`: the thread's write (see `background` in the class's arguments). True: only
        a head of it was written (its build took long), the rest is back at the queue's head."""
        rest: list[T] = []
        try:
            rest = self._write_batch_once(batch, background)
        finally:
            with self._queue_lock:
                self._queue[:0] = rest
                self._inflight = 0
        return bool(rest)

    def _write_whole(self, records: list[T], background: bool = False) -> None:
        """`write` of all `records`, however many writes their build takes (a journal's part)."""
        while records:
            records = self._write_tried(records, background) or []

    def _write_tried(self, records: list[T], background: bool = False) -> list[T] | None:
        """`write`, tried again while the database aborts it before it took effect (bounded)."""
        write = self._probe if self._probing and self._probe is not None else self._write
        if background and self._background is not None and not self._probing:
            write = self._background
        until, capped = self._until, self._capped
        if until is not None and capped is not None and not self._probing:
            return retry_aborted(lambda: capped(records, max(0.0, until - time.monotonic())), self._aborted)
        return retry_aborted(lambda: write(records), self._aborted)

    def _write_batch_once(self, batch: list[T], background: bool) -> list[T]:
        try:
            rest = self._write_tried(batch, background) or []
            self._failed = self._stalled = False
            self._report_refused()
            return rest
        except BaseException as exc:
            if self.sync and len(batch) == 1 and self._refused(exc):
                raise self._error(exc, batch) from None  # its content refused: told to its caller, not kept
            if not self._refused(exc):
                raise self._requeued(exc, batch) from None
        # Some record's content was refused: write them one by one, drop only those refused.
        for i, record in enumerate(batch):
            try:
                self._write_whole([record], background)
            except BaseException as exc:
                if self._refused(exc):
                    self._drop(exc, record)
                    continue
                raise self._requeued(exc, batch[i:]) from None
        self._failed = self._stalled = False
        self._report_refused()
        return []

    def _refused(self, exc: BaseException) -> bool:
        """Whether `exc` refuses a record's content (it is dropped alone), not the write: one of
        `poison`, or an error that is no store's (a record the writer cannot serialise fails with
        AttributeError, say). Kept queued, such a record would fail every later batch behind it."""
        if isinstance(exc, self._poison):
            return True
        # Memory running out says nothing of the record: it stays queued for a later write.
        return isinstance(exc, Exception) and not isinstance(exc, (*self._errors, MemoryError))

    def _requeued(self, exc: BaseException, batch: list[T]) -> BaseException:
        """`batch`, refused by the store, back at the queue's head, the queue moved to the journal: the error."""
        with self._queue_lock:
            self._queue[:0] = batch
            waiting = list(self._queue)
        self._stalled = True  # the store refuses the write now: see `failing`
        journaled = self._spill_queue()
        error = self._error(exc, waiting, kept=True)
        if journaled and self._journal is not None and isinstance(error, LibraryError):
            error = LibraryError(f"{error} ({journaled} on disk, in the journal {self._journal.folder})")
        return error

    def _spill_queue(self) -> int:
        """The store refuses writes (the lock held): move the queue to the journal, oldest first, where
        a process killed during the outage (SIGKILL) does not lose it; later records follow it there
        (`put`) until the store takes them. Not with ``sync`` (its caller hears the refusal). How many."""
        if self._journal is None or self.sync:
            return 0
        moved = 0
        # Only the writer (this thread, the lock held) takes from the head. Records queued while a
        # part is journaled (their `put` saw no journal yet) follow it there, not left in memory
        # until the next write (retry_s): before 2026-12-07 a SIGKILL lost them (4 of 6 runs).
        while True:
            with self._queue_lock:
                queued = list(self._queue)
            if not queued:
                return moved
            left = self._journal.extend(queued)
            with self._queue_lock:
                self._queue[: len(queued)] = left
            moved += len(queued) - len(left)
            if left:  # the journal refuses (full, unwritable): the rest stays queued
                return moved

    @property
    def failing(self) -> bool:
        """Whether the last write of the queue failed, its records kept (the store refuses writes
        now: another process's lock, a full disk, a lost connection). A reader that need not see
        them tries them once with `probe`, waiting for no other process's lock (`drain(briefly=True)`),
        and goes on without them if they are refused again; the next `put` and the background thread
        try again."""
        return (self._failed or self._stalled) and (bool(self._queue) or self._journaling)

    def _drop(self, exc: BaseException, record: T) -> None:
        message = f"{self._location}: a {self._noun(record)} was refused by the store and dropped ({one_line(exc)})"
        _log.error("skillevo: %s", message)
        with self._queue_lock:
            self._dropped.append(message)

    def _refuse(self, record: T, error: LibraryError) -> LibraryError:
        """Count `record`, refused unqueued (the queue full, or the process ending), and return
        `error`. The caller hears it, but an adapter logs a store error once a minute (`_repeats`):
        the first refusal of a run is logged here, and the count when the store takes writes
        again (`_report_refused`) or at exit (`lost_report`), so every lost record is told."""
        noun = self._noun(record)
        with self._queue_lock:
            first = not self._unqueued
            self._unqueued[noun] = self._unqueued.get(noun, 0) + 1
        if first:
            _log.error("skillevo: %s; records are not recorded while the queue is full and the store refuses writes: "
                       "how many is logged when it takes writes again, or at exit", _writebehind_exit.shown(error))
        return error

    def _report_refused(self) -> None:
        """Log how many records were refused unqueued since the last report (the store takes writes again)."""
        text = self.lost_report()
        if text:
            _log.error("skillevo: %s: %s", self._location, text)

    def lost_report(self) -> str:
        """How many records were refused unqueued and not reported yet ("3 recorded episodes were
        not recorded (the queue was full; they are lost)"), now reported; "" if none."""
        with self._queue_lock:
            refused, self._unqueued = self._unqueued, {}
        if not refused:
            return ""
        counts = " and ".join(f"{n} {noun}s" for noun, n in refused.items())
        return f"{counts} were not recorded (the queue was full; they are lost)"

    def _raise_dropped(self) -> None:
        with self._queue_lock:
            dropped, self._dropped = self._dropped, []
        if dropped:
            more = f" (and {len(dropped) - 1} more)" if len(dropped) > 1 else ""
            raise LibraryError(dropped[0] + more + "; the other records were written")

    def _not_recorded(self, record: T) -> str:
        return f"this {self._noun(record).removeprefix('recorded ')} was not recorded"

    def _error(self, exc: BaseException, records: list[T], *, kept: bool = False) -> BaseException:
        if not isinstance(exc, Exception):
            return exc
        reason = one_line(exc)
        if not kept:
            return LibraryError(f"{self._location}: the {self._noun(records[0])} could not be written ({reason})")
        text = f"{self._location}: {counted(self._noun, records)} could not be written ({reason})"
        return LibraryError(text + _writebehind_exit.KEPT)

    def close(self, then: Callable[[], None]) -> None:
        """Refuse further records, write what is queued, call `then()` (the owner's close, with the
        lock held) and end the thread. If the write fails, records are taken again and the
        `LibraryError` propagates, `then` not called."""
        reported: LibraryError | None = None
        with self._lock:
            with self._queue_lock:
                self._refusing = True
            try:
                self.drain()
            except BaseException as exc:
                # Journaled records it could not write keep it open too: close again retries.
                if self._queue or self._journaling or not isinstance(exc, LibraryError):
                    with self._queue_lock:
                        self._refusing = False
                    raise
                reported = exc  # only dropped records were reported: the rest is written, close goes on
            then()
        self._end_thread()
        if reported is not None:
            raise reported

    def _end_thread(self) -> None:
        with self._queue_lock:
            self._stopped.set()
            thread = self._thread
        self._wake.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5.0)
        _LIVE.discard(self)  # type: ignore[arg-type]

    def write_for_exit(self, timeout: float) -> None:
        """SIGTERM: write the queue within `timeout` (or journal it) and keep the owner's lock until
        the process ends (a record made meanwhile waits and is refused, not queued to be lost)."""
        deadline = time.monotonic() + max(timeout, 0.0)
        if not self._lock.acquire(timeout=max(timeout, 0.0)):
            _writebehind_exit.print_busy(self, "on SIGTERM")
            _writebehind_exit.print_refused(self)
            return
        with self._queue_lock:
            self._ending = True
        try:
            self.drain(until=deadline)
        except Exception as exc:
            print(_writebehind_exit.refused_report(self, exc, "on SIGTERM"), file=sys.stderr)
        _writebehind_exit.print_refused(self)

    def _run(self) -> None:
        while not self._stopped.is_set():
            if not self._wake.wait(self.idle_s):
                with self._queue_lock:
                    if not self._queue and not self._wake.is_set() and not self._journaling:
                        self._thread = None
                        return
                continue
            with self._queue_lock:
                self._wake.clear()
                self._armed = True
            # A batch only partly written (its build took long) goes on after a moment, not a linger:
            # the moment lets a thread woken for the lock (a read, the SIGTERM flush) take it.
            if self._stopped.wait(_BETWEEN_CHUNKS_S if self._more else self.linger_s):
                return
            self._more = False
            if self._journal is not None:
                self._journal.sync()
            try:
                with self._lock:
                    with self._queue_lock:
                        self._armed = False  # what is queued from now on wakes it again
                    batch = self._take()
                    if batch and self._write_batch(batch, background=True):
                        # The rest after the lock is let go: the agent's reads and a SIGTERM
                        # flush waiting for it get it between two chunks of a slow batch.
                        self._more = True
                        self._wake.set()
                self._replay(background=True)  # (the lock held chunk by chunk)
            except Exception:  # kept queued; the next caller writes it and hears why
                self._failed = True
                if self._stopped.wait(self.retry_s):
                    return
                self._wake.set()


#: the exit hook has run: a record queued later (an exit handler registered before skillevo was
#: imported runs after the hook) is written by its caller (`put`): no thread writes it any more
_exited: list[bool] = []


@atexit.register
def _at_exit() -> None:
    _exited[:] = [True]
    _drain_all()


def _drain_all() -> None:
    """At interpreter exit, write what is still queued (daemon threads die without finishing), all
    queues against one deadline (before 2026-12-07 each waited 5 s in turn for another's lock)."""
    deadline = time.monotonic() + EXIT_WAIT_S
    for queue in list(_LIVE):
        try:
            queue.drain(until=deadline)
        except Exception as exc:
            # The process is ending: what could not be written is lost, whatever the error says of
            # a queue that outlives it (unless its journal keeps it).
            print(_writebehind_exit.refused_report(queue, exc, "at exit"), file=sys.stderr)
        _writebehind_exit.print_refused(queue)


# The fork hooks (`skillevo._writebehind_fork`), once both of what they use are defined above.
_writebehind_fork.install(_LIVE, _drain_all)
