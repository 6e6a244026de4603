"""Instance data in tool text: the tokens of a message that belong to one record, and a mask for them.

An error message mixes its class ("order not found") with one customer's data ("W6067464",
"Alice Moreau", "415-555-0100"). `message_data` picks the data out by form, not by a list: a token
holding two digits or more, or a word capitalised inside a sentence. `mask_data` replaces those
and the values of the call's arguments, so a text shown in a report keeps its class and loses
the customer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ._untrusted import clean_text

__all__ = ["mask_data", "message_data"]

#: A word of an error message that is data: holding two digits or more ("W6067464", "555-0100"),
#: or capitalised (not all capitals) after a sentence's first word (a name, a street, a city).
_TOKEN = re.compile(r"[\w#@+.\-/:]+")
_SENTENCE_END = frozenset(".!?:;\n")


def message_data(message: str) -> list[str]:
    """The tokens of an error message that are instance data: two digits or more, or a capitalised
    word inside a sentence (all-capital codes and formats such as ``USD`` or ``YYYY-MM-DD`` excepted)."""
    text = clean_text(message, 4000)
    out: list[str] = []
    for m in _TOKEN.finditer(text):
        token = m.group(0).strip(".:-/")
        if not token:
            continue
        if sum(c.isdigit() for c in token) >= 2:
            out.append(token)
            continue
        before = text[max(0, m.start() - 8) : m.start()].rstrip(" ")  # what precedes, spaces skipped
        starts_sentence = not before or before[-1] in _SENTENCE_END
        word = token.strip("#@+")
        # A capitalised word (``Moreau``); not an all-capital one, which is a code or a format
        # (``USD``, ``YYYY-MM-DD``), the tool's own vocabulary.
        if word[:1].isupper() and any(c.islower() for c in word) and not starts_sentence:
            out.append(word)
    return out


def mask_data(text: str, values: Iterable[Any] = ()) -> str:
    """`text` with its instance data (`message_data`) and every given value (whole tokens of three
    characters or more, any case) replaced by ``<value>``."""
    found = {str(v).strip() for v in values if isinstance(v, str | int | float) and not isinstance(v, bool)}
    found = {v for v in found if len(v) >= 3 or (v.isdigit() and len(v) >= 2)}
    found.update(t for t in message_data(text) if t)
    if not found:
        return text
    alternation = "|".join(re.escape(v) for v in sorted(found, key=len, reverse=True))
    return re.sub(rf"(?<![\w])(?:{alternation})(?![\w])", "<value>", text, flags=re.IGNORECASE)
