"""The SQL store's records as lines of the spill journal (`skillevo._spill`), and back.

A journaled record is the rows the store would write, already built and redacted: an episode row
and its event rows, with its write key (a record replayed twice is applied once). A `Deferred`
record's events are built (and redacted) by `build` first, as its writer would. JSON column values
that a driver wraps (PostgreSQL's ``Jsonb``) are kept as their text and wrapped again on reading.
Posterior updates are not journaled: past the queue's cap they are refused and counted as before
(a selector's evidence, recomputed by later runs; an episode is the record a user owns).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._sql_conn import Deferred, Queued, QueuedIncrement, Recorded
from ._sql_dialect import Dialect

__all__ = ["decoder", "encoder"]

_PLAIN = (str, int, float, bool, type(None))


def _value(value: Any) -> Any:
    if isinstance(value, _PLAIN):
        return value
    text = getattr(value, "obj", None)  # a driver's JSON wrapper around the serialised text
    if isinstance(text, str):
        return [text]
    raise TypeError(f"a {type(value).__name__} value cannot be journaled")


def _row(row: tuple[Any, ...]) -> list[Any]:
    return [_value(v) for v in row]


def encoder(build: Callable[[Deferred], tuple[tuple[Any, ...], list[Any]]]) -> Callable[[Queued], Any]:
    """A queued record as a JSON-able object (None for one the journal does not keep)."""

    def encode(record: Queued) -> Any:
        if isinstance(record, QueuedIncrement):
            return None
        row, events = build(record) if isinstance(record, Deferred) else (record.episode, record.events)
        return {"e": _row(row), "v": [_row(e) for e in events], "k": record.key}

    return encode


def decoder(dialect: Dialect) -> Callable[[Any], Queued]:
    """The inverse of `encoder`, JSON values wrapped for `dialect`'s driver again."""

    def value(v: Any) -> Any:
        return dialect.json_text(v[0]) if isinstance(v, list) else v

    def decode(item: Any) -> Queued:
        key = item["k"]
        if key is not None and not isinstance(key, str):
            raise TypeError("a journaled write key is text")
        return Recorded(tuple(value(v) for v in item["e"]), [tuple(value(v) for v in e) for e in item["v"]], key)

    return decode
