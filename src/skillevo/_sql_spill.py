"""The SQL store's records as lines of the spill journal (`skillevo._spill`), and back.

A journaled record is the rows the store would write, already built and redacted: an episode row
and its event rows, with its write key (a record replayed twice is applied once). A `Deferred`
record's events are built (and redacted) by `build` first, as its writer would. JSON column values
that a driver wraps (PostgreSQL's ``Jsonb``) are kept as their text and wrapped again on reading.
A posterior update (a selector's outcome counts) is journaled with its write key too, as its
fields: replayed twice (a replay cut short, a file two processes took) it counts once.

A journal line is read as untrusted input: only what the queue itself journals is decoded, an episode
row and events of that episode whose kinds a run records (`JOURNALED_KINDS`), each read as the
store's readers read it (`episode_from_row`, `event_from_row`), or a posterior update
whose fields are of their types and in their ranges (`increment_arg`, as `increment_posterior`
checks). A decision (a review, a lifecycle move, a policy change, a training mark, a proposal) or an
event filed under another
episode is never written by a replay: the line is refused (skipped and reported), and the encoder
keeps no such record either, so the journal holds nothing its reader would refuse.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ._learning_sql import PosteriorIncrement
from ._models import EventKind
from ._sql_conn import Deferred, Queued, QueuedIncrement, Recorded
from ._sql_dialect import Dialect
from ._store_args import increment_arg
from ._store_common import episode_from_row, event_from_row

__all__ = ["JOURNALED_KINDS", "decoder", "encoder"]

_PLAIN = (str, int, float, bool, type(None))
_EPISODE_COLUMNS, _EVENT_COLUMNS = 9, 6
#: The event kinds a run records with its episode: the only ones a journal line may carry. The
#: others are decisions (approvals, activations, policy and training marks) no replay may make.
JOURNALED_KINDS = frozenset(k.value for k in (
    EventKind.TOOL_CALL, EventKind.TOOL_RESULT, EventKind.TOOL_ERROR, EventKind.REPAIR, EventKind.GUIDANCE,
    EventKind.SELECTION, EventKind.CREDIT, EventKind.SHADOW, EventKind.FEEDBACK,
))


def _is(value: Any, kind: str) -> bool:
    """Whether a journaled column `value` has the type `kind` names (JSON columns: text, or a
    driver's wrapped text as ``[text]``, that parses to the named JSON type)."""
    if kind in ("text", "text?"):
        return isinstance(value, str) or (kind == "text?" and value is None)
    if kind in ("number", "number?"):
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        return number or (kind == "number?" and value is None)
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if not isinstance(value, str):
        return False
    try:
        parsed = json.loads(value)
    except (ValueError, RecursionError):
        return False
    return isinstance(parsed, list if kind == "json list" else dict)


_EPISODE_NAMES = (
    "id", "task", "group_id", "policy_version", "started_at", "finished_at", "reward", "applied", "metadata",
)
_EVENT_NAMES = ("ts", "kind", "episode_id", "tool", "version_id", "data")
_EPISODE_TYPES = ("text", "text", "text?", "text?", "number", "number?", "number?", "json list", "json object")
_EVENT_TYPES = ("number", "text", "text", "text?", "text?", "json object")


def _checked(episode: Any, events: Any) -> None:
    """Raise TypeError unless `episode` and `events` are rows the queue journals (see the module),
    each column of the type the store's readers take: a row of other types, written, would make
    every later read of the library's episodes or events fail."""
    if not isinstance(episode, (list, tuple)) or len(episode) != _EPISODE_COLUMNS:
        raise TypeError("a journaled episode row has 9 columns")
    if not all(_is(v, t) for v, t in zip(episode, _EPISODE_TYPES, strict=True)):
        raise TypeError("a journaled episode row's columns are not of the episodes table's types")
    if not isinstance(events, (list, tuple)):
        raise TypeError("a journaled record's events are a list")
    for event in events:
        if not isinstance(event, (list, tuple)) or len(event) != _EVENT_COLUMNS:
            raise TypeError("a journaled event row has 6 columns")
        if event[1] not in JOURNALED_KINDS:
            raise TypeError(f"a {str(event[1])[:40]!r} event is not a record the queue journals")
        if event[2] != episode[0]:
            raise TypeError("a journaled event belongs to its record's episode")
        if not all(_is(v, t) for v, t in zip(event, _EVENT_TYPES, strict=True)):
            raise TypeError("a journaled event row's columns are not of the events table's types")
    # Read as the store's readers read the rows (JSON columns' content too: an episode's ``applied``
    # of numbers, written, made every later read of the library's episodes fail).
    try:
        episode_from_row(dict(zip(_EPISODE_NAMES, map(_text, episode), strict=True)))
        for event in events:
            event_from_row({"id": 0, **dict(zip(_EVENT_NAMES, map(_text, event), strict=True))})
    except Exception as exc:
        raise TypeError(f"a journaled row its store's readers refuse ({str(exc)[:200]})") from None


def _text(value: Any) -> Any:
    """A journaled column as the store holds it (a driver's wrapped JSON text as that text)."""
    return value[0] if isinstance(value, list) and len(value) == 1 else value


def _value(value: Any) -> Any:
    if isinstance(value, _PLAIN):
        return value
    text = getattr(value, "obj", None)  # a driver's JSON wrapper around the serialised text
    if isinstance(text, str):
        return [text]
    raise TypeError(f"a {type(value).__name__} value cannot be journaled")


def _row(row: tuple[Any, ...]) -> list[Any]:
    return [_value(v) for v in row]


_INCREMENT_FIELDS = {
    "key": "text", "arm": "text", "reward": "number", "decay": "number", "arm_decay": "number",
    "unwind": "unwind", "reset": "flag", "epoch": "int?", "key_epoch": "int?", "next_key_epoch": "int?",
    "unwind_epoch": "int?", "extra": "object",
}


def _increment(record: QueuedIncrement) -> Any:
    inc = record.increment
    fields = {name: getattr(inc, name) for name in _INCREMENT_FIELDS}
    fields["unwind"] = None if inc.unwind is None else list(inc.unwind)
    try:
        json.dumps(fields["extra"], allow_nan=False)
    except (TypeError, ValueError):
        return None  # stays queued: the journal keeps only what it reads back the same
    return {"p": fields, "t": record.at, "k": record.key}


def _field(name: str, kind: str, value: Any) -> Any:
    """`value`, a journaled update's field, if of its type (TypeError otherwise)."""
    if kind == "unwind" and value is not None:
        if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], str)):
            raise TypeError("a journaled update's unwind is [arm, reward]")
        return (value[0], _field(name, "number", value[1]))
    ok = {
        "text": isinstance(value, str),
        "number": isinstance(value, (int, float)) and not isinstance(value, bool),
        "flag": isinstance(value, bool),
        "int?": value is None or (isinstance(value, int) and not isinstance(value, bool)),
        "object": isinstance(value, dict),
        "unwind": value is None,
    }[kind]
    if not ok:
        raise TypeError(f"a journaled update's {name} is not of its type")
    return value


def _queued_increment(item: Any, key: str | None) -> QueuedIncrement:
    fields = item["p"]
    if not isinstance(fields, dict) or set(fields) != set(_INCREMENT_FIELDS):
        raise TypeError("a journaled posterior update has the fields of one")
    at = _field("time", "number", item["t"])
    kwargs = {name: _field(name, kind, fields[name]) for name, kind in _INCREMENT_FIELDS.items()}
    # The checks `increment_posterior` makes (rewards in [0, 1], finite factors): ConfigError, a ValueError.
    increment = increment_arg(PosteriorIncrement(**kwargs), PosteriorIncrement)
    return QueuedIncrement(increment, float(at), key)


def encoder(build: Callable[[Deferred], tuple[tuple[Any, ...], list[Any]]]) -> Callable[[Queued], Any]:
    """A queued record as a JSON-able object (None for one the journal does not keep)."""

    def encode(record: Queued) -> Any:
        if isinstance(record, QueuedIncrement):
            return _increment(record)
        row, events = build(record) if isinstance(record, Deferred) else (record.episode, record.events)
        encoded = {"e": _row(row), "v": [_row(e) for e in events], "k": record.key}
        try:
            _checked(encoded["e"], encoded["v"])
        except TypeError:
            return None  # refused as before: the reader would not write it
        return encoded

    return encode


def decoder(dialect: Dialect) -> Callable[[Any], Queued]:
    """The inverse of `encoder`, JSON values wrapped for `dialect`'s driver again."""

    def value(v: Any) -> Any:
        return dialect.json_text(v[0]) if isinstance(v, list) else v

    def decode(item: Any) -> Queued:
        key = item["k"]
        # The queue gives every record a key (`write_key`): one without is written unconditionally,
        # so a line copied (a file restored, copied into the folder) would be applied again.
        if not isinstance(key, str) or not key:
            raise TypeError("a journaled record carries its write key, a text")
        if "p" in item:
            return _queued_increment(item, key)
        _checked(item["e"], item["v"])
        return Recorded(tuple(value(v) for v in item["e"]), [tuple(value(v) for v in e) for e in item["v"]], key)

    return decode
