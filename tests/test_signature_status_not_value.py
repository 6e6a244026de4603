"""An HTTP status kept in an error signature (v3) is a status, never the head of a longer value.

Version 3 keeps a three-digit status written after a word naming it (``HTTP 404``, ``status: 429``),
hiding it from the value rules before they run. A phone number written after ``status`` (a callback's
``status 415-555-0100``, ``status 415 555 0100``) had its area code taken for a status: the phone rule
no longer saw a phone, and ``415`` stayed in the signature, where version 2 hid every digit.
"""

from __future__ import annotations

import pytest

from skillevo._detect import error_signature, error_signature_v2


@pytest.mark.parametrize(
    "message",
    [
        "Callback failed: status 415-555-0100 unreachable",
        "Callback failed: status 415 555 0100 unreachable",
        "Callback failed: status 415.555.0100 unreachable",
        "Transfer refused, error code 412/77 for the account",
    ],
)
def test_a_longer_value_after_a_status_word_is_hidden(message: str) -> None:
    assert not any(ch.isdigit() for ch in error_signature(message)[3:]), error_signature(message)
    assert not any(ch.isdigit() for ch in error_signature_v2(message)[3:])  # (as version 2 hid it)


@pytest.mark.parametrize(
    ("message", "kept"),
    [
        ("HTTP 404: Not Found", "404"),
        ("Error code: 503 - Service Unavailable", "503"),
        ("Server error: 502 Bad Gateway for url https://api.example.com/v1/x", "502"),
        ("request failed, status=429 retry later", "429"),
    ],
)
def test_a_status_is_still_kept(message: str, kept: str) -> None:
    assert kept in error_signature(message)


def test_two_phone_numbers_after_status_share_one_signature() -> None:
    assert error_signature("status 415-555-0100 unreachable") == error_signature("status 212-555-0199 unreachable")
