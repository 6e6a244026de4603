"""Whether a learned prefix or suffix is a format or the completion of one word.

``"48213"`` -> ``"ORD-48213"`` adds a format: a separator, or letters next to digits, set the added
text off from the value. ``"prod"`` -> ``"production"`` adds ``"uction"``: letters joined to letters
continue the word they touch, which holds for that word only (``"stage"`` would become
``"stageuction"``). Such an affix needs two corrections with different values, like a value map.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["completes_a_word"]


def _same_class(a: str, b: str) -> bool:
    return (a.isalpha() and b.isalpha()) or (a.isdigit() and b.isdigit())


def completes_a_word(op: str, text: str, values: Iterable[Any]) -> bool:
    """Whether adding `text` (``add_prefix`` / ``add_suffix`` `op`) to the failed `values` joins it to
    a letter or digit of the same kind, unconfirmed by two different values."""
    texts = [str(v) for v in values]
    if not texts or len(set(texts)) >= 2:
        return False
    value = texts[0]
    if not value:
        return False
    edge, join = (value[-1], text[0]) if op == "add_suffix" else (text[-1], value[0])
    return _same_class(edge, join)
