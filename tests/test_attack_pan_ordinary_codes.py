"""An ordinary code of five capital letters, four digits and a letter is not an Indian PAN (attack36).

A PAN has no check character: `_secret_national` read it by its shape alone, any five capital
letters whose fourth is one of the ten holder types, four digits and a letter. That shape is an
ordinary release, batch or patch code: "BATCH2024A", "PATCH1234B", "STAGE2025C", "APPLE1234X" were
each stored as ``[REDACTED:national_id]``, so a tool error about the batch reached the miner with
the batch gone. The PAN that names a person (holder type ``P``, the fourth letter) is hidden as
before; one of a company, a trust or a firm is not a person's secret, and its shape is too common
in ordinary codes to read without its name before it (``PAN: AAACB1234F`` still hides it).
"""

from __future__ import annotations

import pytest

from skillevo._redaction import redact_text


@pytest.mark.parametrize("code", ["BATCH2024A", "PATCH1234B", "STAGE2025C", "APPLE1234X", "MATCH0001A"])
def test_an_ordinary_code_is_kept(code: str) -> None:
    text = f"unknown release {code}; try again"
    assert redact_text(text) == text


@pytest.mark.parametrize("text", ["my PAN is AFZPK7190K", "holder AFZPK7190K linked", "pan: AAACB1234F"])
def test_a_persons_pan_is_still_hidden(text: str) -> None:
    assert "7190K" not in redact_text(text) and "1234F" not in redact_text(text)
