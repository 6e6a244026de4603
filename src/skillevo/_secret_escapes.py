"""A text read with its character escapes decoded, each decoded character mapped to where it was written.

A tool may echo a value one character at a time in an escape notation: HTML character references
(``&#81;``, ``&#x51;``, ``&amp;``), percent-encoding of every character (``%51``, twice: ``%2551``),
the escapes of C, Python and JavaScript (``\\x51``, ``\\u0051``, ``\\U00000051``, octal ``\\121``),
CSS's (``\\51 ``), full-width or other compatibility forms of letters (``Ｑ``), and invisible format
characters between them (a soft hyphen, a zero-width space). `_secret_known` looks for an episode's
secrets in this view as well as in the text, and the rules read it too (`view_spans`: a key written
``pass\x77ord`` or ``ｐａｓｓｗｏｒｄ``); a span found here is the span of the escapes that wrote it.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator

__all__ = ["decoded_view", "original_span", "view_spans"]

# One escape, its code in the group that names its base. Octal needs its three digits and no hex
# digit after them (``\121``), else it is CSS's hex escape (``\51 ``, ended by a space or a non-hex).
_ESCAPE = re.compile(
    r"&#(?P<d>\d{1,7});?|&#[xX](?P<x>[0-9a-fA-F]{1,6});?|(?P<named>&[A-Za-z][A-Za-z0-9]{1,31};)"
    r"|%(?P<p>[0-9a-fA-F]{2})|\\x(?P<bx>[0-9a-fA-F]{2})|\\u(?P<u>[0-9a-fA-F]{4})|\\U(?P<bu>[0-9a-fA-F]{8})"
    r"|\\(?P<o>[0-3][0-7]{2})(?![0-9a-fA-F])|\\(?P<css>[0-9a-fA-F]{1,6})(?: |(?![0-9a-fA-F]))"
)
_HEX_GROUPS = ("x", "p", "bx", "u", "bu", "css")
# What a text must hold for the view to differ from it.
_MARKS = ("&", "%", "\\")

Map = list[tuple[int, int]]


def _char(m: re.Match[str]) -> str:
    kind = m.lastgroup
    code = m.group(kind) if kind else ""
    if kind == "named":
        decoded = html.unescape(code)
        return decoded if decoded != code else ""
    number = int(code, 16 if kind in _HEX_GROUPS else 8 if kind == "o" else 10)
    return chr(number) if number <= 0x10FFFF and not 0xD800 <= number <= 0xDFFF else ""


def _decode_once(text: str, where: Map) -> tuple[str, Map]:
    out: list[str] = []
    spans: Map = []
    pos = 0
    for m in _ESCAPE.finditer(text):
        decoded = _char(m)
        if not decoded:
            continue
        for i in range(pos, m.start()):
            out.append(text[i])
            spans.append(where[i])
        start, end = where[m.start()][0], where[m.end() - 1][1]
        for ch in decoded:
            out.append(ch)
            spans.append((start, end))
        pos = m.end()
    out.extend(text[pos:])
    spans.extend(where[pos:])
    return "".join(out), spans


def _fold(text: str, where: Map) -> tuple[str, Map]:
    """Compatibility forms folded (``Ｑ`` is ``Q``), invisible format characters dropped."""
    out: list[str] = []
    spans: Map = []
    for ch, span in zip(text, where, strict=True):
        if ch.isascii():
            out.append(ch)
            spans.append(span)
            continue
        if unicodedata.category(ch) == "Cf":
            continue
        for folded in unicodedata.normalize("NFKC", ch):
            out.append(folded)
            spans.append(span)
    return "".join(out), spans


def decoded_view(text: str) -> tuple[str, Map] | None:
    """`text` with its escapes decoded (twice: a percent-escape of a percent-escape) and folded, and
    for each character of it the span of `text` that wrote it; None when it reads as `text` does."""
    if text.isascii() and not any(mark in text for mark in _MARKS):
        return None
    view, where = text, [(i, i + 1) for i in range(len(text))]
    for _ in range(2):
        if not any(mark in view for mark in _MARKS):
            break
        view, where = _decode_once(view, where)
    if not view.isascii():
        view, where = _fold(view, where)
    return (view, where) if view != text else None


def original_span(where: Map, start: int, end: int) -> tuple[int, int]:
    """The span of the text that wrote the view's characters `start` to `end`."""
    return where[start][0], where[end - 1][1]


def view_spans(
    text: str, spans_of: Callable[[str], Iterable[tuple[int, int, str]]]
) -> Iterator[tuple[int, int, str]]:
    """Spans of `text` that `spans_of` finds in its decoded view, mapped back onto `text` (a character
    an escape spells covers the whole escape): ``pass\\x77ord=...``, ``ｐａｓｓｗｏｒｄ=...``,
    ``pass<soft hyphen>word=...``, a pair written in ``\\u`` escapes."""
    view = decoded_view(text)
    if view is None:
        return
    decoded, where = view
    for start, end, kind in spans_of(decoded):
        if end > start:
            yield (*original_span(where, start, end), kind)
