"""A text that opens with an error label whose value says there is none, and goes on with other
news ("Errors: 0, Warnings: 2", "Error: none. Booking B1 confirmed", "errors=0 warnings=1"), is a
success: only the label alone was read as one, so a status line of a call that took effect was a
failure, and with a learned repair active skillevo made the call again (a second payment)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from skillevo import Evolver
from skillevo._detect import detect_failure
from skillevo.adapters import call_tool

sys.path.insert(0, str(Path(__file__).parent))
from repair_armed import armed

NO_ERROR = [
    "Errors: 0, Warnings: 2",
    "Errors: 0; payment P1 captured",
    "Error: none. Payment P1 captured",
    "errors=0 warnings=1",
    "Errors: 0\nWarnings: 2\nPayment P1 captured",
    "ERRORS: NONE | payment P1 captured",
    "Error: n/a; payment P1 captured",
]
STILL_ERRORS = [
    "Error: null\n    at charge (pay.js:12:3)",
    "Error: no such card",
    "Error: no, the card was declined",
    "Error: none of the cards could be charged",
    "Error: 0 rows written",
    "Error: false positive rate too high: aborted",
    "Error: 0x80070005 access denied",
]


@pytest.fixture
def evo() -> Iterator[Evolver]:
    with armed("pay", "currency", "EUR") as evo:
        yield evo


@pytest.mark.parametrize("text", NO_ERROR)
def test_a_label_saying_no_error_then_more_is_a_success(text: str) -> None:
    assert detect_failure(text) is None


@pytest.mark.parametrize("text", STILL_ERRORS)
def test_an_error_whose_words_start_like_an_empty_label_is_one(text: str) -> None:
    assert detect_failure(text) is not None


@pytest.mark.parametrize("text", NO_ERROR)
def test_a_captured_payment_is_not_made_twice(evo: Evolver, text: str) -> None:
    charges: list[dict[str, Any]] = []

    def pay(args: dict[str, Any]) -> str:
        charges.append(dict(args))
        return text

    with evo.episode(task="t") as ep:
        assert call_tool(ep, "pay", {"amount": 10, "currency": "USD"}, pay) == text
    assert charges == [{"amount": 10, "currency": "USD"}]
