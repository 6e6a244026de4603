"""Whether a learned prefix or suffix is a format or the edit of one word.

``"48213"`` -> ``"ORD-48213"`` adds a format: a separator, or letters next to digits, set the added
text off from the value. ``"prod"`` -> ``"production"`` adds ``"uction"``: letters joined to letters
continue the word they touch, which holds for that word only (``"stage"`` would become
``"stageuction"``). The same holds for a removal: ``"cooling"`` -> ``"cool"`` cuts ``"ing"`` off a
word, and ``"overnight"`` -> ``"night"`` cuts ``"over"``: one word replaced by another (a synonym),
which as a rule would make ``"overcast"`` ``"cast"``. ``"SKU-10042"`` -> ``"10042"`` or
``"users_tmp"`` -> ``"users"`` cut at a separator, and ``"0042"`` -> ``"42"`` drops zero-padding
(no part of a number): formats. A minus sign added to or cut from a number (``"-500"`` ->
``"500"``) is no format either: it makes another number (a refund a charge), so one correction is
no rule (before 2026-12-07 it was: one compliance with "amounts must be positive" taught every later
negative amount to be sent as its opposite). A word's or a sign's edit needs two corrections with
different values, like a value map.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["edits_a_word"]


# A number's minus sign, as text writes it (ASCII hyphen-minus, the minus sign).
_MINUS = frozenset({"-", "\u2212"})


def _same_class(a: str, b: str) -> bool:
    return (a.isalpha() and b.isalpha()) or (a.isdigit() and b.isdigit())


def _joins_a_word(op: str, text: str, value: str) -> bool:
    """Whether `op` of `text` on `value` meets the value where a letter meets a letter (or a digit
    a digit): inside one word, not at its edge."""
    if not value or not text:
        return False
    if text.strip() in _MINUS and op in ("add_prefix", "remove_prefix"):
        number = value[len(text) :] if op == "remove_prefix" and value.startswith(text) else value
        return number[:1].isdigit() or number[:2].startswith(".")  # (a sign, not a separator)
    if op == "add_suffix":
        return _same_class(value[-1], text[0])
    if op == "add_prefix":
        return _same_class(text[-1], value[0])
    if op == "remove_suffix":
        kept = value[: len(value) - len(text)] if value.endswith(text) else ""
        return bool(kept) and _same_class(kept[-1], text[0])
    if op == "remove_prefix":
        kept = value[len(text) :] if value.startswith(text) else ""
        # (Leading zeros removed from digits are padding, not part of the number.)
        return bool(kept) and _same_class(text[-1], kept[0]) and not (set(text) == {"0"} and kept[0].isdigit())
    return False


def edits_a_word(op: str, text: str, values: Iterable[Any]) -> bool:
    """Whether adding or removing `text` (``add_prefix`` / ``remove_suffix`` ... `op`) on the failed
    `values` joins it to, or cuts it from, a letter or digit of the same kind, unconfirmed by two
    different values."""
    texts = [str(v) for v in values]
    if not texts or len(set(texts)) >= 2:
        return False
    return _joins_a_word(op, text, texts[0])

