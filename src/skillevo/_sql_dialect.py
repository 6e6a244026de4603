"""What one SQL database does its own way, behind one small interface (`Dialect`).

`skillevo._sql_store.SQLStore` writes the store once, against this: statements are written with
``?`` placeholders and the dialect rewrites them (`sql`), JSON values are encoded by it (`json`),
and it owns the connections: how a read and a transaction are opened, savepoints, single
statements that commit alone, multi-row inserts and event ids. Migrations stay with each backend
(their DDL differs in types), written from one template (`skillevo._sql_schema`).
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any, ClassVar

from ._errors import LibraryError
from ._sanitize import clean_text

__all__ = ["Dialect", "EventRow", "Statement", "TransactionAborted"]

#: A statement with ``?`` placeholders and its parameters.
Statement = tuple[str, tuple[Any, ...]]
#: An events row as written: (ts, kind, episode_id, tool, version_id, data).
EventRow = tuple[Any, ...]


class TransactionAborted(LibraryError):
    """The database aborted a write transaction before it took effect (a deadlock, a serialization
    failure): running it again may succeed. The store does, a bounded number of times."""


class Dialect(ABC):
    """One database's connections and SQL spelling, for `SQLStore`.

    A connection handed out by `reading`, `writing` or `savepoint` has ``execute(sql, params)``
    returning a cursor (``fetchone``, ``fetchall``, ``rowcount``) whose rows are read by column
    name; statements passed to it have already been through `sql`.
    """

    #: the dialect's name for `skillevo._learning_sql` (``"sqlite"`` or ``"postgres"``)
    name: ClassVar[str]
    #: appended to a SELECT that reads a row the transaction then writes (a row lock where needed)
    for_update: ClassVar[str]
    #: appended to a sub-SELECT whose row a write is conditioned on (a shared row lock where needed)
    for_share: ClassVar[str]
    #: an SQL expression: the database's clock, in seconds since the epoch (what ages write keys:
    #: no one writer's clock, which may have jumped, decides which keys are old; `_sql_batch`)
    clock: ClassVar[str]
    #: whether one statement can write two tables (PostgreSQL's writable ``WITH``)
    writable_cte: ClassVar[bool]
    #: what the driver raises when the database refuses a write (the queue keeps the records)
    errors: tuple[type[BaseException], ...]
    #: what the driver raises when a record's content is refused (that record alone is dropped)
    poison: tuple[type[BaseException], ...]
    #: the lock the write-behind queue holds while it writes a batch
    lock: threading.RLock
    #: SQL (one row, column ``value``) describing the transactions in flight now, or None where
    #: writers commit one at a time, in id order (an id taken is visible before any later one)
    writers_snapshot: ClassVar[str | None] = None
    #: SQL (one row, column ``value``, a parameter: a `writers_snapshot`) true once every
    #: transaction in flight at that snapshot, or started before it, has ended
    writers_done: ClassVar[str | None] = None

    def aborted(self, exc: BaseException) -> bool:
        """Whether `exc` (a driver error or `library_error`'s) means the database aborted the
        transaction before it took effect, for a reason another attempt may not meet."""
        return isinstance(exc, TransactionAborted)

    def lock_wait(self, exc: BaseException) -> bool:
        """Whether `exc` (a driver error) means a statement gave up waiting for a lock another
        session holds (`skillevo._lock_pause`)."""
        return False

    def text(self, value: str) -> str:
        """`value` with NUL and lone surrogates replaced by U+FFFD (`clean_text`): PostgreSQL refuses
        both and SQLite cannot bind a lone surrogate, so every backend stores text mended alike
        (a library copied from one to the other matches the same), and a lookup by a run's text
        finds what was stored from it."""
        return clean_text(value)

    def params(self, params: Sequence[Any]) -> tuple[Any, ...]:
        """`params` with every text parameter mended (`text`): a tool name, task or error text from
        a run never reaches the driver as something it refuses."""
        return tuple(self.text(p) if type(p) is str else p for p in params)

    @abstractmethod
    def sql(self, statement: str) -> str:
        """`statement`, written with ``?`` placeholders, in this driver's parameter style."""

    @abstractmethod
    def json(self, value: Any) -> Any:
        """`value` as the parameter of a JSON column, serialised now (a snapshot of it)."""

    def json_text(self, text: str) -> Any:
        """The parameter of a JSON column whose value `json` serialised to `text` (a journaled row's)."""
        return text

    @abstractmethod
    def content_key(self, strategy: Any) -> Statement:
        """The SQL expression of a version's content digest and its parameters."""

    @abstractmethod
    def guard(self) -> AbstractContextManager[Any]:
        """Held around a whole read or transaction (SQLite: its one connection's lock)."""

    @abstractmethod
    def reading(self, *, pipelined: bool = False) -> AbstractContextManager[Any]:
        """A connection to read on (outside any transaction of this thread); `pipelined`: the
        statements sent on it before their rows are fetched travel together (one round trip)."""

    @abstractmethod
    def select(self, statement: str, params: Sequence[Any]) -> list[Any]:
        """The rows of one SELECT run on its own (outside any transaction of this thread)."""

    @abstractmethod
    def writing(self, *, pipelined: bool = False) -> AbstractContextManager[Any]:
        """A connection in a new transaction: committed when the block ends, rolled back if it
        raises. `pipelined`: the statements need no answer until the end (one round trip)."""

    @abstractmethod
    def waiting_at_most(self, seconds: float) -> AbstractContextManager[None]:
        """Inside the block a transaction waits at most `seconds` for a lock another connection
        holds before it fails (the caller holds the guard)."""

    def run_path_waits(self, seconds: float) -> AbstractContextManager[None]:
        """Inside the block a read on an agent's run path waits at most `seconds` for a lock (the
        caller holds the guard); the bound may stay set after it, until `own_waits`."""
        return self.waiting_at_most(seconds)

    def own_waits(self) -> None:
        """What the caller (holding the guard) runs next waits the library's own lock wait, unless
        a `waiting_at_most` block it is in bounds it."""
        return None  # (a bound `run_path_waits` sets ends with its block here)

    @abstractmethod
    def savepoint(self, conn: Any, depth: int) -> AbstractContextManager[None]:
        """A savepoint inside the open transaction of `conn` (the `depth`-th nested one)."""

    @abstractmethod
    def autocommit(self, statement: Statement) -> list[Any]:
        """Run one statement that is atomic alone, committing it at once (no BEGIN/COMMIT); its
        rows, if it returns any."""

    def events_statement(
        self, episode: tuple[Any, ...] | None, events: Sequence[EventRow], counters: Sequence[Statement]
    ) -> Statement | None:
        """One statement, in this driver's SQL, that writes an episode row (if any), its events and
        their version counters, atomic alone and returning the events' ids; None where the
        database cannot (the store then writes them in a transaction)."""
        return None

    @abstractmethod
    def library_error(self, exc: BaseException, *, writing: bool) -> BaseException | None:
        """The `LibraryError` to raise for a driver error, or None to let `exc` through as it is."""

    @abstractmethod
    def insert_rows(self, conn: Any, statement: str, width: int, rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert many rows with `statement` (one ``VALUES`` row of `width` ``?``) at once."""

    @abstractmethod
    def insert_events(self, conn: Any, rows: Sequence[EventRow]) -> Callable[[], list[int]]:
        """Insert event rows; returns what reads their ids once the transaction has run."""

    @abstractmethod
    def after_load(self, conn: Any) -> None:
        """Bring id sequences past the ids a bulk load copied."""

    @abstractmethod
    def close(self) -> None:
        """Close the connection(s). Called once."""
