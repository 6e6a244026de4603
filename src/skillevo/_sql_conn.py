"""The connection side of the SQL store: one outermost transaction per thread, savepoints inside
it, the write-behind queue written before each read and write, driver errors as `LibraryError`.

`skillevo._sql_store.SQLStore` builds every store method on these; a `Dialect` opens the
connections and transactions themselves.
"""

from __future__ import annotations

import collections
import functools
import threading
from abc import abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any, Concatenate, NamedTuple, ParamSpec, TypeVar

from ._durability import Durability
from ._errors import LibraryError
from ._learning_sql import PosteriorIncrement
from ._lock_pause import RUN_PATH_WAIT_S, LockPause
from ._run_path import on_run_path
from ._skill_rows import UnreadableRows
from ._spill import Journal, journal_folder
from ._sql_dialect import Dialect, EventRow, Statement
from ._store import SkillStore
from ._store_common import DeferredEvents
from ._writebehind import WriteBehind, retry_aborted

__all__ = ["Deferred", "Queued", "QueuedIncrement", "Recorded", "SQLConnections", "retried"]

_P = ParamSpec("_P")
_R = TypeVar("_R")
_Store = TypeVar("_Store", bound="SQLConnections")


def retried(method: Callable[Concatenate[_Store, _P], _R]) -> Callable[Concatenate[_Store, _P], _R]:
    """A write method run again when the database aborted its transaction before it took effect (a
    deadlock, a serialization failure: `Dialect.aborted`), up to `ABORTED_ATTEMPTS` times in all.
    Inside a transaction of the caller's it runs once: the caller's transaction was aborted with
    it, and only the caller can run that again."""

    @functools.wraps(method)
    def run(self: _Store, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        if self._current() is not None:
            return method(self, *args, **kwargs)
        return retry_aborted(lambda: method(self, *args, **kwargs), self._d.aborted)

    return run


class Recorded(NamedTuple):
    """A queued episode row and its event rows, serialised when recorded, and the record's key."""

    episode: tuple[Any, ...]
    events: list[EventRow]
    key: str | None = None


class Deferred(NamedTuple):
    """A queued episode whose events are built and serialised by the thread that writes it (the
    queue's writer, off the agent's thread): its events are a snapshot nothing changes
    (`DeferredEvents`), redacted when built, before anything is written; its row is made with them
    from a snapshot of its fields (`recorded_episode`), or was made when recorded (a tuple)."""

    episode: tuple[Any, ...] | dict[str, Any]
    events: DeferredEvents
    episode_id: str
    key: str | None = None


class QueuedIncrement(NamedTuple):
    """A queued posterior update (``durability="batched"``) and the time it was made. It carries
    the epochs its evidence was gathered in, so the store drops it if the key or the arm has been
    reset since, by whichever process (`PosteriorIncrement.key_epoch`)."""

    increment: PosteriorIncrement
    at: float
    key: str | None = None


#: What the write-behind queue holds: an episode row and its event rows, serialised when recorded
#: (the queue never holds live objects), a `Deferred` one, or a posterior update; each with the
#: key that makes writing it again a no-op (None: written unconditionally).
Queued = Recorded | Deferred | QueuedIncrement


def _noun(record: Queued) -> str:
    """What a queued record is, in the queue's error messages."""
    return "posterior update" if isinstance(record, QueuedIncrement) else "recorded episode"


class SQLConnections(SkillStore):
    """The connection side of `SQLStore`: transactions, savepoints, the queue, closing."""

    location: str
    durability: Durability
    read_only: bool = False
    _d: Dialect
    _behind: WriteBehind[Queued]
    _local: threading.local
    _closed: bool
    #: write keys known committed, deleted by the queue's next batch (`_sql_batch`): its last
    #: batch's, and (`_saved`) those of direct saves
    _settled: list[str]
    _saved: collections.deque[str]
    #: whether a batch has deleted the keys past their retention yet (its first does)
    _pruned: bool
    #: the unreadable rows this store has warned about (`_skill_rows`)
    _unreadable: UnreadableRows

    def _open(self, dialect: Dialect) -> None:
        """Take `dialect`'s connections (the backend's constructor calls this before migrating)."""
        self._d = dialect
        self._local = threading.local()
        self._closed = False
        self._lock_pause = LockPause(self.location)
        self._settled, self._saved, self._pruned = [], collections.deque(), False
        self._unreadable = UnreadableRows()
        self._behind = WriteBehind(
            self._write_recorded, dialect.lock, self.location, dialect.errors,
            poison=dialect.poison, aborted=dialect.aborted, sync=self.durability == "sync", noun=_noun,
            probe=functools.partial(self._write_recorded, briefly=True),
            background=functools.partial(self._write_recorded, background=True),
            capped=lambda batch, wait_s: self._write_recorded(batch, at_most=wait_s),
            journal=self._new_journal(dialect),
        )

    def _new_journal(self, dialect: Dialect) -> Journal[Queued] | None:
        """The spill journal of the queue (`skillevo._spill`), or None (an in-memory library)."""
        from ._sql_spill import decoder, encoder

        # A reader cannot write it back; a server's schema is part of the key (one database, two libraries).
        folder = None if self.read_only else journal_folder(self.location, getattr(self, "schema", None))
        return None if folder is None else Journal(folder, encoder(self._deferred_rows), decoder(dialect), kind=_noun)

    @abstractmethod
    def _deferred_rows(self, record: Deferred) -> tuple[tuple[Any, ...], list[EventRow]]:
        """The rows of a `Deferred` record, built and redacted now."""

    @abstractmethod
    def _write_recorded(
        self, batch: list[Queued], *, briefly: bool = False, background: bool = False, at_most: float | None = None
    ) -> list[Queued]:
        """Write queued records in one transaction (the queue's writer); `briefly`: waiting for
        no lock another process holds (a read on the agent's path, while the store refuses the
        queue, must not wait for the refusal again); `background`: the queue's thread, waiting
        only a moment for such a lock (it holds the connection's lock meanwhile); `at_most`: the
        most seconds to wait for such a lock (the process's last writes share one deadline).
        Returns the records left for the next write (`skillevo._sql_batch.BUILD_CHUNK_S`)."""

    def flush(self) -> None:
        """Write the episodes `record_episode` has queued. Raises `LibraryError` if that fails (they
        stay queued)."""
        with self._d.guard():
            if not self._closed:
                self._behind.drain()

    def close(self) -> None:
        """Write what is queued and close the connection(s). Idempotent. If the queued episodes
        cannot be written it raises `LibraryError` and stays open (call it again to retry)."""
        self._behind.close(self._close_connection)

    def _close_connection(self) -> None:
        if not self._closed:
            self._closed = True
            self._d.close()

    def _writable(self) -> None:
        if self.read_only:
            raise LibraryError(f"{self.location} is open read-only (the file or its folder cannot be written)")

    @contextmanager
    def _outermost(
        self, *, writing: bool, queued_first: bool = True, translate: bool = True, posteriors: bool = True
    ) -> Iterator[None]:
        """Around a read or transaction that no transaction of this thread encloses: the dialect's
        guard, the queue written first (a process reads what it recorded; writes keep their order),
        driver errors that mean "the database refused" raised as `LibraryError`. A read that does
        not read posteriors (`posteriors` False) does not wait for a queue of posterior updates
        alone: it could not see them (a credit's lifecycle check reads the skill next)."""
        run = on_run_path()
        with self._d.guard():
            if self._closed:
                raise LibraryError(f"the library {self.location} is closed")
            if writing:
                self._writable()
            if run and not writing:
                self._lock_pause.check()  # (a lock held elsewhere met lately: no wait on the agent's path)
            if not run:
                self._d.own_waits()
            # A statement on the agent's path waits a short budget of its own for a lock, not the
            # library's (a write refused so: its records queued, its mining left for later);
            # the queue's own writes keep their bound (`waiting_at_most`).
            with self._d.run_path_waits(RUN_PATH_WAIT_S) if run else nullcontext():
                if (
                    queued_first
                    and self._behind
                    and (posteriors or not self._behind.holds_only(QueuedIncrement))
                ):
                    try:
                        # (On the run path: a short wait, the journal left to the writer thread.)
                        self._behind.drain(briefly=not writing, within=RUN_PATH_WAIT_S if run else None)
                        if run and writing and self._behind.journaled:
                            # Records the writer thread has yet to write back from the journal: a
                            # write now would go before them (writes keep their order). Refused at
                            # once: the run's records follow them there (`finish` queues its episode).
                            # (Not a record another thread queued since this drain: the queue is
                            # written after this write, as ever; refusing on it broke parallel runs.)
                            raise LibraryError(
                                f"{self.location}: journaled records wait to be written back first; "
                                "the run goes on without the library"
                            )
                    except LibraryError:
                        # A read goes on without the records the store refuses now (a full disk, a
                        # held lock): they stay queued and their writer was or will be told (`finish`,
                        # `flush`, `close`); a read on the agent's path must not fail in its place.
                        # Nothing kept (queued, or moved to the spill journal): the error is the only report.
                        if writing or not self._behind:
                            raise
                try:
                    yield
                except self._d.errors as exc:
                    if not writing and self._d.lock_wait(exc):
                        self._lock_pause.met_lock()
                    error = self._d.library_error(exc, writing=writing) if translate else None
                    if error is None:
                        raise
                    raise error from None

    def _current(self) -> Any:
        return getattr(self._local, "conn", None)

    def _in_transaction(self) -> bool:
        return self._current() is not None

    @contextmanager
    def _write(self, *, pipelined: bool = False, queued_first: bool = True, translate: bool = True) -> Iterator[Any]:
        """A write transaction, or a savepoint inside this thread's open one; rolls back on any
        exception."""
        current = self._current()
        if current is not None:
            depth = self._local.depth
            self._local.depth = depth + 1
            try:
                with self._d.savepoint(current, depth):
                    yield current
            finally:
                self._local.depth = depth
            return
        with (
            self._outermost(writing=True, queued_first=queued_first, translate=translate),
            self._d.writing(pipelined=pipelined) as conn,
        ):
            self._local.conn, self._local.depth = conn, 1
            try:
                yield conn
            finally:
                self._local.conn = None

    @contextmanager
    def _read(self, *, posteriors: bool = True, pipelined: bool = False) -> Iterator[Any]:
        """A connection to read on (this thread's transaction, if one is open); `posteriors`: see
        `_outermost`; `pipelined`: see `Dialect.reading`."""
        current = self._current()
        if current is not None:
            yield current
            return
        with self._outermost(writing=False, posteriors=posteriors), self._d.reading(pipelined=pipelined) as conn:
            yield conn

    def _select(self, statement: str, params: Sequence[Any] = (), *, posteriors: bool = True) -> list[Any]:
        """The rows of one SELECT (outside a transaction: on its own, no BEGIN/COMMIT)."""
        current = self._current()
        if current is not None:
            return list(current.execute(self._d.sql(statement), self._d.params(params)).fetchall())
        with self._outermost(writing=False, posteriors=posteriors):
            return self._d.select(self._d.sql(statement), self._d.params(params))

    def _run(self, statements: Sequence[Statement]) -> None:
        """Run `statements` atomically: a single one commits alone, several in one transaction."""
        if len(statements) == 1 and self._current() is None:
            with self._outermost(writing=True):
                self._d.autocommit((self._d.sql(statements[0][0]), self._d.params(statements[0][1])))
            return
        with self._write(pipelined=True) as conn:
            for statement, params in statements:
                conn.execute(self._d.sql(statement), self._d.params(params))

    def _run_one(self, statement: Statement) -> list[Any]:
        """One statement in the dialect's own SQL, atomic alone: committed at once (no BEGIN/COMMIT),
        or part of this thread's open transaction. Its rows."""
        statement = (statement[0], self._d.params(statement[1]))
        current = self._current()
        if current is not None:
            cur = current.execute(*statement)
            return list(cur.fetchall()) if cur.description is not None else []
        with self._outermost(writing=True):
            return self._d.autocommit(statement)

    def _x(self, conn: Any, statement: str, params: Sequence[Any] = ()) -> Any:
        return conn.execute(self._d.sql(statement), self._d.params(params))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes: all commit together, or none do if the block raises. Re-entrant."""
        with self._write():
            yield

    @property
    def schema_version(self) -> int:
        """The schema version of the open database."""
        rows = self._select("SELECT max(version) AS v FROM schema_version")
        return int(rows[0]["v"]) if rows and rows[0]["v"] is not None else 0
