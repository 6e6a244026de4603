"""Redaction takes time linear in a hostile text's length (attack13).

The prose rule finds where a key may start by walking back from each occurrence of a key stem to the
start of its word. One 100 KB word made of a stem repeated ("tokentoken...", "apikeyapikey...") walked
back over the whole word from each of its 20,000 occurrences: 80 s for "token", 60 s for "apikey" in
one `redact_text` call on the agent's path (tool output is hostile, and every recorded text is
redacted). A later occurrence in the same word now stops at the previous one's start.
"""

from __future__ import annotations

from typing import Any

import pytest

from skillevo import _secret_prose
from skillevo._redaction import redact_text

N = 100_000


class _Counting(str):
    """The text, counting the characters read one at a time (the walk back to a word's start)."""

    read = 0

    def __getitem__(self, key):  # type: ignore[no-untyped-def]
        if isinstance(key, int):
            _Counting.read += 1
        return str.__getitem__(self, key)


@pytest.mark.parametrize("stem", ["token", "apikey", "secret", "password", "passwd", "pin"])
def test_a_word_of_repeated_key_stems_is_redacted_in_linear_time(monkeypatch: pytest.MonkeyPatch, stem: str) -> None:
    """Counted, not timed (benchmarks/bench_redos.py times the family against prose): the walks back
    read each character of the word a bounded number of times (before: once per occurrence after it,
    about 10^9 reads for "token")."""
    text = (stem * (N // len(stem) + 1))[:N]
    _Counting.read = 0
    real = _secret_prose.prose_starts
    walked: list[int] = []

    def counted(t: str, stems: Any) -> Any:
        walked.append(len(t))
        return real(_Counting(t), stems)

    monkeypatch.setattr(_secret_prose, "prose_starts", counted)
    redact_text(f"{text} ok")
    assert walked  # the prose rule read the word
    assert _Counting.read <= 2 * sum(walked) + 64, _Counting.read


def test_the_prose_rule_still_hides_a_secret_after_a_long_word() -> None:
    filler = "tokentoken" * 1000
    out = redact_text(f"{filler} and my api token is 9fK2xQ7vLm4pZ8wR")
    assert "9fK2xQ7vLm4pZ8wR" not in out
    assert out.startswith(filler)
