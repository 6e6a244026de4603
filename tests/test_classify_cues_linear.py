"""No cue `classify_error` searches a message with begins with an unbounded repeat.

A search tries a pattern at every position; one that opens with ``\\w*`` (or ``.*``, ``\\S+``) runs
to the end of the word run at each of them, so a message of one long token (a base64 blob, a hex
dump, 2,000 digits) is read in quadratic work. The format cue was written ``\\w*format\\b`` (the
same matches as ``format\\b`` under a search): 2,000 word characters took about 110-160 ms a
classification against 3-10 ms before, on the agent's failed call and again for each waiting arm.
Checked on the patterns' parse (a timing belongs in benchmarks/bench_redos.py).
"""

from __future__ import annotations

import re
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

import pytest

from skillevo._classify import _CODE_AT, _INTRODUCED, _MORE_JSON_WORDS, _REPR_WORDS, _STRUCTURED
from skillevo._classify_cues import CODE_CUES, TEXT_CUES
from skillevo._signature_shapes import LEAD_SUBS, UNIT_SUB

_REPEATS = (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT)
_ZERO_WIDTH = (sre_constants.AT, sre_constants.ASSERT, sre_constants.ASSERT_NOT)


def _leading_unbounded(items: Any) -> bool:
    """Whether the parsed pattern `items` (an alternative) starts with a repeat without an upper bound
    and no assertion before it (``\\b`` or ``(?<![\\w.])`` lets it start only where a run starts)."""
    for op, av in items:
        if op in _ZERO_WIDTH:
            return False
        if op in _REPEATS:
            return av[1] is sre_constants.MAXREPEAT
        if op is sre_constants.SUBPATTERN:
            return _leading_unbounded(av[-1])
        if op is sre_constants.BRANCH:
            return any(_leading_unbounded(alt) for alt in av[1])
        return False
    return False


PATTERNS = [
    *((f"text cue {c}#{i}", p) for i, (c, p) in enumerate(TEXT_CUES)),
    *((f"code cue {c}#{i}", p) for i, (c, p) in enumerate(CODE_CUES)),
    *((f"code at #{i}", p) for i, p in enumerate(_CODE_AT)),
    *((f"structure {c}", p) for c, p in _STRUCTURED),
    ("repr words", _REPR_WORDS), ("json words", _MORE_JSON_WORDS), ("introduced", _INTRODUCED),
    *((f"signature lead #{i}", p) for i, (p, _) in enumerate(LEAD_SUBS)), ("signature unit", UNIT_SUB[0]),
]


@pytest.mark.parametrize(("name", "pattern"), PATTERNS, ids=[n for n, _ in PATTERNS])
def test_no_cue_begins_with_an_unbounded_repeat(name: str, pattern: re.Pattern[str]) -> None:
    assert not _leading_unbounded(sre_parse.parse(pattern.pattern, pattern.flags)), name


def test_the_check_sees_a_leading_repeat() -> None:
    # (control: the check is not vacuous)
    assert _leading_unbounded(sre_parse.parse(r"\bx|(?:\w*format\b)"))
    assert not _leading_unbounded(sre_parse.parse(r"format\b|\w{0,20}x|\b\w*x"))


def test_a_word_ending_in_format_is_still_a_format_error() -> None:
    from skillevo._classify import classify_error

    assert classify_error("InvalidDateFormat: expected a date") == "format"
    assert classify_error("the value has the wrong_format") == "format"
