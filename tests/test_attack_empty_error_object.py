"""An ``error`` member that is always present and reports nothing (``{"code": null, "message":
null}``, ``{"code": 0, "message": ""}``, ``[null]``) is no error: any non-empty error object or list
was read as a failure, and with a learned repair active skillevo made the booking a second time."""

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

EMPTY: dict[str, Any] = {
    "null fields": {"booking_id": "B1", "error": {"code": None, "message": None}},
    "blank message": {"booking_id": "B1", "error": {"message": ""}},
    "zero code, blank message": {"booking_id": "B1", "error": {"code": 0, "message": ""}},
    "list of null": {"booking_id": "B1", "error": [None]},
    "nested empty": {"booking_id": "B1", "error": {"code": "", "details": [], "inner": {"message": None}}},
    "as JSON text": '{"booking_id": "B1", "error": {"code": null, "message": null}}',
}
REPORTED: dict[str, Any] = {
    "zero code with a message": {"error": {"code": 0, "message": "seat taken"}},
    "a code alone": {"error": {"code": "SEAT_TAKEN"}},
    "a list with one message": {"error": [None, {"message": "seat taken"}]},
    "true inside": {"error": {"failed": True}},
}


@pytest.fixture
def evo() -> Iterator[Evolver]:
    with armed("book", "seat", "any") as evo:
        yield evo


@pytest.mark.parametrize("result", list(EMPTY.values()), ids=list(EMPTY))
def test_an_error_member_reporting_nothing_is_a_success(result: Any) -> None:
    assert detect_failure(result) is None


@pytest.mark.parametrize("result", list(REPORTED.values()), ids=list(REPORTED))
def test_an_error_member_reporting_something_is_a_failure(result: Any) -> None:
    assert detect_failure(result) is not None


@pytest.mark.parametrize("result", list(EMPTY.values()), ids=list(EMPTY))
def test_the_booking_is_not_made_twice(evo: Evolver, result: Any) -> None:
    bookings: list[dict[str, Any]] = []

    def book(args: dict[str, Any]) -> Any:
        bookings.append(dict(args))
        return result

    with evo.episode(task="t") as ep:
        call_tool(ep, "book", {"flight": "LH1", "seat": "12A"}, book)
    assert bookings == [{"flight": "LH1", "seat": "12A"}]
