"""Values made storable: what a record may carry that a database refuses, replaced at serialisation.

Tool output, error texts and arguments reach the store verbatim, and some of it cannot be stored:
PostgreSQL refuses NUL characters in text and in ``jsonb``, ``NaN`` and ``±Infinity`` in ``jsonb``,
and any lone UTF-16 surrogate (which Python strings may hold, UTF-8 may not); a 3,000-deep
structure overflows the JSON encoder's recursion. Rather than losing the record (and, in a batch,
the records written with it), the value is mended: NUL and lone surrogates become U+FFFD, a
non-finite float becomes ``null``, nesting deeper than `MAX_DEPTH` becomes the string ``"…"``, a
dict key JSON cannot hold (a tuple, any object) becomes its ``str`` (the keys JSON can hold are
written as JSON writes them: ``1`` -> ``"1"``, ``True`` -> ``"true"``, ``None`` -> ``"null"``).
The common case (nothing to mend) costs one ``json.dumps`` and one regex search.
"""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from typing import Any

__all__ = ["MAX_DEPTH", "clean_text", "clean_value", "json_text", "numeric_floats", "safe_str"]

#: Nesting kept in a stored JSON value; deeper levels are replaced by ``"…"``.
MAX_DEPTH = 64
#: Integers wider than this are written as a marker: Python refuses to print ints of more than
#: 4,300 digits (about 14,000 bits), and no tool argument needs one.
_MAX_INT_BITS = 4096

_REPLACEMENT = "\ufffd"
_SURROGATE = re.compile("[\ud800-\udfff]")
# In JSON text (ASCII, escaped): a NUL escape, or a surrogate escape that is not part of a pair.
_BAD_ESCAPE = re.compile(
    r"\\u0000|\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f][0-9a-f]{2})|(?<!\\ud[89ab][0-9a-f]{2})\\ud[c-f][0-9a-f]{2}", re.I
)


# In JSON text: a string (skipped whole) or a number written with a positive exponent.
_STRING_OR_BIG_FLOAT = re.compile(r'"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?[eE]\+?\d+')


def numeric_floats(text: str) -> str:
    """JSON `text` with each float written with a positive exponent (``1e+16``) spelled out with a
    fraction (``10000000000000000.0``): PostgreSQL's jsonb prints numbers without an exponent and
    keeps their scale, so ``1e+16`` would read back as an int and ``10000000000000000.0`` reads
    back as the float it was."""
    if "e+" not in text and "E+" not in text:
        return text
    return _STRING_OR_BIG_FLOAT.sub(_spelled_out, text)


def _spelled_out(match: re.Match[str]) -> str:
    token = match.group()
    if token.startswith('"'):
        return token
    return f"{Decimal(token):f}" + ("" if "." in f"{Decimal(token):f}" else ".0")


def clean_text(text: str) -> str:
    """`text` without NUL characters and lone surrogates (each replaced by U+FFFD)."""
    if "\x00" in text:
        text = text.replace("\x00", _REPLACEMENT)
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = _SURROGATE.sub(_REPLACEMENT, text)
    return text


def clean_value(value: Any, depth: int = 0) -> Any:
    """A JSON-able copy of `value` with every string cleaned, non-finite floats as None, depth bounded."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if value.bit_length() <= _MAX_INT_BITS else f"<int of {value.bit_length()} bits>"
    if depth >= MAX_DEPTH:
        return "…"
    if isinstance(value, dict):
        return {_key(k): clean_value(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_value(v, depth + 1) for v in value]
    return clean_text(safe_str(value))


def safe_str(value: Any, default: str | None = None) -> str:
    """``str(value)``, or `default` (``<TypeName>`` when not given) when the object's own
    ``__str__`` fails (a caller's object must never turn recording into an exception in the
    caller's tool call)."""
    try:
        return str(value)
    except Exception:
        return f"<{type(value).__name__}>" if default is None else default


def _key(key: Any) -> str:
    """A dict key as JSON writes it (so both paths of `json_text` agree), or its ``str``."""
    if isinstance(key, str):
        return clean_text(key)
    if key is None or isinstance(key, bool | float) or (isinstance(key, int) and key.bit_length() <= _MAX_INT_BITS):
        return json.dumps(key)
    return clean_text(safe_str(key))


def json_text(value: Any) -> str:
    """`value` as compact JSON text any store accepts (see the module docstring)."""
    try:
        text = json.dumps(value, allow_nan=False, separators=(",", ":"), default=safe_str)
    except (ValueError, TypeError, RecursionError):  # NaN/Infinity, a tuple key, too deep, or circular
        return json.dumps(clean_value(value), allow_nan=False, separators=(",", ":"))
    if _BAD_ESCAPE.search(text):
        return json.dumps(clean_value(value), allow_nan=False, separators=(",", ":"))
    return text
