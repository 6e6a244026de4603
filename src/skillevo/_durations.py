"""Lengths of time written for people (``"90 minutes"``, ``"1h 30min"``, ``"PT1H30M"``), read as a
plain number of one unit.

A `CoerceArg` with a `duration` unit reads such a text as its length in that unit (`_repair`). It is
mined only when a correction maps the text to exactly that length (`_repair._value_transforms`):
the correction proves the unit the tool counts in, so ``"2 hours"`` is repaired to ``120`` where
``"90 minutes"`` was corrected to ``90``. Only fixed lengths are read: ISO 8601 days, hours, minutes
and seconds, and those unit words, and weeks (seven days: ``"2 weeks"``, ISO 8601 ``"P2W"``; before
2026-12-07 unread, so a tool counting days learned a value map of the weeks seen); months and years
(no fixed length) and a bare ``m`` (minutes, months or metres) are not durations here.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

__all__ = [
    "DURATION_UNITS",
    "as_iso_duration",
    "duration_regex",
    "duration_units",
    "iso_units",
    "read_duration",
    "written_duration_regex",
]

#: the units a duration is expressed in, with their length in seconds
DURATION_UNITS: dict[str, int] = {"s": 1, "min": 60, "h": 3600, "d": 86400}

_WORDS: dict[str, int] = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), 1),
    **dict.fromkeys(("min", "mins", "minute", "minutes"), 60),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 3600),
    **dict.fromkeys(("d", "day", "days"), 86400),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), 604800),
}
_NUM = r"\d{1,9}(?:\.\d{1,9})?"
_WORD_ALT = "|".join(sorted(_WORDS, key=len, reverse=True))
_ISO = re.compile(
    rf"[Pp](?:(?P<w>{_NUM})[Ww])?(?:(?P<d>{_NUM})[Dd])?"
    rf"(?:[Tt](?:(?P<h>{_NUM})[Hh])?(?:(?P<m>{_NUM})[Mm])?(?:(?P<s>{_NUM})[Ss])?)?"
)
_PART = re.compile(rf"\s*({_NUM})\s*({_WORD_ALT})(?![a-zA-Z])\s*,?\s*(?:and\s+)?", re.IGNORECASE)
_ISO_REGEX = rf"\s*[Pp](?:{_NUM}[Ww])?(?:{_NUM}[Dd])?(?:[Tt](?:{_NUM}[Hh])?(?:{_NUM}[Mm])?(?:{_NUM}[Ss])?)?\s*"
_WORDS_REGEX = rf"(?i:(?:\s*{_NUM}\s*(?:{_WORD_ALT})\s*,?\s*(?:and\s+)?)+)"


def _read(value: Any) -> tuple[Fraction, bool] | None:
    """The length `value` writes, in seconds, and whether the text can only be a length of time (ISO
    8601, a unit word, or several parts: ``"12h"`` alone may be another unit called h); None when
    it writes no duration."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    text = value.strip()
    iso = _ISO.fullmatch(text)
    if iso is not None:
        parts = [(iso.group(k), n) for k, n in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1))]
        if not any(p for p, _ in parts):
            return None  # "P" or "PT" alone
        return sum((Fraction(p) * n for p, n in parts if p), Fraction(0)), True
    total, pos, words = Fraction(0), 0, []
    for m in _PART.finditer(text):
        if m.start() != pos:
            return None
        total += Fraction(m.group(1)) * _WORDS[m.group(2).lower()]
        pos = m.end()
        words.append(m.group(2))
    if not words or pos != len(text):
        return None
    return total, len(words) > 1 or len(words[0]) > 1


def read_duration(value: Any, to: str, unit: str) -> int | float | None:
    """The length `value` writes (``"PT1H30M"``, ``"90 minutes"``, ``"1.5 hours"``) in `unit`, cast
    to `to` (``int`` or ``float``); None for any other value or a cast that would round."""
    read = _read(value)
    if read is None or unit not in DURATION_UNITS:
        return None
    length = read[0] / DURATION_UNITS[unit]
    if to == "int":
        return int(length) if length.denominator == 1 else None
    as_float = float(length)
    return as_float if Fraction(as_float) == length else None


def duration_units(bad: Any, good: Any) -> list[str]:
    """The units in which text `bad` is exactly the number `good` (one, or none: a correction that
    proves no unit, like a zero or a text that may be another unit, proves nothing)."""
    if isinstance(good, bool) or not isinstance(good, int | float) or good == 0:
        return []
    read = _read(bad)
    if read is None or not read[1]:
        return []
    to = "int" if isinstance(good, int) else "float"
    return [u for u in DURATION_UNITS if read_duration(bad, to, u) == good]


def duration_regex() -> str:
    """A full-match regex for the texts `read_duration` reads (a duration repair's precondition)."""
    return rf"{_ISO_REGEX}|{_WORDS_REGEX}"


#: the ISO 8601 designator of each unit, in the order ISO 8601 writes them
_ISO_DESIGNATOR = {"d": "D", "h": "H", "min": "M", "s": "S"}
_UNIT_OF = {1: "s", 60: "min", 3600: "h", 86400: "d"}
_PLAIN = re.compile(rf"\s*({_NUM})\s*")


def _iso(parts: list[tuple[str, str]]) -> str | None:
    """ISO 8601 for (number text, unit) parts, each unit once and largest first; None otherwise."""
    order = list(_ISO_DESIGNATOR)
    # ASCII digits only: ``\d`` also matches other scripts' digits (``٣٦``), and "nan"/"inf" are a
    # float's repr, not a number ISO 8601 writes; either rewritten is a duration no reader takes.
    if not all(n.isascii() and n.replace(".", "", 1).isdigit() for n, _ in parts):
        return None
    units = [u for _, u in parts]
    if len(set(units)) != len(units) or units != sorted(units, key=order.index):
        return None
    day = "".join(f"{n}D" for n, u in parts if u == "d")
    time = "".join(f"{n}{_ISO_DESIGNATOR[u]}" for n, u in parts if u != "d")
    return "P" + day + ("T" + time if time else "")


def as_iso_duration(value: Any, unit: str | None) -> str | None:
    """`value`, a length of time in unit words (``"36 hours"``, ``"1h 30min"``), rewritten in ISO 8601
    syntax with the same numbers and units (``"PT36H"``, ``"PT1H30M"``): a rewriting, no arithmetic,
    so nothing is rounded or re-counted. With `unit`, a plain number (``36``, ``"36"``) is that many
    `unit`. None for anything else (ISO 8601 already, months, a negative or zero plain number)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and unit is not None:
        value = repr(value) if isinstance(value, float) else str(value)
        if value in ("0", "0.0") or value.startswith("-") or "e" in value:
            return None
        return _iso([(value.removesuffix(".0"), unit)])
    if not isinstance(value, str) or len(value) > 64:
        return None
    plain = _PLAIN.fullmatch(value)
    if plain is not None:
        if unit is None or Fraction(plain.group(1)) == 0:
            return None
        return _iso([(plain.group(1), unit)])
    if _ISO.fullmatch(value.strip()):
        return None
    parts, pos = [], 0
    for m in _PART.finditer(value):
        if m.start() != pos:
            return None
        unit = _UNIT_OF.get(_WORDS[m.group(2).lower()])
        if unit is None:
            return None  # weeks: ISO 8601 writes no week next to other units, and days would be arithmetic
        parts.append((m.group(1), unit))
        pos = m.end()
    if not parts or pos != len(value):
        return None
    return _iso(parts)


def iso_units(bad: Any, good: Any) -> list[str | None]:
    """How a correction of `bad` to the ISO 8601 duration `good` rewrites it: ``[None]`` for a length
    in unit words, ``[u]`` for a plain number that is exactly `good` counted in u, ``[]`` otherwise."""
    if not isinstance(good, str) or not _ISO.fullmatch(good):
        return []
    if as_iso_duration(bad, None) == good:
        return [None]
    return [u for u in _ISO_DESIGNATOR if as_iso_duration(bad, u) == good]


def written_duration_regex(plain: bool) -> str:
    """A full-match regex for the texts `as_iso_duration` rewrites (a rewriting repair's precondition)."""
    return _WORDS_REGEX + (rf"|\s*{_NUM}\s*" if plain else "")
