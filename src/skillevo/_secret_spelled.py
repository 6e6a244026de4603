"""A text read with its letter-by-letter spellings joined, each joined character mapped to where it was written.

A hostile tool (or a customer dictating) may spell a secret's name or its value one character at a
time: ``p a s s w o r d = ...``, ``t-o-k-e-n: ...``, ``s k _ l i v e _ 4 e C 3 ...``. No key word and
no vendor shape is in the text as written, so the pre-filter and every rule passed it by (attack25:
5 of 5 spelled names and a spelled Stripe key reached the stored text). Here each run of four or more
single characters, every one set apart by the same separator (one to three spaces of any kind, or one
mark with up to two spaces either side: ``p, a, s``, ``p/a/s``, ``p - a - s``, a tab, a thin space;
before 2026-12-07 only a space, a no-break space, a hyphen, a dot or an underscore, and 50 of 60
spellings with another separator, or of a Stripe key with no key word before it, reached
the stored text), is read as the word it spells; the rules read that view as they read the
escape view (`_secret_escapes.view_spans`), and a span found in it covers the spelled characters.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator

from ._secret_escapes import view_spans

__all__ = ["spelled_spans", "spelled_view"]

Map = list[tuple[int, int]]

# One character, then the same separator before each of at least three more; a character is a word
# character (an underscore too, spelled between underscores: "s_k___l_i_v_e"), standing alone (no word character
# either side of the run). A separator is any spacing but a line break, or one mark (not a word
# character, not a space) with spacing either side. Linear: a run starts only after a non-word
# character, and one of four or more characters that fails at its end matches shorter, before the
# separator (a non-word character), except with "_", where no run starts inside another (each start
# reads up to the next non-word character only).
_H = r"[^\S\r\n\f\v\x1c-\x1e\x85\u2028\u2029]"  # spacing on the line
_SPELLED = re.compile(
    rf"(?<![\w.\-])(?:"
    rf"\w(?P<sp>{_H}{{1,3}})\w(?:(?P=sp)\w){{2,}}"
    rf"|\w(?P<mark>{_H}{{0,2}}[^\w\s]{_H}{{0,2}})\w(?:(?P=mark)\w){{2,}}"
    r"|\w(?P<us>_)\w(?:(?P=us)\w){2,}"
    r")(?![\w\-])"
)
_MAX_TEXT = 1 << 20  # a longer text is read as written (the view doubles what is held)


@functools.lru_cache(maxsize=8)  # the pre-filter and the rules read the same view
def spelled_view(text: str) -> tuple[str, Map] | None:
    """`text` with each spelled run written as one word, and for each character of it the span of
    `text` that wrote it; None when `text` spells nothing."""
    if len(text) > _MAX_TEXT:
        return None
    out: list[str] = []
    where: Map = []
    pos = 0
    for m in _SPELLED.finditer(text):
        if not any(c.isalpha() for c in m.group(0)):  # digits alone: "1 2 3 4", a date "2024.05.01"
            continue
        out.append(text[pos : m.start()])
        where.extend((i, i + 1) for i in range(pos, m.start()))
        step = 1 + len(m.group("sp") or m.group("mark") or m.group("us"))
        for i in range(m.start(), m.end(), step):  # the characters sit one separator apart
            out.append(text[i])
            where.append((i, i + 1))
        pos = m.end()
    if not out:
        return None
    out.append(text[pos:])
    where.extend((i, i + 1) for i in range(pos, len(text)))
    return "".join(out), where


def spelled_spans(
    text: str, spans_of: Callable[[str], Iterable[tuple[int, int, str]]]
) -> Iterator[tuple[int, int, str]]:
    """Spans of `text` that `spans_of` finds in its spelled view, mapped back onto `text` (a span
    covers the separators between the characters it holds)."""
    return view_spans(text, spans_of, spelled_view)
