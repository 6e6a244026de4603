"""The per-field items of a structured error are part of its message.

An RFC 7807 problem lists what was wrong with each parameter in an extension member
(``"invalid-params": [{"name": ..., "reason": ...}]``, Zalando's ``violations``, ``errors``); a
JSON-RPC ``Invalid params`` error puts them in its ``data``. Before 2026-12-07 the message kept
only the problem's title and detail, or the JSON-RPC message and code: which argument was wrong and
the values it allows were dropped, so no declared value set or named argument was read from them (a
held-out HR world8: every problem+json rejection read "...didn't validate.: 1 parameter(s) invalid
(status: 422)"). Only items that name a field and say what is wrong are read: a request id or other
data beside them stays out (one error class whatever the request).
"""

from __future__ import annotations

from typing import Any

import pytest

from skillevo._detect import detect_failure
from skillevo._guidance_facts import declared_values, fields_named


def _problem(items_key: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "https://shop.example/probs/validation",
        "title": "Invalid request",
        "status": 400,
        "detail": "2 parameters are invalid",
        items_key: items,
    }


CASES = {
    "RFC 7807 invalid-params": _problem(
        "invalid-params",
        [
            {"name": "colour", "reason": "must be one of: red, green, blue"},
            {"name": "qty", "reason": "must be a positive integer"},
        ],
    ),
    "Zalando violations": _problem(
        "violations",
        [
            {"field": "colour", "message": "must be one of: red, green, blue"},
            {"field": "qty", "message": "must be a positive integer"},
        ],
    ),
    "RFC 9457 errors with pointers": _problem(
        "errors",
        [
            {"pointer": "#/colour", "detail": "must be one of: red, green, blue"},
            {"pointer": "#/qty", "detail": "must be a positive integer"},
        ],
    ),
    "JSON-RPC data": {
        "jsonrpc": "2.0",
        "id": 3,
        "error": {
            "code": -32602,
            "message": "Invalid params",
            "data": {
                "request_id": "req-81f3",
                "errors": [
                    {"path": "/colour", "message": "must be one of: red, green, blue"},
                    {"path": "/qty", "message": "must be a positive integer"},
                ],
            },
        },
    },
}


@pytest.mark.parametrize("name", list(CASES))
def test_the_items_name_their_fields_and_what_they_allow(name: str) -> None:
    found = detect_failure(CASES[name])
    assert found is not None
    assert {"colour", "qty"} <= set(fields_named(found.message)), found.message
    assert declared_values(found.message, {"colour": "Red", "qty": "2"}) == ["red", "green", "blue"], found.message
    assert "req-81f3" not in found.message and "request_id" not in found.message


def test_a_nested_field_path_reads_as_dotted_argument() -> None:
    found = detect_failure(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "error": {
                "code": -32602,
                "message": "Invalid params",
                "data": [{"path": "/window/start", "message": "expected a date"}],
            },
        }
    )
    assert found is not None and "window.start" in fields_named(found.message), found.message


def test_the_same_items_with_another_request_id_are_one_class() -> None:
    a = detect_failure(CASES["JSON-RPC data"])
    other = dict(CASES["JSON-RPC data"])
    other["error"] = {**other["error"], "data": {**other["error"]["data"], "request_id": "req-0000"}}
    b = detect_failure(other)
    assert a is not None and b is not None and a.signature == b.signature


def test_items_without_a_field_or_a_message_add_nothing() -> None:
    plain = detect_failure(_problem("invalid-params", [{"hint": "see docs"}]))
    assert plain is not None and "hint" not in plain.message and "see docs" not in plain.message


@pytest.mark.parametrize(
    "message",
    ["'size' must be one of: S, M, L; 'qty' must be positive", "size must be one of: S, M, L. Then retry with qty"],
)
def test_a_declared_list_ends_at_its_clause_mark(message: str) -> None:
    assert declared_values(message) == ["S", "M", "L"]


def test_an_envelopes_records_are_no_field_items() -> None:
    found = detect_failure({"ok": False, "message": "import failed", "data": [{"name": "Ada Byron", "message": "hi"}]})
    assert found is not None and "Ada" not in found.message
