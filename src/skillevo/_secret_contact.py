"""A person's contact details in text: e-mail addresses and phone numbers.

They are customer values, not credentials: the library keeps them in an episode's arguments and
errors like a name or an address, but text quoted into a prompt or a report hides them
(`redact_text(..., emails=True)`, which `quote_untrusted` asks for), so no model and no reader
of a report is shown how to reach a customer. A phone number is read in the forms people write
it: international (``+1 415 555 0199``, ``+49 30 901820``), with an area code in parentheses
(``(415) 555-0187``), or grouped by spaces, dots or dashes (``020 7946 0958``, ``06 12 34 56 78``,
``415.555.0142``). Dates, times, versions, IP addresses, amounts with thousands separators
(``1 000 000``) and ids without separators (``#W6067464``) are none.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["contact_hint", "contact_spans"]

_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")
# A candidate: starts a number (not inside a word, an id, a path or a decimal), runs over digits and
# the separators a phone is written with, ends on a digit not followed by more of a token. Bounded.
_PHONE = re.compile(r"(?<![\w+.\-/#:])[+(]?\d[\d ().\-]{5,22}\d(?![\w/]|[.\-:]\d)")
_HINT = re.compile(r"\d[\d ().\-]{5,}\d")
_DATE = re.compile(r"\d{4}[ ./\-]\d{1,2}[ ./\-]\d{1,2}|\d{1,2}[ ./\-]\d{1,2}[ ./\-]\d{2,4}")
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
_AREA = re.compile(r"\(\d{2,5}\)[ .\-]?\d")
_GROUPS = re.compile(r"[ .\-]+")


def contact_hint(text: str) -> bool:
    """Whether `text` may hold a contact detail (cheap: an "@", or a run of digits and separators)."""
    return "@" in text or _HINT.search(text) is not None


def _is_phone(number: str) -> bool:
    digits = sum(c.isdigit() for c in number)
    if not 7 <= digits <= 15 or _DATE.fullmatch(number) or _IPV4.fullmatch(number):
        return False
    if number.startswith("+"):
        return digits >= 8
    if number.startswith("("):
        return _AREA.match(number) is not None and digits >= 9
    if "(" in number or ")" in number:
        return False
    groups = _GROUPS.split(number)
    if len(groups) < 3 or not all(2 <= len(g) <= 5 for g in groups):
        return False  # one separator is a range or a decimal; a one-digit group is a list or an ISBN
    return not all(len(g) == 3 for g in groups[1:])  # thousands separators ("12 500 000")


def contact_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """Spans of `text` holding an e-mail address or a phone number."""
    if "@" in text:
        for m in _EMAIL.finditer(text):
            yield m.start(), m.end(), "email"
    for m in _PHONE.finditer(text):
        number = m.group(0)
        if number.startswith("(") and ")" not in number:
            continue
        if _is_phone(number):
            yield m.start(), m.end(), "phone"
