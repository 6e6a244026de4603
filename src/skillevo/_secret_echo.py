"""A secret a rule hid in one place of a text, hidden where the same text repeats it.

A validation error quotes the refused value on its first line and names its location only below it
(JSON Schema's ``'<value>' does not match '^sk_'`` ... ``On instance['api_key']: '<value>'``): the
rules hid the value under the location and left the first line's copy, which names nothing (1 of 1,
attack17). Only values that read like a credential (`ECHO_MIN` characters or more, one token, not a
word) are looked for: ``password: required`` must not hide every "required" of the text, nor a span
hidden to the text's end (an unclosed SQL row) every earlier statement that reads the same.
"""

from __future__ import annotations

__all__ = ["ECHO_MIN", "echoes"]

#: The shortest value a rule hid that is hidden where the same text repeats it.
ECHO_MIN = 8
_TRIM = " \t\r\n'\"`"


def echoes(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Every place of `text` holding a value one of `spans` hid (the spans themselves included)."""
    values = {v for s, e, _ in spans
              if len(v := text[s:e].strip(_TRIM)) >= ECHO_MIN and not v.isalpha() and "[REDACTED" not in v
              and not any(ch.isspace() for ch in v)}
    out: list[tuple[int, int, str]] = []
    for value in values:
        at = text.find(value)
        while at >= 0:
            out.append((at, at + len(value), "secret"))
            at = text.find(value, at + len(value))
    return out
