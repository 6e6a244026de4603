"""A lone surrogate in a secret's value raised `UnicodeEncodeError` out of redaction (attack21,
2026-12-07): the percent-encoded forms of a known or rule-found secret went through `quote`, which
refuses surrogates, so `redact_text` and `redact` raised into the agent's run (6 of 8 inputs; before
this stop's echo of rule-found secrets, 0). Now they are encoded as their bytes, and the secret is hidden."""

from __future__ import annotations

import pytest

from skillevo._redaction import redact, redact_text

TEXTS = ["password=ab\ud800cdefghij", "token: Xq7v\udc00Lp2Rz9Kw"]


@pytest.mark.parametrize("text", TEXTS)
def test_a_surrogate_in_a_secret_is_hidden_not_raised(text: str) -> None:
    secret = text.split("=")[-1].split(": ")[-1]
    assert secret not in redact_text(text)
    assert secret not in str(redact({"error": text}))


def test_a_known_secret_holding_a_surrogate_is_read_without_raising() -> None:
    shown = redact_text("echo ab\ud800cdefgh here", known={"ab\ud800cdefgh"})
    assert "cdefgh" not in shown and "echo" in shown
