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
"""

from __future__ import annotations

__all__ = ["ECHO_MAX", "ECHO_MIN", "echoed_values", "echoes"]

#: The shortest value a rule hid that is hidden where the same text repeats it.
ECHO_MIN = 8
#: The longest value of several words looked for again.
ECHO_MAX = 256
_TRIM = " \t\r\n'\"`"


def _echoed_value(text: str, start: int, end: int) -> str | None:
    """The value a span hid, when it reads like a credential that may be repeated, else None."""
    value = text[start:end].strip(_TRIM)
    if len(value) < ECHO_MIN or value.isalpha() or "[REDACTED" in value:
        return None
    if any(ch.isspace() for ch in value) and (
        len(value) > ECHO_MAX or "\n" in value or "\r" in value or not _bounded(text, start, end)
    ):
        return None
    return value


def echoed_values(text: str, spans: list[tuple[int, int, str]]) -> set[str]:
    """The values `spans` hid that read like a credential the text may repeat in another spelling."""
    return {v for s, e, _ in spans if (v := _echoed_value(text, s, e)) is not None}


def _bounded(text: str, start: int, end: int) -> bool:
    """Whether a span ends where its value does: before the text's end, or at its closing quote."""
    if text[end:].strip():
        return True
    quoted = text[start:end].strip()
    return len(quoted) >= 2 and quoted[0] in "'\"`" and quoted[-1] == quoted[0]


def echoes(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Every place of `text` holding a value one of `spans` hid (the spans themselves included)."""
    values = {v for s, e, _ in spans if (v := _echoed_value(text, s, e)) is not None}
    out: list[tuple[int, int, str]] = []
    for value in values:
        at = text.find(value)
        while at >= 0:
            out.append((at, at + len(value), "secret"))
            at = text.find(value, at + len(value))
    return out
