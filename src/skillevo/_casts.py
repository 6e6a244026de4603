"""The plain casts a `CoerceArg` makes: to another JSON type, and between a list and one text of its items.

A list sent as one text (``"urgent, billing"`` for ``["urgent", "billing"]``) and the reverse (a
list where the tool takes ``"urgent, billing"``) are one habit of the caller for that argument. The
cast is mined only from corrections that split (or join) exactly at one separator (``_repair``):
whether ``"a1,a2"`` is two items or one item with a comma in it is for the tool's own corrections to
say (`_conform` never splits a text on its own). Split, each item is stripped of white space and an
empty item refuses the cast (``"a,,b"``: a lost item, or a typo?); joined, every item must be a text
that holds no separator (``["a,b", "c"]`` joined could not be split back).
"""

from __future__ import annotations

from typing import Any, Final

__all__ = ["SEPARATORS", "CastError", "cast", "join_items", "list_separators", "split_text", "text_separators"]

#: Separators a list may be written with as one text, as the cast stores them.
SEPARATORS: Final = (",", ";", "|", "\n", ", ", "; ", " | ", " ")
_TRUE: Final = frozenset({"true", "yes", "y", "1", "on"})  # switch words too: "on" corrected proves "off"
_FALSE: Final = frozenset({"false", "no", "n", "0", "off"})


class CastError(ValueError):
    """The value cannot be cast to that type."""


def cast(value: Any, to: str) -> Any:
    """`value` as ``int``, ``float``, ``str`` or ``bool`` (words of one truth value only); raises
    `CastError`."""
    try:
        if to == "int":
            return int(float(value)) if isinstance(value, str) and "." in value else int(value)
        if to == "float":
            return float(value)
        if to == "str":
            return value if isinstance(value, str) else str(value)
        if isinstance(value, str):
            low = value.strip().lower()
            if low in _TRUE:
                return True
            if low in _FALSE:
                return False
            raise ValueError(value)
        return bool(value)
    except (TypeError, ValueError):
        raise CastError(f"cannot cast {value!r} to {to}") from None


def split_text(value: Any, separator: str) -> list[str] | None:
    """The items a text writes, split at `separator` and stripped; None for anything else (a value
    that is no text, an empty item)."""
    if not isinstance(value, str) or len(value) > 100_000:
        return None
    mark = separator.strip() or separator
    items = [part.strip() for part in value.split(mark)]
    return None if any(not item for item in items) else items


def join_items(value: Any, separator: str) -> str | None:
    """The items of a list of texts written as one text with `separator`; None when an item is no
    text, is empty, or holds the separator (it could not be told from two items)."""
    if not isinstance(value, list | tuple) or not value:
        return None
    mark = separator.strip() or separator
    if not all(isinstance(v, str) and v.strip() and mark not in v for v in value):
        return None
    return separator.join(value)


def list_separators(bad: Any, good: Any) -> list[str]:
    """The separators at which the text `bad` splits into exactly the items `good` (two at least)."""
    if not isinstance(bad, str) or not isinstance(good, list) or len(good) < 2:
        return []
    if not all(isinstance(g, str) for g in good):
        return []
    marks = dict.fromkeys(s.strip() or s for s in SEPARATORS)
    return [m for m in marks if split_text(bad, m) == good]


def text_separators(bad: Any, good: Any) -> list[str]:
    """The separators with which the items `bad` (two at least) join into exactly the text `good`."""
    if not isinstance(bad, list) or len(bad) < 2 or not isinstance(good, str):
        return []
    return [s for s in SEPARATORS if join_items(bad, s) == good]
