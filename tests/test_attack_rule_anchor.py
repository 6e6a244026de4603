"""Every secret shape rule anchors on literal text before it reads an unbounded run: a rule tried
at every position of a text that opens with an unbounded run reads each long run once per start,
quadratic in the run (the URL password rule, ``[A-Za-z][A-Za-z0-9+.-]*://...``, cost about 200 ms
of every tool call whose 67 KB recorded result was one long word and a ``://``). The password after
a scheme is still hidden wherever the URL stands."""

from __future__ import annotations

import re
import re._constants as sre_constants  # type: ignore[import-not-found]  # (no stubs: the parser `re` uses)
import re._parser as sre_parse  # type: ignore[import-not-found]

import pytest

from skillevo._redaction import _DS_RULES, _DS_UNREVIEWED, _redact_all_rules, redact
from skillevo._secret_accepted import _CUE, _ITEM, _QUOTED_NAME, _SEP, _WORD
from skillevo._secret_shapes import EXTRA_RULES

_REPEATS = (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT)
_ANCHORS = (sre_constants.LITERAL, sre_constants.SUBPATTERN, sre_constants.BRANCH)
_RULES = [(kind, regex) for kind, regex, _ in _DS_RULES + _DS_UNREVIEWED + EXTRA_RULES]
# the stated-values rule's patterns (a secret's name, a connecting phrase, its values)
_RULES += [("accepted", regex) for regex in (_CUE, _ITEM, _QUOTED_NAME, _SEP, _WORD)]


def _unbounded_lead(regex: re.Pattern[str]) -> bool:
    """Whether the pattern may read an unbounded run before its first literal or group."""
    for op, av in sre_parse.parse(regex.pattern, regex.flags):
        if op in _ANCHORS:
            return False
        if op in _REPEATS and av[1] == sre_constants.MAXREPEAT:
            return True
    return False


@pytest.mark.parametrize("kind,regex", _RULES, ids=[f"{k}-{i}" for i, (k, _) in enumerate(_RULES)])
def test_no_rule_reads_an_unbounded_run_before_its_anchor(kind: str, regex: re.Pattern[str]) -> None:
    assert not _unbounded_lead(regex), regex.pattern


@pytest.mark.parametrize(
    "url",
    ["postgresql://app:S3cr3tPassw0rd@db/x", "redis://:S3cr3tPassw0rd@cache", "chrome-extension-v2+ssh://u:S3cr3tPassw0rd@h"],
)
def test_a_url_password_is_hidden_after_any_run(url: str) -> None:
    for before in ("", "see ", "x" * 5000, "a" * 3000 + " "):
        out = redact(before + url + " done")
        assert "S3cr3tPassw0rd" not in out and out.endswith(" done")


def test_a_long_run_with_a_scheme_is_redacted_as_every_rule_would() -> None:
    text = "a" * 6000 + "://" + "b" * 100
    assert redact(text) == _redact_all_rules(text, False)
