"""Numbers written for people (``"48h"``, ``"3 days"``, ``"1,200"``, ``"$1,299.50"``, ``"P-0042"``):
read, matched, and cast to the plain number.

A `CoerceArg` with a `unit` (a word after the number, or a currency symbol on either side), a
`grouping` separator between groups of three digits, or a `prefix` before an id's number reads such
a text as its number (`_repair`). It
is mined only when every correction of the argument maps the text to exactly that number (an
identity scale, `readings` then `_repair._value_transforms`): whether ``"1,200"`` is twelve hundred or one point two
depends on who wrote it, and only the tool's own corrections say which.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from typing import Any

__all__ = [
    "GROUPINGS",
    "SIGNS",
    "cuts_fraction",
    "is_currency",
    "is_unit_word",
    "lost_zeros",
    "number_prefix",
    "number_regex",
    "pad_after",
    "padded_prefix",
    "read_number",
    "readings",
    "split_unit",
    "unit_regex",
]

#: Separators between groups of three digits (``1,200``, ``1.200``, ``1 200``, ``1'200``); the
#: decimal mark is ``,`` after a ``.`` grouping and ``.`` after any other.
GROUPINGS = (",", ".", " ", "'")

#: A unit written after a number: a word of letters (``h``, ``kg``, ``tablets``), maybe after a degree
#: sign (``°C``) and maybe per another word (``km/h``, ``g/L``). Read as written: ``°C`` is never
#: ``°F``, ``mi/h`` never ``km/h`` (a conversion changes the number, so only corrections say it).
_UNIT = r"(?:°\s?)?[^\W\d_]{1,16}(?:/[^\W\d_]{1,16})?"
_UNIT_WORD = re.compile(_UNIT)
#: ``"<number><unit>"`` / ``"<number> <unit>"``: a plain decimal number, then a unit.
_WITH_UNIT = re.compile(r"\s*([+-]?\d{1,15}(?:\.\d{1,15})?)\s*(" + _UNIT + r")\s*")


_TRAILING_WORD = re.compile(r"(?<=[\d\s])" + _UNIT + "$")


def is_unit_word(unit: str) -> bool:
    """Whether `unit` is a unit written after a number (`_UNIT`: letters, a degree sign before them, a
    ``/`` between two words)."""
    return len(unit) <= 34 and _UNIT_WORD.fullmatch(unit) is not None


def is_currency(unit: str) -> bool:
    """Whether `unit` is one currency symbol (``$``, ``€``, ``£``: Unicode category Sc)."""
    return len(unit) == 1 and unicodedata.category(unit) == "Sc"


def split_unit(value: Any) -> tuple[str, str] | None:
    """``(number, unit)`` of a string ``"48h"`` or ``"3 days"``, else None."""
    if not isinstance(value, str):
        return None
    m = _WITH_UNIT.fullmatch(value)
    return (m.group(1), m.group(2)) if m else None


def unit_regex(unit: str) -> str:
    """A full-match regex for a number followed by `unit` (a unit repair's precondition)."""
    return r"\s*[+-]?\d+(?:\.\d+)?\s*" + re.escape(unit) + r"\s*"


def _number_parts(grouping: str | None, grouped: bool = False) -> tuple[str, str]:
    """(integer part, decimal mark) regexes of a number grouped by `grouping` (or not grouped); the
    digits may stand ungrouped (``"950"``, ``"$12"``) unless `grouped`."""
    if grouping is None:
        return r"\d{1,15}", r"\."
    sep = re.escape(grouping)
    whole = rf"\d{{1,3}}(?:{sep}\d{{3}}){{1,4}}"
    return (whole if grouped else rf"(?:{whole}|\d{{1,15}})"), ("," if grouping == "." else r"\.")


@functools.lru_cache(maxsize=64)
def _number(grouping: str | None) -> re.Pattern[str]:
    whole, mark = _number_parts(grouping)
    return re.compile(rf"(?P<sign>[+-]?)(?P<int>{whole})(?:{mark}(?P<frac>\d{{1,15}}))?")


def number_regex(unit: str | None, grouping: str | None, prefix: str | None = None) -> str:
    """A full-match regex for the texts `read_number` reads with this unit, grouping and prefix: the
    unit required (a word after the number, a currency symbol before or after it), the prefix
    required; with neither, the grouping separator required (a plain ``"950"`` is another shape)."""
    if grouping is None and prefix is None and unit is not None and not is_currency(unit):
        return unit_regex(unit)  # (the form stored unit repairs carry)
    whole, mark = _number_parts(grouping, grouped=unit is None and prefix is None)
    number = rf"[+-]?{whole}(?:{mark}\d+)?"
    if prefix is not None:  # (an id's number has no sign: "P-42" behind "P" is no minus 42)
        number = rf"{re.escape(prefix)}\s*{whole}(?:{mark}\d+)?"
    if unit is None:
        return rf"\s*{number}\s*"
    u = re.escape(unit)
    if is_currency(unit):
        return rf"\s*(?:{u}\s*{number}|{number}\s*{u})\s*"
    return rf"\s*{number}\s*{u}\s*"


def read_number(
    value: Any, to: str, unit: str | None = None, grouping: str | None = None, prefix: str | None = None
) -> int | float | None:
    """The number a text like ``"1,200"``, ``"48 h"``, ``"$1,299.50"`` or ``"P-0042"`` writes, cast to
    `to` (``int`` or ``float``); None when the text has another unit, grouping or prefix, no number,
    or a cast that would round. With none of them, None (a plain cast is another op)."""
    if not isinstance(value, str) or (unit is None and grouping is None and prefix is None) or len(value) > 64:
        return None
    text = value.strip()
    if prefix is not None:
        if not text.startswith(prefix):
            return None
        text = text[len(prefix) :].lstrip()
        if not text[:1].isdigit():  # a sign after an id's prefix is no sign of its number ("P-42", "P--42")
            return None
    if unit is not None:
        if text.endswith(unit):
            text = text[: len(text) - len(unit)].rstrip()
        elif is_currency(unit) and text.startswith(unit):
            text = text[len(unit) :].lstrip()
        else:
            return None
    m = _number(grouping).fullmatch(text)
    if m is None:
        return None
    digits = m.group("int") if grouping is None else m.group("int").replace(grouping, "")
    frac = m.group("frac") or ""
    if to == "int":
        if frac.strip("0"):
            return None
        return int(m.group("sign") + digits)
    return float(f"{m.group('sign')}{digits}.{frac or '0'}")


#: The characters a number's sign is written with: a prefix of nothing else is a sign, not an id's.
SIGNS = "+-\u2212"
#: What stands before an id's number (``"P-0042"``, ``"#42"``, ``"INV 0042"``): no digit, at most 16.
_PREFIX = re.compile(r"(\D{1,16}?)\s*(?=\d)")


def number_prefix(bad: Any) -> str | None:
    """The text before the number of ``"P-0042"`` (``"P-"``), when the rest reads as a plain number;
    else None."""
    if not isinstance(bad, str) or len(bad) > 64:
        return None
    text = bad.strip()
    m = _PREFIX.match(text)
    if m is None or not m.group(1).strip(SIGNS + " ") or is_currency(m.group(1)):
        return None  # (a sign alone is no prefix: "-42" corrected to 42 drops a sign, not an id's label)
    prefix = m.group(1).rstrip()
    return prefix if read_number(text, "float", prefix=prefix) is not None else None


def readings(bad: Any) -> list[dict[str, str]]:
    """The ways a text may write a number for people, as `read_number`'s ``unit`` / ``grouping`` /
    ``prefix``, each one that parses, in the order a miner prefers them: a word unit after it
    (``"48h"``), a currency symbol at either end or a word after a grouped number with each grouping
    separator the text holds (``"$1,299.50"``, ``"1,200 km"``), a prefix before an id's number."""
    if not isinstance(bad, str) or len(bad) > 64:
        return []
    out: list[dict[str, str]] = []
    parts = split_unit(bad)
    if parts is not None:
        out.append({"unit": parts[1]})
    text = bad.strip()
    units: list[str | None] = [None]
    for end in (text[:1], text[-1:]):
        if end and is_currency(end):
            units.append(end)
    word = _TRAILING_WORD.search(text)
    if word is not None:  # "1,200 km"
        units.append(word.group(0))
    for unit in units:
        for grouping in (None, *GROUPINGS):
            # (a word unit alone is `split_unit`'s reading, above)
            shown = grouping in text if grouping is not None else unit is not None and is_currency(unit)
            if shown and read_number(bad, "float", unit, grouping) is not None:
                out.append({k: v for k, v in (("unit", unit), ("grouping", grouping)) if v is not None})
    prefix = number_prefix(bad)  # an id's number behind a fixed prefix ("P-0042" -> 42)
    if prefix is not None:
        out.append({"prefix": prefix})
    return out


#: an id written as a prefix of non-digits, then its number (``"E42"``, ``"POL-457"``)
_PREFIXED_ID = re.compile(r"(\D{1,16})(\d{1,64})")


def padded_prefix(bad: Any, good: Any) -> tuple[str, int] | None:
    """``(prefix, width)`` when `good` is `bad` with zeros inserted between its prefix and its number.

    ``"E42"`` -> ``"E0042"`` is ``("E", 4)``: the prefix and the number are kept, only the width
    changes, so the same edit fits every id of that prefix. Any other change (another number,
    another prefix, zeros taken away) is None.
    """
    if not isinstance(bad, str) or not isinstance(good, str):
        return None
    b, g = _PREFIXED_ID.fullmatch(bad), _PREFIXED_ID.fullmatch(good)
    if b is None or g is None or b.group(1) != g.group(1):
        return None
    short, full = b.group(2), g.group(2)
    if len(full) <= len(short) or full.lstrip("0") != short.lstrip("0") or not full.endswith(short):
        return None
    return g.group(1), len(full)


def pad_after(value: Any, prefix: str, width: int) -> Any:
    """`value` with the digits after `prefix` zero-padded to `width`; any other value as it is."""
    if not isinstance(value, str) or not value.startswith(prefix):
        return value
    digits = value[len(prefix) :]
    if not digits.isascii() or not digits.isdigit():
        return value
    return prefix + digits.rjust(width, "0")


def lost_zeros(bad: Any, good: Any) -> bool:
    """Whether `good` is the digits of the non-negative integer `bad` with leading zeros put back
    (``731`` -> ``"000731"``: an id with leading zeros that was sent as a number)."""
    if type(bad) is not int or bad < 0 or not isinstance(good, str) or not (good.isascii() and good.isdigit()):
        return False
    digits = str(bad)
    return len(good) > len(digits) and good.endswith(digits) and set(good[: len(good) - len(digits)]) == {"0"}


def cuts_fraction(value: Any) -> bool:
    """Whether a cast of `value` to an integer would cut a fraction off (``12.5``, ``"7.25"``, ``nan``)."""
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return False  # no number: the cast refuses it on its own
    return isinstance(value, float) and not (math.isfinite(value) and value.is_integer())
