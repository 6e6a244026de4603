"""A created resource or a partial success is no failed call: a calendar event or an issue with a
``type`` URI, a ``title`` and a ``detail`` read as an RFC 7807 problem, a validation envelope whose
fields list no message read as errors, and a result beside warnings in ``errors`` read as a GraphQL
error (only ``data`` counted as data, not ``result``). Each was a failure, and with a learned repair
active skillevo created the resource a second time."""

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

CREATED: dict[str, Any] = {
    "schema.org event": {"id": "E1", "type": "https://schema.org/Event", "title": "Team sync", "detail": "Room 4"},
    "issue with a type path": {"id": "T1", "type": "/issues/bug", "title": "Fix login", "detail": "steps"},
    "fields with no messages": {"errors": {"email": [], "name": []}, "data": None},
    "result beside warnings": {"result": {"event": "E1"}, "errors": ["warning: room changed"]},
}
STILL_FAILED: dict[str, Any] = {
    "problem with an error status": {"type": "https://x/probs/full", "title": "Room full", "status": 409},
    "problem naming its occurrence": {
        "type": "https://example.com/probs/out-of-credit", "title": "You do not have enough credit.",
        "detail": "Your current balance is 30, but that costs 50.", "instance": "/account/12345/msgs/abc",
    },
    "fields with a message": {"errors": {"email": ["is invalid"], "name": []}, "data": None},
    "errors and no result": {"result": None, "errors": [{"message": "room taken"}]},
}


@pytest.fixture
def evo() -> Iterator[Evolver]:
    with armed("create_event", "room", "any") as evo:
        yield evo


@pytest.mark.parametrize("result", list(CREATED.values()), ids=list(CREATED))
def test_a_created_resource_or_partial_success_is_a_success(result: Any) -> None:
    assert detect_failure(result) is None


@pytest.mark.parametrize("result", list(STILL_FAILED.values()), ids=list(STILL_FAILED))
def test_the_conventions_still_report_their_failures(result: Any) -> None:
    assert detect_failure(result) is not None


@pytest.mark.parametrize("result", list(CREATED.values()), ids=list(CREATED))
def test_an_event_is_not_created_twice(evo: Evolver, result: Any) -> None:
    created: list[dict[str, Any]] = []

    def create_event(args: dict[str, Any]) -> Any:
        created.append(dict(args))
        return result

    with evo.episode(task="t") as ep:
        call_tool(ep, "create_event", {"title": "Team sync", "room": "4"}, create_event)
    assert created == [{"title": "Team sync", "room": "4"}]
