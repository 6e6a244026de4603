"""A text read with its character escapes decoded, each decoded character mapped to where it was written.

A tool may echo a value one character at a time in an escape notation: HTML character references
(``&#81;``, ``&#x51;``, ``&amp;``), percent-encoding of every character (``%51``, twice: ``%2551``),
the escapes of C, Python and JavaScript (``\\x51``, ``\\u0051``, ``\\u{51}``, ``\\U00000051``, octal
``\\121``), CSS's (``\\51 ``), full-width or other compatibility forms of letters (``Ｑ``), invisible format
characters between them (a soft hyphen, a zero-width space), and, in a word mixing ASCII letters with
others, look-alike letters of another script (Cyrillic ``а`` in ``pаssword``, by TR39's table).
`_secret_known` looks for an episode's secrets in this view as well as in the text, and the rules
read it too (`view_spans`: a key written ``pass\\x77ord`` or ``ｐａｓｓｗｏｒｄ``); a span found here is
the span of the escapes that wrote it.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator

from ._secret_fold import letter_reading

__all__ = ["decoded_view", "drop_invisible", "original_span", "unescape_html", "view_spans"]

# One escape, its code in the group that names its base; leading zeros are read past (HTML allows any
# number) and ``\\u{77}`` is JavaScript's, Rust's, Swift's, Ruby's and PHP's. Octal needs its three
# digits and no hex digit after them (``\121``), else it is CSS's hex escape (``\51 ``, ended by a
# space or a non-hex).
_ESCAPE = re.compile(
    r"&#0*(?P<d>\d{1,7});?|&#[xX]0*(?P<x>[0-9a-fA-F]{1,6});?|(?P<named>&[A-Za-z][A-Za-z0-9]{1,31};)"
    r"|%(?P<p>[0-9a-fA-F]{2})|\\x(?P<bx>[0-9a-fA-F]{2})|\\u(?P<u>[0-9a-fA-F]{4})|\\U(?P<bu>[0-9a-fA-F]{8})"
    r"|\\u\{0*(?P<ub>[0-9a-fA-F]{1,6})\}"
    r"|\\(?P<o>[0-3][0-7]{2})(?![0-9a-fA-F])|\\(?P<css>[0-9a-fA-F]{1,6})(?: |(?![0-9a-fA-F]))"
)
_HEX_GROUPS = ("x", "p", "bx", "u", "bu", "ub", "css")
# The invisible characters a text may hold: Unicode's format characters (Cf) and the rest of its
# Default_Ignorable_Code_Point set (variation selectors, the combining grapheme joiner, the Hangul
# fillers: a reader sees none of them, in a key either); checked in C before folding a text
# character by character (most non-ASCII text is already NFKC and holds none).
_FORMAT = re.compile(
    "[\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u115f\u1160\u17b4\u17b5\u180b-\u180f"
    "\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)
# An escape that spells a printable ASCII character (a key's or a token's): a text holding none is
# read as written, without decoding its other escapes (JSON's "\u00e9", a Windows path's "\d").
_SPELLS_ASCII = re.compile(
    r"&#0*(?:3[2-9]|[4-9]\d|1[01]\d|12[0-6]);?|&#[xX]0*[2-7][0-9a-fA-F];?|&[A-Za-z][A-Za-z0-9]{1,31};"
    r"|%[2-7][0-9a-fA-F]|\\x[2-7][0-9a-fA-F]|\\u00[2-7][0-9a-fA-F]|\\U000000[2-7][0-9a-fA-F]"
    r"|\\u\{0*[2-7][0-9a-fA-F]\}"
    r"|\\(?:0[4-7][0-7]|1[0-7][0-7])(?![0-9a-fA-F])|\\0{0,4}[2-7][0-9a-fA-F](?: |(?![0-9a-fA-F]))"
)
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
# A character past the Latin blocks beside an ASCII letter, or joined to one by a connector: a word
# mixing scripts ("p\u0430ssword", "x-api-\u043a\u0435\u0443"); or Greek, Cyrillic and Armenian
# letters side by side (a word of look-alikes from two scripts). Accented Latin ("Zürich") is its own
# letters and no reason to read the text again.
_CONNECTOR = "_.-"
_MIXED = re.compile(
    r"[A-Za-z][_.-]*[^\x00-\u024f]|[^\x00-\u024f][_.-]*[A-Za-z]"
    r"|[\u0370-\u03ff][\u0400-\u058f]|[\u0400-\u052f][\u0370-\u03ff\u0530-\u058f]|[\u0530-\u058f][\u0370-\u052f]"
)
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


def _decode_once(text: str, where: Map) -> tuple[str, Map, bool]:
    """`text` with its escapes decoded, its map, and whether an escape spelled a printable ASCII
    character (what a key or a token is written in: ``\\x77`` is "w", ``\\u00e9`` or ``\\d`` are none)."""
    out: list[str] = []
    spans: Map = []
    pos, spelled = 0, False
    for m in _ESCAPE.finditer(text):
        decoded = _char(m)
        if not decoded:
            continue
        out.append(text[pos : m.start()])
        spans.extend(where[pos : m.start()])
        start, end = where[m.start()][0], where[m.end() - 1][1]
        out.append(decoded)
        spans.extend([(start, end)] * len(decoded))
        spelled = spelled or any(" " < ch < "\x7f" for ch in decoded)
        pos = m.end()
    out.append(text[pos:])
    spans.extend(where[pos:])
    return "".join(out), spans, spelled


@functools.lru_cache(maxsize=4096)
def _fold_char(ch: str) -> tuple[str, bool]:
    """A character as NFKC folds it ("" for an invisible one), and whether that spells ASCII."""
    if _FORMAT.match(ch) or unicodedata.category(ch) == "Cf":
        return "", True
    folded = unicodedata.normalize("NFKC", ch)
    return folded, any(" " < c < "\x7f" for c in folded)


# A numeric character reference as `html.unescape` reads it (digits to the first non-digit).
_NUMERIC_REF = re.compile(r"&#(?:([xX])0*([0-9a-fA-F]+)|0*([0-9]+))")


def _short_ref(m: re.Match[str]) -> str:
    x, hex_digits, digits = m.groups()
    number = hex_digits if x else digits
    if len(number) > 8:  # past U+10FFFF, whatever the digits: U+FFFD, as html.unescape reads it
        return "&#65533"
    return f"&#{x or ''}{number}"


def unescape_html(text: str) -> str:
    """`html.unescape(text)`, never raising: it reads a reference's digits with int(), which refuses a
    string of over 4300 digits (``&#`` and 5000 digits in a tool's page), so leading zeros are dropped
    and a number longer than any code point's is rewritten as U+FFFD's first."""
    if "&#" in text:
        text = _NUMERIC_REF.sub(_short_ref, text)
    return html.unescape(text)


def drop_invisible(text: str) -> str:
    """`text` without the characters a reader never sees (format characters, variation selectors,
    fillers: Unicode's default-ignorable code points)."""
    if text.isascii():
        return text
    return "".join(c for c in _FORMAT.sub("", text) if unicodedata.category(c) != "Cf")


def _ascii_letter(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def _beside_ascii_letter(text: str, start: int, end: int) -> bool:
    """Whether `text[start:end]` touches an ASCII letter, or is joined to one by connectors ("api_")."""
    before = start
    while before > 0 and text[before - 1] in _CONNECTOR:
        before -= 1
    after = end
    while after < len(text) and text[after] in _CONNECTOR:
        after += 1
    return (before > 0 and _ascii_letter(text[before - 1])) or (after < len(text) and _ascii_letter(text[after]))


def _scripts(run: str) -> int:
    """How many scripts the letters of `run` are written in (by their names' first word)."""
    return len({unicodedata.name(c, "?").split(" ", 1)[0] for c in run if c.isalpha()})


@functools.lru_cache(maxsize=4096)
def _look_alike(ch: str) -> str:
    """The ASCII letter or digit `ch` shows (`letter_reading`: Cyrillic "а" is "a", small capital "ᴘ"
    is "p"), or "". An accented letter ("ü") is its own letter in a word beside ASCII ("Zürich")."""
    if len(ch) != 1 or unicodedata.decomposition(ch):
        return ""
    look = letter_reading(ch)
    return look if look != ch and len(look) == 1 and look.isascii() and look.isalnum() else ""


def _fold(text: str, where: Map) -> tuple[str, Map, bool]:
    """Compatibility forms folded (``Ｑ`` is ``Q``), invisible format characters dropped; and whether
    that spelled ASCII or joined two characters (half-width kana folded to kana changes no word)."""
    out: list[str] = []
    spans: Map = []
    pos, spelled = 0, False
    for m in _NON_ASCII.finditer(text):
        out.append(text[pos : m.start()])
        spans.extend(where[pos : m.start()])
        # A run inside a word of ASCII letters ("p\u0430ssword"): its look-alikes are read as ASCII.
        # So is a word of letters from two scripts ("\u0422\u041e\u041a\u0415\u039d": Cyrillic, Greek).
        mixed = _beside_ascii_letter(text, m.start(), m.end()) or any(
            _scripts(word) > 1 for word in m.group().split()
        )
        for i in range(m.start(), m.end()):
            folded, spells = _fold_char(text[i])
            if mixed and unicodedata.category(text[i]) == "Mn":  # a combining accent on a letter ("pa\u0301ss")
                folded, spells = "", True
            if mixed and not spells and (look := _look_alike(folded)):
                folded, spells = look, True
            spelled = spelled or spells
            out.append(folded)
            spans.extend([where[i]] * len(folded))
        pos = m.end()
    out.append(text[pos:])
    spans.extend(where[pos:])
    return "".join(out), spans, spelled


@functools.lru_cache(maxsize=8)  # the pre-filter, the rules and the known secrets read the same view
def decoded_view(text: str) -> tuple[str, Map] | None:
    """`text` with its escapes decoded (twice: a percent-escape of a percent-escape) and folded, and
    for each character of it the span of `text` that wrote it; None when it reads as `text` does."""
    ascii_text = text.isascii()
    if ascii_text and not any(mark in text for mark in _MARKS):
        return None
    escapes = any(mark in text for mark in _MARKS) and _SPELLS_ASCII.search(text) is not None
    if not escapes and (
        ascii_text
        or (unicodedata.is_normalized("NFKC", text) and not _FORMAT.search(text) and not _MIXED.search(text))
    ):
        return None
    view, where, spelled = text, list(zip(range(len(text)), range(1, len(text) + 1), strict=True)), False
    for _ in range(2 if escapes else 0):
        if not any(mark in view for mark in _MARKS):
            break
        view, where, more = _decode_once(view, where)
        spelled = spelled or more
    if not view.isascii() and (
        not unicodedata.is_normalized("NFKC", view) or _FORMAT.search(view) or _MIXED.search(view)
    ):
        view, where, folded = _fold(view, where)
        spelled = spelled or folded
    # Escapes of other characters only (JSON's "\u00e9", a path's "\d"): read as the text is.
    return (view, where) if spelled and view != text else None


def original_span(where: Map, start: int, end: int) -> tuple[int, int]:
    """The span of the text that wrote the view's characters `start` to `end`."""
    return where[start][0], where[end - 1][1]


def view_spans(
    text: str,
    spans_of: Callable[[str], Iterable[tuple[int, int, str]]],
    view_of: Callable[[str], tuple[str, Map] | None] = decoded_view,
) -> Iterator[tuple[int, int, str]]:
    """Spans of `text` that `spans_of` finds in its view (`view_of`: the decoded one unless told),
    mapped back onto `text` (a character an escape spells covers the whole escape): ``pass\\x77ord=...``,
    ``ｐａｓｓｗｏｒｄ=...``, ``pass<soft hyphen>word=...``, a pair written in ``\\u`` escapes."""
    view = view_of(text)
    if view is None:
        return
    decoded, where = view
    for start, end, kind in spans_of(decoded):
        if end > start:
            yield (*original_span(where, start, end), kind)
