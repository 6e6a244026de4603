"""Labels the key=value rules cannot start: too long, or led by digits or punctuation.

The rules that read a label before its value (``key=value``, ``--option value``, ``name 'value'``) start
a label only where a run of label characters (letters, digits, ``_``, ``.``, ``-``) starts, and read at
most 80 characters of it, so that a long run costs each of them at most one bounded try. A label
longer than that (``<100 characters>_db_password=...``), or led by a number or a dot
(``2024_db_password=``, ``.password=``), was read by no rule, and its value reached the library
file. Such a label names what it holds by its *last* words: `label_tails` gives, once per run, where
those words start, and the rules try themselves there once more (`tail_matches`).

Linear in the text: one possessive scan finds the runs (no backtracking), each run gives one start,
and each start is one anchored, bounded match.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator

__all__ = ["label_tails", "names_secret_spaced", "tail_matches"]

#: How much of a label the rules read (their key bound).
LABEL_MAX = 80

# A run the rules cannot start: longer than they read, or led by digits, dots or dashes before its
# first letter. Possessive quantifiers: a run is read once, never given back character by character.
_RUN = re.compile(r"(?<![\w.\-])(?:[\w.\-]{81,}+|[\d.\-]++[^\W\d][\w.\-]*+)")
# The start of a word inside a run: after a separator, at a letter (or "_").
_WORD_AFTER_SEPARATOR = re.compile(r"[._\-](?=[^\W\d])")
_DASH = re.compile(r"-(?=-?[A-Za-z])")
_LETTER = re.compile(r"[^\W\d]")


@functools.lru_cache(maxsize=8)
def _runs(text: str) -> tuple[tuple[int, int], ...]:
    """The runs of `text` the label rules cannot start (read once for the three rules that ask)."""
    return tuple(m.span() for m in _RUN.finditer(text))


def label_tails(text: str, *, option: bool = False, dots: bool = True) -> Iterator[int]:
    """For each run of `text` the label rules cannot start, where its last words start: after the
    first separator in its last `LABEL_MAX` characters (at it, for an `option`: ``--a-...-password``
    starts at a dash; after its last dot for a rule whose labels hold none, `dots` False), else at
    its first letter there."""
    for start, end in _runs(text):
        lo = max(start, end - LABEL_MAX)
        if not dots:
            lo = max(lo, text.rfind(".", lo, end) + 1)
        if option:
            if end - start <= LABEL_MAX:
                continue  # an option the rule reads itself ("--password"): not one to read again
            dash = _DASH.search(text, lo, end)
            if dash is not None:
                yield dash.start()
            continue
        word = _WORD_AFTER_SEPARATOR.search(text, lo, end)
        if word is not None:
            yield word.end()
        elif end - start > LABEL_MAX and (letter := _LETTER.search(text, lo, end)) is not None:
            yield letter.start()  # one long word: its last characters ("xxxx...password")


def tail_matches(
    whole: re.Pattern[str], at: re.Pattern[str], text: str, *, option: bool = False, dots: bool = True
) -> Iterator[re.Match[str]]:
    """The matches of `whole` in `text`, then those of `at` (the same rule, without its run-start
    lookbehind) at each of `label_tails`."""
    yield from whole.finditer(text)
    for pos in label_tails(text, option=option, dots=dots):
        m = at.match(text, pos)
        if m is not None:
            yield m


# A word before a label, a space (any: no-break, thin, ideographic) between them on the same line; not a
# pair's value ("user=ana num_api_keys=3": "ana" is no word of the next label).
_WORD_BEFORE = re.compile(r"(?<![\w.\-=:])([^\W\d_][^\W_]{0,31})[^\S\r\n]{1,3}\Z")
_SPACED_WORDS = 2  # "pass word", "api key", "security question answer"


def names_secret_spaced(text: str, start: int, label: str, is_secret: Callable[[str], bool]) -> bool:
    """Whether the label at `start` of `text`, read with the one or two words spaced before it, names a
    secret: the rules start a label where its run of label characters starts, so ``pass word=``,
    ``api\u00a0key:`` and ``secret key =`` read as "word", "key" and "key", each naming none."""
    pos, spaced = start, label
    for depth in range(_SPACED_WORDS):
        m = _WORD_BEFORE.search(text, max(0, pos - 40), pos)
        if m is None:
            return False
        # a secret word two words back names its own value, not this label's ("SET PASSWORD FOR ana = ...")
        if depth and is_secret(m.group(1)):
            return False
        spaced = f"{m.group(1)} {spaced}"
        if is_secret(spaced):
            return True
        pos = m.start()
    return False
