"""Spans of a text replaced by ``[REDACTED:<kind>]``, merged where they overlap."""

from __future__ import annotations

import re
from typing import Any

__all__ = ["Span", "apply_spans", "masked"]

#: (start, end, kind) of a value to hide.
Span = tuple[int, int, str]

_NOT_MASK = re.compile(r"[^*]")


def masked(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is empty or all ``*`` (a value masked already), read without copying it."""
    return _NOT_MASK.search(text, start, end) is None


def apply_spans(text: str, spans: list[Span]) -> str:
    """`text` with the spans (merged where they overlap; the widest names the kind) replaced."""
    # A value masked already ("***", as `mask_url` writes it) stays as it is.
    spans = [span for span in spans if not masked(text, span[0], span[1])]
    if not spans:
        return text
    spans.sort()
    merged: list[list[Any]] = []
    for start, end, kind in spans:
        if merged and start < merged[-1][1]:
            last = merged[-1]
            if end - start > last[1] - last[0]:
                last[2] = kind
            last[1] = max(last[1], end)
        else:
            merged.append([start, end, kind])
    out: list[str] = []
    pos = 0
    for start, end, kind in merged:
        out.append(text[pos:start])
        out.append(f"[REDACTED:{kind}]")
        pos = end
    out.append(text[pos:])
    return "".join(out)
