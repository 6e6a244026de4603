"""Redaction takes time linear in a hostile text's length (attack13).

The prose rule finds where a key may start by walking back from each occurrence of a key stem to the
start of its word. One 100 KB word made of a stem repeated ("tokentoken...", "apikeyapikey...") walked
back over the whole word from each of its 20,000 occurrences: 80 s for "token", 60 s for "apikey" in
one `redact_text` call on the agent's path (tool output is hostile, and every recorded text is
redacted). A later occurrence in the same word now stops at the previous one's start.
"""

from __future__ import annotations

import time

import pytest

from skillevo._redaction import redact_text

N = 100_000


@pytest.mark.parametrize("stem", ["token", "apikey", "secret", "password", "passwd", "pin"])
def test_a_word_of_repeated_key_stems_is_redacted_in_linear_time(stem: str) -> None:
    text = (stem * (N // len(stem) + 1))[:N]
    began = time.perf_counter()
    redact_text(f"{text} ok")
    assert time.perf_counter() - began < 10.0  # 60-80 s before; under 0.1 s after on a loaded 2-core machine


def test_the_prose_rule_still_hides_a_secret_after_a_long_word() -> None:
    filler = "tokentoken" * 1000
    out = redact_text(f"{filler} and my api token is 9fK2xQ7vLm4pZ8wR")
    assert "9fK2xQ7vLm4pZ8wR" not in out
    assert out.startswith(filler)
