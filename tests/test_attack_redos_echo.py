"""Runs of pairs, one rule family at a time, read in work linear in the text.

A run of pairs without a terminator (``token:token:...``) gives one span per pair, nested, each running
to the run's end. Three steps read each span's whole value: the echo step's values (`_secret_echo`:
a per-character test for spaces, and the rest of the text copied to see whether the span ends it), an
episode's `known` values, and a cookie's value run to its line's end (`phrase_end`). 16,000 characters
of ``token:`` took 4 s and copied 80 M characters (16 times what 4,000 did: quadratic); 66 KB, as a
tool result is read, took minutes of the agent's run. The work is now counted here: the characters the
rules copy out of the text grow as the text does (a timing belongs in benchmarks/bench_redact_growth.py).
"""

from __future__ import annotations

import pytest

from skillevo._redaction import capped_text, redact_text


class _Counting(str):
    """The text, counting the characters its slices copy (every rule reads the text it is given)."""

    copied = 0

    def __getitem__(self, key):  # type: ignore[no-untyped-def]
        out = str.__getitem__(self, key)
        if isinstance(key, slice):
            _Counting.copied += len(out)
        return out


def _copied(unit: str, n: int, known: set[str] | None = None) -> int:
    _Counting.copied = 0
    out = redact_text(_Counting((unit * (n // len(unit) + 1))[:n]), known=known)
    assert "[REDACTED" in out  # the run is still hidden
    return _Counting.copied


UNITS = [
    "token:",
    "password=",
    "?key=",
    "--password=",
    "pass%77ord%3D",  # percent-encoded
    "pass&#119;ord=",  # HTML references
    "pass\\x77ord=",  # escapes
    "ｐａｓｓｗｏｒｄ＝",  # compatibility forms
    "pássword=",  # accented
    "p a s s w o r d = ",  # spelled
    "Cookie: ",  # a value to the line's end
    "Authorization: Basic ",
    "password = '",
    "password: correct horse ",  # a passphrase's words
]


@pytest.mark.parametrize("unit", UNITS)
def test_the_work_on_a_run_of_pairs_grows_as_the_text_does(unit: str) -> None:
    small, large = _copied(unit, 4_000), _copied(unit, 16_000)
    assert large <= 6 * small  # 4 times the text: about 4 times the work (it was about 16 times)


@pytest.mark.parametrize("unit", ["token:", "password="])
def test_an_episodes_known_values_are_taken_in_work_linear_in_the_text(unit: str) -> None:
    small, large = _copied(unit, 4_000, set()), _copied(unit, 16_000, set())
    assert large <= 6 * small


def test_a_value_nested_in_a_pair_is_still_hidden_where_it_is_echoed() -> None:
    out = redact_text("password=token=Qz7wPlum8831; retry with Qz7wPlum8831")
    assert "Qz7wPlum8831" not in out
    long_value = "Zq8w" * 100  # a long credential, cut at the pair's bound, echoed further on
    out = redact_text(f"password={long_value} rejected; you sent {long_value} twice")
    assert "Zq8w" not in out
    out = redact_text("password='plum orbit 7731 zebra' rejected; you sent 'plum orbit 7731 zebra'")
    assert "plum orbit" not in out


def test_a_run_of_pairs_as_a_tool_result_is_recorded_hidden() -> None:
    out = capped_text("token:" * 11_000, 2_000)
    assert "[REDACTED" in out and len(out) <= 2_001
