"""attack39: the words `classify_error` reads are searched in time linear in the message.

Two cues of errors6 backtracked quadratically over the 2,000 characters `classify_error` reads: a
``format`` cue opened with ``\\w*format`` (every start of a run of 2,000 letters scanned the run:
about 0.2 s a call) and the ``enum`` cue's ``[A-Z][a-z]+[A-Za-z]*`` split a long word every way
before failing (``is not a valid A`` + 1,990 letters + ``!``: about 0.45 s a call). The trigger rate
classifies each stored failure again, so one hostile tool's messages cost that per event at every
mining. Times are reported by ``benchmarks/bench_redos.py``; this test reads the patterns' structure:
no cue opens a branch with an unbounded run (a search restarts it at every position), and no two
unbounded runs that can read the same character follow each other (every split of a run is tried).
"""

from __future__ import annotations

import re
import re._constants as sre_c  # type: ignore[import-not-found]
import re._parser as sre_p  # type: ignore[import-not-found]
from typing import Any

import pytest

from skillevo._classify import classify_error
from skillevo._classify_cues import TEXT_CUES

_REPEATS = (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, getattr(sre_c, "POSSESSIVE_REPEAT", None))
_SAMPLE = [chr(i) for i in range(32, 127)] + ["é", "形"]


def _chars(items: list[Any], flags: int) -> set[str]:
    """The sample characters one-character `items` (a repeat's body) can read; all of them if unknown."""
    if len(items) != 1:
        return set(_SAMPLE)
    op, av = items[0]
    if op is sre_c.ANY:
        return set(_SAMPLE)
    if op is sre_c.LITERAL:
        pattern = re.escape(chr(av))
    elif op is sre_c.IN:
        return {ch for ch in _SAMPLE if _in(av, ch, flags)}
    else:
        return set(_SAMPLE)
    return {ch for ch in _SAMPLE if re.fullmatch(pattern, ch, flags)}


def _in(av: list[Any], ch: str, flags: int) -> bool:
    negate, hit = False, False
    for op, arg in av:
        if op is sre_c.NEGATE:
            negate = True
        elif op is sre_c.LITERAL:
            hit |= re.fullmatch(re.escape(chr(arg)), ch, flags) is not None
        elif op is sre_c.RANGE:
            lo, hi = arg
            hit |= any(lo <= ord(c) <= hi for c in (ch, ch.lower(), ch.upper()) if flags & re.I or c == ch)
        elif op is sre_c.CATEGORY:
            name = str(arg).lower()
            test = {"word": r"\w", "digit": r"\d", "space": r"\s"}
            for key, rx in test.items():
                if key in name:
                    hit |= (re.fullmatch(rx, ch) is not None) != ("not" in name)
    return hit != negate


def _unbounded(item: tuple[Any, Any]) -> bool:
    op, av = item
    return op in _REPEATS and av[1] == sre_c.MAXREPEAT


def _faults(seq: list[Any], flags: int, top: bool, out: list[str]) -> None:
    items = list(seq)
    if top and items and _unbounded(items[0]) and items[0][1][0] == 0:
        out.append("a branch opens with an optional unbounded run")
    last: set[str] | None = None
    for op, av in items:
        if op in _REPEATS:
            body = list(av[2])
            if av[1] == sre_c.MAXREPEAT:
                chars = _chars(body, flags)
                if last is not None and last & chars:
                    out.append("two unbounded runs reading the same characters follow each other")
                last = chars
            elif av[0] != 0:
                last = None
            _faults(body, flags, False, out)
            continue
        if op is sre_c.BRANCH:
            for branch in av[1]:
                _faults(list(branch), flags, top and len(items) == 1, out)
        elif op is sre_c.SUBPATTERN:
            _faults(list(av[-1]), flags, top and len(items) == 1, out)
        if op is not sre_c.AT:
            last = None


@pytest.mark.parametrize("category,pattern", [(c, p) for c, p in TEXT_CUES],
                         ids=[f"{i}-{c}" for i, (c, _) in enumerate(TEXT_CUES)])
def test_no_cue_backtracks_over_a_run(category: str, pattern: re.Pattern[str]) -> None:
    out: list[str] = []
    _faults(list(sre_p.parse(pattern.pattern, pattern.flags)), pattern.flags, True, out)
    assert not out, (category, out)


def test_the_cues_still_read_their_words() -> None:
    assert classify_error("Color 'mauve' is not a valid Color.") == "enum"
    assert classify_error("bad dateformat given") == "format"
    assert classify_error("Unsupported format: use YYYY") == "format"
