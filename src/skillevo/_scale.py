"""A number written at another decimal scale: a percent for a fraction (``85`` for ``0.85``), units
for cents (``2411.11`` for ``241111``), thousands for units.

A scale changes a value's meaning, so it is never guessed from a schema or a name: it is mined only
from corrections that map the sent number to exactly that number times a power of ten (the agent's
own correction proves the mapping for that tool and argument; see docs/mining.md, semantic
safety). The learned edit keeps the decades the corrected values lay in (`decades`), and rescales
only a number outside them that lands inside them: a value already at the corrected scale (``1`` for
a fraction, ``0.5`` either way) is ambiguous and left as it is.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = ["MAX_SCALE", "decades", "rescale", "scales_between"]

#: Powers of ten a correction may prove (per cent and per mille, cents, thousands).
MAX_SCALE = 3
_SCALES = (-2, 2, -3, 3)


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    try:
        return Decimal(repr(value))
    except InvalidOperation:  # pragma: no cover - repr of a finite number always parses
        return None


def _as(value: Decimal, to: str) -> int | float | None:
    if to == "int":
        return int(value) if value == value.to_integral_value() else None
    return float(value)


def scales_between(bad: Any, good: Any) -> list[int]:
    """The powers of ten `k` with ``bad * 10**k == good`` exactly (as the decimals written), none for
    zeros or non-numbers (booleans included)."""
    b, g = _number(bad), _number(good)
    if b is None or g is None or b == 0 or g == 0:
        return []
    return [k for k in _SCALES if b.scaleb(k) == g]


def decades(values: list[Any]) -> tuple[float, float] | None:
    """The span of whole decades ``[10**lo, 10**hi]`` the magnitudes of `values` lie in (None for a
    zero or a non-number)."""
    exps = []
    for value in values:
        d = _number(value)
        if d is None or d == 0:
            return None
        exps.append(math.floor(math.log10(abs(float(d)))))
    return (10.0 ** min(exps), 10.0 ** (max(exps) + 1)) if exps else None


def rescale(value: Any, scale: int, within: tuple[float, float], to: str) -> int | float | None:
    """`value` times ``10**scale`` as `to` (``int`` or ``float``) when it lies outside `within` and the
    result inside; None otherwise (left as it is: already at the corrected scale, or at neither)."""
    d = _number(value)
    if d is None:
        return None
    lo, hi = within
    if lo <= abs(float(d)) <= hi:
        return None
    new = d.scaleb(scale)
    if not lo <= abs(float(new)) <= hi:
        return None
    return _as(new, to)
