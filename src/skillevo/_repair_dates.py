"""Dates in repairs: the formats a date re-format reads and writes, and which of them are ambiguous
(numeric day and month: ``03/04/2025`` reads two ways) until a correction shows the order."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from ._arg_paths import values_at
from ._errors import SkillevoError
from ._models import ArgCondition, ReformatDate

__all__ = [
    "DATE_FORMATS",
    "DateError",
    "adds_time_zone",
    "date_mapping_proven",
    "order_conditions",
    "order_guard",
    "parse_date",
    "swaps_day_and_month",
    "unambiguous_date_regex",
]

DATE_FORMATS = (
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d-%m-%Y",
    "%m-%d-%Y",
    "%Y/%m/%d",
    "%d.%m.%Y",
    "%Y%m%d",
    "%d %b %Y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%d %B %Y",
    "%Y-%m-%dT%H:%M:%S",
    "%m/%d/%y",
    "%d/%m/%y",
    # a date with its time of day (to the minute), as people and spreadsheets write one
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
    "%m/%d/%Y %H:%M",
    "%d/%m/%Y %H:%M",
)


class DateError(SkillevoError, ValueError):
    """A text that no date format given reads."""


def parse_date(text: str, fmt: str | None = None) -> dt.datetime:
    """Parse `text` with `fmt`, or with the common formats, which must all read it as one date.

    Without a format, ``03/04/2025`` fits day-first and month-first alike: taking the first format
    that fits (day-first) silently moved a US customer's March 4 to April 3, a date the tool accepts.
    Such a text is refused; a re-format that names its format reads it that format's way."""
    if fmt:
        try:
            return dt.datetime.strptime(text.strip(), fmt)
        except ValueError:
            raise DateError(f"cannot read {text!r} as a date") from None
    read: dt.datetime | None = None
    for f in DATE_FORMATS:
        try:
            parsed = dt.datetime.strptime(text.strip(), f)
        except ValueError:
            continue
        if read is not None and parsed != read:
            raise DateError(f"{text!r} reads as more than one date (its day and month either way)")
        read = read or parsed
    if read is None:
        raise DateError(f"cannot read {text!r} as a date")
    return read


def swaps_day_and_month(fmt: str) -> bool:
    """Whether a date format has numeric day and month fields (a value may read either way)."""
    return "%d" in fmt and "%m" in fmt


def date_mapping_proven(op: ReformatDate, pairs: Sequence[tuple[dict[str, Any], dict[str, Any]]]) -> bool:
    """Whether some corrected date shows which field is the day: one whose day and month differ.

    Semantic safety: a correction of ``05/05/2025`` fits day-first and month-first alike, and a
    rule learned from it alone would silently swap the fields of every later ``03/04/2025``.
    """
    if not swaps_day_and_month(op.from_format or ""):
        return True
    for bad, _ in pairs:
        for value in values_at(bad, op.arg):
            try:
                parsed = parse_date(str(value), op.from_format)
            except DateError:
                continue
            if parsed.day != parsed.month:
                return True
    return False


def order_guard(
    op: ReformatDate, pairs: Sequence[tuple[dict[str, Any], dict[str, Any]]]
) -> list[ArgCondition] | None:
    """The conditions a mined re-format needs so that it decides no order its corrections left open:
    none when its format has no numeric day and month, or when a corrected date read two ways
    (``06/11/2026`` -> ``2026-11-06``: the agent's order, shown); else dates whose day is above 12
    only. A correction of ``19/07/2026`` shows nothing about the order: that text reads one way, and
    a rule learned from it alone turned the same agent's ``06/11/2026`` (June 11) into November 6.
    A format whose other order no common format writes (``%d.%m.%Y``) reads one way, as `parse_date`
    reads it.
    None when no regex can say "day above 12" for the format (the repair is not learned)."""
    fmt = op.from_format or ""
    swapped = fmt.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")
    if not swaps_day_and_month(fmt) or swapped not in DATE_FORMATS:
        return []  # (no common format writes the other order: ``25.03.2026`` is day-first by convention)
    for bad, _ in pairs:
        for value in values_at(bad, op.arg):
            try:
                parsed = parse_date(str(value), fmt)
            except DateError:
                continue
            if parsed.day <= 12 and parsed.day != parsed.month:
                return []
    regex = unambiguous_date_regex(fmt)
    return None if regex is None else [ArgCondition(arg=op.arg, regex=regex)]


def order_conditions(conds: Sequence[ArgCondition], op: object) -> list[ArgCondition]:
    """The conditions among `conds` that keep a numeric day-and-month re-format `op` to dates whose
    day is above 12 (`order_guard`, or a transfer's guard). Such a condition holds after an error as
    before the call: "expected YYYY-MM-DD" says the date is not ISO, not which field is its day."""
    if not isinstance(op, ReformatDate) or (regex := unambiguous_date_regex(op.from_format or "")) is None:
        return []
    return [c for c in conds if c.arg == op.arg and c.regex == regex]


def unambiguous_date_regex(fmt: str) -> str | None:
    """A regex matching only dates of `fmt` whose day is above 12 (they read one way only); None
    when `fmt` has no numeric day and month."""
    if not swaps_day_and_month(fmt):
        return None
    parts = {
        "%d": r"(?:1[3-9]|2\d|3[01])",
        "%m": r"(?:0?[1-9]|1[0-2])",
        "%Y": r"\d{4}",
        "%y": r"\d{2}",
        "%H": r"\d{2}",
        "%M": r"\d{2}",
        "%S": r"\d{2}",
    }
    out = []
    for tok in re.findall(r"%[A-Za-z]|[^%]+", fmt):
        if tok.startswith("%"):
            if tok not in parts:
                return None
            out.append(parts[tok])
        else:
            out.append(re.escape(tok))
    return "".join(out)


#: A date and time written with no zone (ISO, ``T`` or a space between them).
_NAIVE_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?", re.ASCII)
#: A zone written after a time: ``Z``, a UTC offset, an abbreviation (``UTC``, ``CET``) or an IANA name.
_ZONE = re.compile(r"\s*(?:[Zz]|[+-]\d{2}(?::?\d{2})?|[A-Z]{2,5}|[A-Za-z]+/[A-Za-z_]+)", re.ASCII)


def adds_time_zone(bad: str, good: str) -> bool:
    """Whether `good` is the date-time `bad` with a time zone added. That zone is the task's data (the
    meeting's place), not a format: learned as a suffix from one correction, it would move every
    later time of every other zone to that one, and the tool would accept it."""
    return (
        good.startswith(bad)
        and _NAIVE_DATETIME.fullmatch(bad) is not None
        and _ZONE.fullmatch(good[len(bad) :]) is not None
    )
