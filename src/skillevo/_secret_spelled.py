"""A text read with its letter-by-letter spellings joined, each joined character mapped to where it was written.

A hostile tool (or a customer dictating) may spell a secret's name or its value one character at a
time: ``p a s s w o r d = ...``, ``t-o-k-e-n: ...``, ``s k _ l i v e _ 4 e C 3 ...``. No key word and
no vendor shape is in the text as written, so the pre-filter and every rule passed it by (attack25:
5 of 5 spelled names and a spelled Stripe key reached the stored text). Here each run of four or more
single characters, every one set apart by the same separator (a space, a no-break space, a hyphen, a
dot, an underscore), is read as the word it spells; the rules read that view as they read the
escape view (`_secret_escapes.view_spans`), and a span found in it covers the spelled characters.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator

from ._secret_escapes import view_spans

__all__ = ["spelled_spans", "spelled_view"]

Map = list[tuple[int, int]]

# One character, then the same separator before each of at least three more; a character is a letter
# or a digit (with a space as separator, an underscore too: "a p i _ k e y"), standing alone (no word
# character either side of the run). Linear: each character is read once per starting position that
# the lookbehind lets start, and a run starts only after a non-word character.
_SPELLED = re.compile(
    r"(?<![\w.\-])(?:"
    r"\w(?P<sp>[ \u00a0])\w(?:(?P=sp)\w){2,}"
    r"|[^\W_](?P<sep>[\-._])[^\W_](?:(?P=sep)[^\W_]){2,}"
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
        for i in range(m.start(), m.end(), 2):  # the characters sit at every second place
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
