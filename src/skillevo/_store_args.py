"""The store's public boundary: arguments checked, and stored rows read, as one-line library errors.

A wrong argument (a dict where an `Episode` goes, an unknown status, a reward that is no number)
is a `ConfigError` before anything is written or queued: a queued record the writer cannot write
would otherwise fail every later batch behind it. A stored row the models refuse is a
`LibraryError` naming the row (`stored`).
"""

from __future__ import annotations

import json
import math
import numbers
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import Enum
from typing import Any, TypeVar

from pydantic import ValidationError

from ._errors import ConfigError, LibraryError, SkillevoError

__all__ = [
    "ROW_ERRORS",
    "BadValue",
    "count_arg",
    "enum_arg",
    "events_arg",
    "increment_arg",
    "instance_arg",
    "key_arg",
    "location_arg",
    "number_arg",
    "seconds_arg",
    "seed_arg",
    "stored",
    "stored_choice",
    "write_key",
]

_E = TypeVar("_E", bound=Enum)
_T = TypeVar("_T")


def _shown(value: object) -> str:
    return f"{type(value).__name__} {str(value)[:40]!r}"


def instance_arg(name: str, value: object, cls: type[_T]) -> _T:
    """`value`, if it is a `cls`; else a `ConfigError` naming `name`."""
    if not isinstance(value, cls):
        raise ConfigError(f"{name}: expected a {cls.__name__} (got {type(value).__name__})")
    return value


def enum_arg(name: str, cls: type[_E], value: object) -> _E:
    """`value` as a member of `cls`; a `ConfigError` listing the members otherwise (not ValueError)."""
    try:
        return cls(value)
    except (ValueError, TypeError):
        choices = ", ".join(str(m.value) for m in cls)
        raise ConfigError(f"{name}: expected one of {choices} (got {_shown(value)})") from None


def write_key() -> str:
    """A write's key, made once by its caller (`SkillStore.save_episode`): 128 random bits, so no two
    writes of any process ever share one (an episode id and a counter would: two processes, or a
    restart, writing the same caller-chosen id)."""
    return os.urandom(16).hex()


def key_arg(key: object) -> str | None:
    """A write's key: None, or text of 1-200 characters; a `ConfigError` otherwise."""
    if key is None or (isinstance(key, str) and 0 < len(key) <= 200):
        return key
    raise ConfigError(f"key: expected text of 1 to 200 characters or None (got {_shown(key)})")


def number_arg(name: str, value: object) -> float:
    """`value` as a finite float; a `ConfigError` for a string, a bool, NaN or an infinity."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ConfigError(f"{name}: expected a number (got {_shown(value)})")
    number = float(value)
    if not math.isfinite(number):
        raise ConfigError(f"{name}: expected a finite number (got {value!r})")
    return number


def seed_arg(name: str, value: object) -> int | None:
    """A random seed: a non-negative int, or None (fresh entropy). numpy would take a bool as 0/1
    and fail on anything else only at the first draw, with its own error."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < 0:
        raise ConfigError(f"{name}: expected a non-negative int or None (got {_shown(value)})")
    return int(value)


def count_arg(name: str, value: object, least: int = 1) -> int:
    """A count (a pool size): an int >= `least`, not a bool or a number's text."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < least:
        raise ConfigError(f"{name}: expected an int >= {least} (got {_shown(value)})")
    return int(value)


def seconds_arg(name: str, value: object) -> float:
    """A duration in seconds: a finite number >= 0."""
    number = number_arg(name, value)
    if number < 0:
        raise ConfigError(f"{name}: expected seconds >= 0 (got {value!r})")
    return number


def location_arg(location: object) -> str:
    """A library location as text: a str or path, without NUL (the OS would refuse it)."""
    try:
        text = os.fspath(location)  # type: ignore[call-overload]
    except TypeError:
        raise ConfigError(f"location: expected a file path or a URL (got {type(location).__name__})") from None
    if not isinstance(text, str):
        raise ConfigError("location: expected a text path or a URL (got bytes)")
    if "\x00" in text:
        raise ConfigError("location: a path or URL cannot hold a NUL character")
    return text


def events_arg(events: object, event_cls: type) -> Sequence[Any]:
    """A sequence of `event_cls` (not a string, which iterates into characters). Another iterable (a
    generator) is read into a list once: checked here and then written, it was consumed by the
    check and the episode stored without its events."""
    if isinstance(events, str | bytes) or not isinstance(events, Iterable):
        raise ConfigError(f"events: expected a list of Event (got {type(events).__name__})")
    if not isinstance(events, Sequence):
        events = list(events)
    for event in events:
        instance_arg("events", event, event_cls)
    return events


def increment_arg(increment: Any, cls: type[_T]) -> _T:
    """A posterior update the queue's writer can write: text key and arm, rewards and decay factors
    in [0, 1] (checked before it is queued: queued, it would fail every batch behind it)."""
    inc = instance_arg("increment", increment, cls)
    for field in ("key", "arm"):
        if not isinstance(getattr(inc, field), str):
            raise ConfigError(f"increment.{field}: expected text (got {type(getattr(inc, field)).__name__})")
    rewards = [("reward", increment.reward)] + ([("unwind", increment.unwind[1])] if increment.unwind else [])
    for name, value in rewards:
        if not 0.0 <= number_arg(f"increment.{name}", value) <= 1.0:
            raise ConfigError(f"increment.{name}: expected a number in [0, 1] (got {value!r})")
    # A decay moves counts toward the prior, never past it nor away from it: a factor above 1
    # multiplies the evidence (one update promoting an arm), one below 0 makes alpha or beta
    # negative (a row every later read of the posteriors refuses).
    for name in ("decay", "arm_decay"):
        value = getattr(increment, name)
        if not 0.0 <= number_arg(f"increment.{name}", value) <= 1.0:
            raise ConfigError(f"increment.{name}: expected a factor in [0, 1] (got {value!r})")
    return inc


class BadValue(ValueError):
    """A stored value a check by hand refused; its message names the field, never the value."""


def stored_choice(field: str, kind: type[_E], value: object) -> _E:
    """`value` read as one of `kind`'s members; a `BadValue` naming `field` and the members this
    release knows otherwise (a newer release's value, or one edited by hand), never the value."""
    try:
        return kind(value)
    except ValueError:
        known = ", ".join(str(m.value) for m in kind)
        raise BadValue(
            f"{field}: not one this skillevo knows ({known}): a newer release's, or edited by hand"
        ) from None


def _reasons(exc: Exception) -> str:
    """Why a stored row did not read, without the stored value (it may be anything, a secret too)."""
    if isinstance(exc, BadValue):
        return str(exc)
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg']}" for e in exc.errors())
    if isinstance(exc, json.JSONDecodeError):
        return f"not JSON ({exc.msg})"
    return type(exc).__name__


#: What reading a row the models refuse raises (a `SkillevoError` among them goes through as it is);
#: JSON nested past the decoder's depth is a RecursionError, no ValueError.
ROW_ERRORS = (ValueError, TypeError, KeyError, AttributeError, RecursionError)


def stored(table: str, row: Mapping[str, Any], names: tuple[str, ...], read: Callable[..., _T], *args: Any) -> _T:
    """``read(*args)``, the reading of one stored row: a row the database holds but the models
    refuse (edited by hand, written by a broken tool, a disk fault) is a one-line `LibraryError`
    naming the row, not pydantic's or json's error; the other rows read as before."""
    try:
        return read(*args)
    except SkillevoError:
        raise
    except ROW_ERRORS as exc:
        ident = ", ".join(f"{n} {str(row[n])[:80]!r}" for n in names)
        raise LibraryError(f"a corrupt {table} row ({ident}): {_reasons(exc)}"[:400]) from None
