"""A secret a rule hid in one place of a text, hidden where the same text repeats it.

A validation error quotes the refused value on its first line and names its location only below it
(JSON Schema's ``'<value>' does not match '^sk_'`` ... ``On instance['api_key']: '<value>'``): the
rules hid the value under the location and left the first line's copy, which names nothing (1 of 1,
attack17). Only values that read like a credential (`ECHO_MIN` characters or more, not a word) are
looked for: ``password: required`` must not hide every "required" of the text. A value of several
words (a passphrase, ``password='plum orbit 7731 zebra' rejected; you sent '...'``: 10 of 10 forms
kept the copy, attack18) is looked for too, when it is one line of at most `ECHO_MAX` characters and
its span ends before the text does or at the value's closing quote: a span hidden to a
text's end (an unclosed SQL row) or over lines (a block) is a region, not a value, and looked for
again it hid every earlier statement reading the same.

The values are read in time linear in the text (`value_spans`): a run of pairs without a terminator
(``token:token:...``, each pair's value extended to the run's end) gives one span per pair, nested, and
reading each one's value was quadratic (before 2026-12-07: 16,000 characters of ``token:`` took 4 s).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["ECHO_MAX", "ECHO_MIN", "credential_values", "echoed_values", "echoes", "value_spans"]

#: The shortest value a rule hid that is hidden where the same text repeats it.
ECHO_MIN = 8
#: The longest value of several words looked for again.
ECHO_MAX = 256
_TRIM = " \t\r\n'\"`"
_SPACE = re.compile(r"\s")
_NOT_SPACE = re.compile(r"\S")


def value_spans(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """The spans whose values are read one by one: every span of at most `ECHO_MAX` characters, and of
    the longer ones each not inside another long one (what it holds is part of that one's value) and
    each holding no other long one (the innermost value of a nest: ``token:<S>`` holds ``<S>``, which
    the text may repeat bare; before 2026-12-07 it was not read, and such a copy of a secret longer
    than `ECHO_MAX` stayed in the text).

    A nest of spans (a run of pairs, ``token:token:...``, gives one per pair) yields two long values,
    not one per span: reading them is linear in the text.
    """
    out: list[tuple[int, int, str]] = []
    long: list[tuple[int, int, str]] = []
    for span in spans:
        (out if span[1] - span[0] <= ECHO_MAX else long).append(span)
    unique = sorted({(s, e) for s, e, _ in long}, key=lambda se: (-se[0], se[1]))
    innermost: set[tuple[int, int]] = set()
    nearest_end = None  # the least end of the long spans starting at or after this one (seen so far)
    for start, end in unique:
        if nearest_end is None or nearest_end > end:
            innermost.add((start, end))
            nearest_end = end
    reach = -1  # where the long spans kept so far end
    for span in sorted(long, key=lambda sp: (sp[0], -sp[1])):
        start, end, _ = span
        if end > reach or (start, end) in innermost:
            out.append(span)
            reach = max(reach, end)
            innermost.discard((start, end))  # (once: the same bounds may come from several rules)
    return sorted(out, key=lambda sp: (sp[0], -sp[1]))


def _echoed_value(text: str, start: int, end: int, last: int) -> str | None:
    """The value a span hid, when it reads like a credential that may be repeated, else None."""
    value = text[start:end].strip(_TRIM)
    if len(value) < ECHO_MIN or value.isalpha() or "[REDACTED" in value:
        return None
    if _SPACE.search(value) is not None and (
        len(value) > ECHO_MAX or "\n" in value or "\r" in value or not _bounded(text, start, end, last)
    ):
        return None
    return value


def credential_values(text: str, spans: list[tuple[int, int, str]]) -> Iterator[str]:
    """The values `spans` hid that an episode remembers as its own secrets: `ECHO_MIN` characters or
    more, not a word ("password: required" must not hide "required"), no redaction mark; one per span of
    `value_spans` (a span inside a longer one is part of that one's value)."""
    for start, end, _ in value_spans(spans):
        value = text[start:end]
        if len(value) >= ECHO_MIN and not value.isalpha() and "[REDACTED" not in value:
            yield value


def echoed_values(text: str, spans: list[tuple[int, int, str]]) -> set[str]:
    """The values `spans` hid that read like a credential the text may repeat in another spelling."""
    last = len(text.rstrip())  # where the text's last non-blank character ends (`_bounded`), found once
    return {v for s, e, _ in value_spans(spans) if (v := _echoed_value(text, s, e, last)) is not None}


def _bounded(text: str, start: int, end: int, last: int) -> bool:
    """Whether a span ends where its value does: before the text's end (`last`: where its last
    non-blank character ends), or at its closing quote. Read without copying the rest of the text:
    copied for each span, it was quadratic in a text of many spans."""
    if end < last:
        return True
    first = _NOT_SPACE.search(text, start, last)
    if first is None:
        return False
    opening = text[first.start()]
    return last - first.start() >= 2 and opening in "'\"`" and text[last - 1] == opening


def echoes(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Every place of `text` holding a value one of `spans` hid (the spans themselves included)."""
    values = echoed_values(text, spans)
    out: list[tuple[int, int, str]] = []
    for value in values:
        at = text.find(value)
        while at >= 0:
            out.append((at, at + len(value), "secret"))
            at = text.find(value, at + len(value))
    return out
