"""Numbers sent with a unit (``"48h"``, ``"3 days"``): read, matched, and cast without the unit.

A `CoerceArg` with a `unit` drops it (`_repair`); it is mined only when every correction of the
argument maps ``"<number><unit>"`` to that number (an identity scale, `_repair._value_transforms`).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["split_unit", "unit_regex", "without_unit"]

#: ``"<number><unit>"`` / ``"<number> <unit>"``: a plain decimal number, then a word of letters only.
_WITH_UNIT = re.compile(r"\s*([+-]?\d{1,15}(?:\.\d{1,15})?)\s*([^\W\d_]{1,16})\s*")


def split_unit(value: Any) -> tuple[str, str] | None:
    """``(number, unit)`` of a string ``"48h"`` or ``"3 days"``, else None."""
    if not isinstance(value, str):
        return None
    m = _WITH_UNIT.fullmatch(value)
    return (m.group(1), m.group(2)) if m else None


def unit_regex(unit: str) -> str:
    """A full-match regex for a number followed by `unit` (a unit repair's precondition)."""
    return r"\s*[+-]?\d+(?:\.\d+)?\s*" + re.escape(unit) + r"\s*"


def without_unit(value: Any, unit: str, to: str) -> int | float | None:
    """The number of ``"<number><unit>"`` cast to `to` (``int``/``float``); None for another unit,
    no number, or a cast that would round."""
    parts = split_unit(value)
    if parts is None or parts[1] != unit:
        return None
    number = float(parts[0])
    if to == "int":
        return int(number) if number.is_integer() else None
    return number
