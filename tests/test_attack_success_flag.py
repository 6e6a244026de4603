"""A result that says it succeeded (``"ok": true``, ``"success": true``, MCP's ``"isError": false``,
JSend's ``"status": "success"``) is a success, whatever else it holds: an ``error`` member that
reports no error (``{"code": 0, "message": "OK"}``, ``"none found"``) made it a failure, and with a
learned repair active skillevo then ran the call again with repaired arguments: a second booking."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from skillevo import EventKind, Evolver
from skillevo._detect import detect_failure
from skillevo.adapters import call_tool

sys.path.insert(0, str(Path(__file__).parent))
from repair_armed import armed

SUCCEEDED: dict[str, Any] = {
    "success with a zero error object": {"success": True, "booking_id": "B1", "error": {"code": 0, "message": "OK"}},
    "ok with an error text that is none": {"ok": True, "booking_id": "B1", "error": "none found"},
    "jsend success": {"status": "success", "data": {"booking_id": "B1"}, "error": "No error"},
    "mcp result": {"isError": False, "content": [{"type": "text", "text": "booked"}], "error": "OK"},
    "as JSON text": '{"success": true, "booking_id": "B1", "error": {"code": 0, "message": ""}}',
}


@pytest.fixture
def evo() -> Iterator[Evolver]:
    with armed("book", "seat", "any") as evo:
        yield evo


@pytest.mark.parametrize("result", list(SUCCEEDED.values()), ids=list(SUCCEEDED))
def test_a_result_that_says_it_succeeded_is_a_success(result: Any) -> None:
    assert detect_failure(result) is None


@pytest.mark.parametrize("result", list(SUCCEEDED.values()), ids=list(SUCCEEDED))
def test_a_successful_booking_is_not_made_twice(evo: Evolver, result: Any) -> None:
    bookings: list[dict[str, Any]] = []

    def book(args: dict[str, Any]) -> Any:
        bookings.append(dict(args))
        return result

    with evo.episode(task="t") as ep:
        assert call_tool(ep, "book", {"flight": "LH1", "seat": "12A"}, book) is result
    assert bookings == [{"flight": "LH1", "seat": "12A"}]
    assert list(evo.store.events(episode_id=ep.id, kind=EventKind.TOOL_ERROR)) == []


def test_an_envelope_without_a_success_flag_still_fails() -> None:
    assert detect_failure({"success": False, "error": {"code": 0, "message": "seat taken"}}) is not None
    assert detect_failure({"booking_id": "B1", "error": "seat taken"}) is not None
    assert detect_failure({"ok": True, "errors": [{"message": "x"}], "data": None}) is None
