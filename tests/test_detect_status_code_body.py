"""An HTTP error status read by its code, with or without its reason phrase, and the JSON body's words.

A tool that wraps an HTTP API writes the response its own way: ``HTTP/1.1 422 Unprocessable
Entity`` then the body, ``HTTP 422 {...}`` (no reason phrase) or ``422 {...}`` (``f"{r.status_code}
{r.text}"``). Before 2026-12-07 only the first was a failure: the other two were recorded as
successes (nothing mined, a repair that did not help credited). And the class of such a message
was ``unknown`` whatever its body said: every word of a JSON body is quoted, and quoted values are
not read, so a FastAPI body of ``"type": "missing"`` items never reached a rule keyed on
``missing_arg``, while the same body's items named the missing argument (`error_items`).
A number that merely starts a successful output stays data.
"""

from __future__ import annotations

import json

import pytest

from skillevo import Evolver, SkillLibrary
from skillevo._detect import classify_error, detect_failure
from skillevo._error_items import error_items


def _body(kind: str, field: str, msg: str) -> str:
    return json.dumps({"detail": [{"type": kind, "loc": ["body", field], "msg": msg, "input": {}}]})


MISSING = _body("missing", "window", "Field required")
FAILURES = [
    "HTTP 422 " + MISSING,
    "HTTP/1.1 422\n" + MISSING,
    "422 " + MISSING,
    "422 Unprocessable Entity: " + MISSING,
    '404 {"detail": "record \'R-17\' not found"}',
    '409 - {"error": "conflict"}',
    "404 Not Found: no such record",
    "503 Service Unavailable",
]
SUCCESSES = [
    "404 items found",
    "500 rows copied, 3 failed",
    "422",
    "404 Not Founders Day",
    "450 units shipped: {sku: 12}",
    "4 errors fixed",
    "200 " + MISSING.replace("detail", "items"),
    "HTTP 404 pages by month: 1200 in March",
]


@pytest.mark.parametrize("text", FAILURES)
def test_an_error_status_code_with_or_without_its_reason_phrase_is_a_failure(text: str) -> None:
    assert detect_failure(text) is not None, text


@pytest.mark.parametrize("text", SUCCESSES)
def test_a_number_that_starts_other_text_is_data(text: str) -> None:
    assert detect_failure(text) is None, text


@pytest.mark.parametrize("text", FAILURES[:4])
def test_a_validation_body_of_missing_items_is_a_missing_argument(text: str) -> None:
    found = detect_failure(text)
    assert found is not None and found.category == "missing_arg"
    # The class agrees with the body's items.
    items = error_items(text)
    assert items is not None and [(i.path, i.kind) for i in items] == [("window", "missing")]


@pytest.mark.parametrize(
    ("kind", "msg", "category"),
    [
        ("extra_forbidden", "Extra inputs are not permitted", "extra_arg"),
        ("literal_error", "Input should be 'a', 'b' or 'c'", "enum"),
        ("string_pattern_mismatch", "String should match pattern '^[A-Z]{3}$'", "pattern"),
        ("int_type", "Input should be a valid integer", "type"),
    ],
)
def test_the_class_of_a_json_body_comes_from_its_items(kind: str, msg: str, category: str) -> None:
    assert classify_error("HTTP/1.1 422 Unprocessable Entity\n" + _body(kind, "x", msg)) == category


def test_values_quoted_inside_a_body_message_stay_unread() -> None:
    # "quota" quoted as a value is the instance: no rate limit.
    message = 'HTTP 400 {"detail": "plan \'quota-exceeded\' is not one of basic, pro"}'
    assert classify_error(message) == "enum"


def test_an_episode_records_the_call_as_failed_and_by_class() -> None:
    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, seed=1)
        with evo.episode(task="t") as ep:
            assert ep.on_tool_result("book", {"slot": 1}, "422 " + MISSING) is True
            assert ep.on_tool_result("book", {"slot": 1, "window": 2}, '{"id": 7}') is False
            assert ep.on_tool_result("count", {}, "404 items found") is False
        errors = [e for e in lib.events(episode_id=ep.id) if e.kind.value == "tool_error"]
        assert len(errors) == 1
        assert classify_error(str(errors[0].data["error"]), str(errors[0].data["error_type"])) == "missing_arg"
