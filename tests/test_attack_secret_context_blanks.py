"""A run of blanks in the secret windows is read once, not once per place in it (attack29).

`_secret_context` (2026-12-07) judges whether a value closes its clause with a pattern that took the
blanks after it and, failing, gave them back one at a time to try a blank-led alternative there:
"password: Hunter22" followed by 8,000 spaces and a word took 2 s in one `redact_text` call (4x per
doubling; tool output is hostile and every recorded text is redacted). Counted, not timed
(benchmarks/bench_redact_growth.py times the "blanks after" shape against prose): every unbounded
run of blanks in the windows' patterns is possessive, so nothing is read twice.
"""

from __future__ import annotations

import re
import re._constants as sre_constants  # type: ignore[import-not-found]  # (no stubs: the parser `re` uses)
import re._parser as sre_parse  # type: ignore[import-not-found]
from typing import Any

import pytest

from skillevo import _secret_context
from skillevo._redaction import redact_text

_WINDOWS = [name for name, value in vars(_secret_context).items()
            if isinstance(value, re.Pattern) and value.pattern.count("[ \\t]")]


def _blank_runs_giving_back(parsed: Any) -> list[str]:
    """The unbounded repeats of a class holding a blank that may give back what they took."""
    out: list[str] = []
    for op, av in parsed:
        if op == sre_constants.MAX_REPEAT or op == sre_constants.MIN_REPEAT:
            _lo, hi, item = av
            if hi == sre_constants.MAXREPEAT and any(
                sub_op == sre_constants.IN and (sre_constants.LITERAL, ord(" ")) in sub_av for sub_op, sub_av in item
            ):
                out.append(str(item))
            out += _blank_runs_giving_back(item)
        elif op == sre_constants.POSSESSIVE_REPEAT:
            out += _blank_runs_giving_back(av[2])
        elif op == sre_constants.SUBPATTERN:
            out += _blank_runs_giving_back(av[3])
        elif op == sre_constants.BRANCH:
            for branch in av[1]:
                out += _blank_runs_giving_back(branch)
    return out


def test_the_windows_patterns_are_read() -> None:
    assert {"_AFTER", "_BEFORE", "_CLAUSE_END"} <= set(_WINDOWS)


@pytest.mark.parametrize("name", _WINDOWS)
def test_no_run_of_blanks_in_a_window_gives_back_what_it_took(name: str) -> None:
    pattern = getattr(_secret_context, name)
    assert _blank_runs_giving_back(sre_parse.parse(pattern.pattern, pattern.flags)) == []


@pytest.mark.parametrize(("text", "redacted"), [
    ("password: Hunter22 for the admin", "password: [REDACTED:secret] for the admin"),
    ("password: dragon - ok", "password: [REDACTED:secret] - ok"),
    ("password is dragon.", "password is [REDACTED:secret]."),
    ("password is stale.", "password is stale."),
    ("Quokka7731 is the password", "[REDACTED:secret] is the password"),
    ("log in with Qx7!pass and go", "log in with [REDACTED:secret] and go"),
    ("use Qx7!pass  to log in", "use [REDACTED:secret]  to log in"),
    ("密码是 Abc12345", "密码是 [REDACTED:secret]"),
    ("password -   4471", "password -   [REDACTED:secret]"),
    ("the token\t\t-\tab12cd34ef", "the token\t\t-\t[REDACTED:secret]"),
    ("mot de passe   est   Tr0ub4dor", "mot de passe   est   [REDACTED:secret]"),
    ("password  is  the  Hunter22  for you", "password  is  the  [REDACTED:secret]  for you"),
    ("password: Hunter22" + " " * 300 + "x", "password: [REDACTED:secret]" + " " * 300 + "x"),
])
def test_the_windows_read_as_before(text: str, redacted: str) -> None:
    """What each window hides is unchanged (the same as before the runs were made possessive)."""
    assert redact_text(text) == redacted
