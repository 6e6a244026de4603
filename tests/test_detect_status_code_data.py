"""A count written before a list or record is data, not an HTTP status with its body.

``f"{len(rows)} {rows}"`` writes ``404 [{"id": 1}, ...]``: before this, any text opening with a number
from 400 to 599 and then a JSON object or list was an ``HTTPError`` (a search that found 404 rows was
recorded as failed, retried and mined, and a repair made on it credited). A bare code reads as a
status only before an error's body (`skillevo._detect_shapes.status_code_lead`); the responses an
API writes that way (``422 {"detail": [...]}``, ``409 - {"error": "conflict"}``, a Python repr of
the same) stay failures.
"""

from __future__ import annotations

import json

import pytest

from skillevo._detect import detect_failure

ROWS = [{"id": i, "name": f"row {i}"} for i in range(3)]

DATA = [
    f"404 {json.dumps(ROWS)}",  # a count, then the rows
    f"404 {ROWS}",  # the same as Python writes it
    "412 [1, 2, 3]",
    '450 {"total": 450, "items": []}',  # no HTTP status at all
    '500 {"rows": 500, "copied": 497}',
    '503 {"ok": true, "message": "503 rows synced"}',  # flagged a success
]
ERRORS = [
    '404 {"detail": "Not Found"}',
    "422 {'detail': [{'type': 'missing', 'loc': ['body', 'x'], 'msg': 'Field required'}]}",
    '400 [{"message": "bad filter", "code": "invalid"}]',
    '500 {"error": {"code": 13, "message": "internal"}',  # cut short
    '401 {"title": "Unauthorized", "status": 401}',
]


@pytest.mark.parametrize("text", DATA)
def test_a_count_before_a_list_or_record_is_data(text: str) -> None:
    assert detect_failure(text) is None, text


@pytest.mark.parametrize("text", ERRORS)
def test_a_status_code_before_an_error_body_is_a_failure(text: str) -> None:
    found = detect_failure(text)
    assert found is not None and found.error_type == "HTTPError", text
