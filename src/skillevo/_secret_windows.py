"""Shape rules run over a text: in overlapping windows, each match hidden as its whole token.

Several upstream patterns scan from each candidate start to the end of the text (``eyJ[...]+\\.``),
quadratic on a hostile text repeating the start; a window bounds each scan. A private key's header
hides its whole block (to its END line, or to the end of a cut text).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

from ._secret_shapes import Gate

__all__ = ["TOKEN_CHARS", "RuleGroup", "rule_spans", "widen", "windowed"]

RuleGroup = tuple[Gate, list[tuple[str, re.Pattern[str]]]]
Span = tuple[int, int, str]
#: The characters of a token a match is widened over (a key's, a URL's, base64's).
TOKEN_CHARS = "A-Za-z0-9_\\-+/=.~"
_TOKEN_CHAR = re.compile(f"[{TOKEN_CHARS}]")
_PEM_END = re.compile(r"-----END [A-Z0-9 ]*(?:PRIVATE KEY|KEY BLOCK)-----|\Z")


def _group_span(m: re.Match[str], kind: str) -> tuple[int, int]:
    """The part of a detect-secrets match to hide: its longest group when that is secret-sized
    (a few plugins capture the secret), else the whole match (others capture only a prefix)."""
    best = (m.start(), m.end())
    if kind == "password" and m.re.groups:  # user:password@ in a URL: the group is the password
        return m.span(1)
    longest = 0
    chosen = best
    for i in range(1, (m.re.groups or 0) + 1):
        start, end = m.span(i)
        if start >= 0 and end - start > longest:
            longest, chosen = end - start, (start, end)
    return chosen if longest >= 8 else best


def widen(text: str, start: int, end: int) -> tuple[int, int]:
    """Grow a detected span to the whole token it sits in (a rule may match a token's middle)."""
    while start > 0 and _TOKEN_CHAR.match(text, start - 1):
        start -= 1
    while end < len(text) and _TOKEN_CHAR.match(text, end):
        end += 1
    return start, end


#: Shape rules scan a long text in overlapping windows: several upstream patterns scan from each
#: candidate start to the end of the text (``eyJ[...]+\.``), quadratic on a hostile text repeating
#: the start. A secret shorter than the overlap lies whole in some window; a match is then widened
#: to its whole token on the full text, so a longer one is hidden whole too.
_WINDOW = 2048
_OVERLAP = 768


def windowed(regex: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """`regex.finditer(text)`, bounded to windows of `_WINDOW` characters (lookbehinds see the full text)."""
    if len(text) <= _WINDOW:
        yield from regex.finditer(text)
        return
    for lo in range(0, len(text), _WINDOW - _OVERLAP):
        yield from regex.finditer(text, lo, min(len(text), lo + _WINDOW))
        if lo + _WINDOW >= len(text):
            break


def rule_spans(text: str, rules: list[tuple[str, re.Pattern[str]]]) -> Iterator[Span]:
    pem_ends: list[int] | None = None
    widened = (-1, -1)
    for kind, regex in rules:
        for m in windowed(regex, text):
            if m.end() == m.start():
                continue
            if kind == "private_key":  # the header names it; hide the whole block (or to the end of a cut text)
                if pem_ends is None:  # every END line once, not a search to the end of the text per header
                    pem_ends = [e.end() for e in _PEM_END.finditer(text) if e.end() > e.start()]
                after = bisect.bisect_left(pem_ends, m.end())
                pem_start = text.rfind("-----", 0, m.start())
                yield (
                    pem_start if pem_start >= 0 else m.start(),
                    pem_ends[after] if after < len(pem_ends) else len(text),
                    kind,
                )
                continue
            start, end = _group_span(m, kind)
            if (start, end) == m.span():
                if widened[0] <= start and end <= widened[1]:
                    continue  # inside the token the last match was widened to: hidden already
                start, end = widened = widen(text, start, end)
            yield start, end, kind
