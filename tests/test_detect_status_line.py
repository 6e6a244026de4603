"""A tool result that opens with an HTTP error status line is a failure.

Tools that wrap an HTTP API often return the response as text: the status line, then the body
(``HTTP 400 Bad Request: {"message": ...}``, ``HTTP/1.1 422 Unprocessable Entity``). Before
2026-12-07 such a text was a success (only an ``Error`` label, an exception line, a traceback, JSON
or markup were read): in a held-out clinic world, every rejection of one such tool was recorded as
a success, so a repair that did not help was credited with it and nothing was mined. The status
line is read as a page title is (`_status_title`): a 4xx or 5xx status standing alone or followed
by its reason phrase or words saying the request failed; a success status, or a number that merely
follows the word, is data.
"""

from __future__ import annotations

import pytest

from skillevo import Evolver, SkillLibrary
from skillevo._detect import detect_failure

FAILURES = [
    'HTTP 400 Bad Request: {"status": 400, "error": "Bad Request", "message": "codes[1] must be a string"}',
    "HTTP/1.1 422 Unprocessable Entity\n\n{\"detail\": \"priority must be one of routine, urgent\"}",
    "HTTP 404",
    "HTTP/2 503 Service Unavailable",
    "HTTP Status 500 - Internal Server Error",
    "http 429 too many requests, retry after 3s",
]
SUCCESSES = [
    "HTTP 200 OK: {\"id\": 5}",
    "HTTP/1.1 201 Created",
    "HTTP 404 pages by month: 1200 in March",
    "HTTP/2 adoption reached 400 sites",
    "HTTPS 400 Bad Request",
]


@pytest.mark.parametrize("text", FAILURES)
def test_an_http_error_status_line_is_a_failure(text: str) -> None:
    found = detect_failure(text)
    assert found is not None, text


@pytest.mark.parametrize("text", SUCCESSES)
def test_other_texts_that_start_with_http_are_data(text: str) -> None:
    assert detect_failure(text) is None, text


def test_the_category_comes_from_the_status() -> None:
    assert detect_failure("HTTP 404 Not Found").category == "not_found"  # type: ignore[union-attr]
    assert detect_failure("HTTP/1.1 429 Too Many Requests").category == "rate_limit"  # type: ignore[union-attr]


def test_an_episode_records_the_rejected_call_as_failed() -> None:
    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, seed=1)
        with evo.episode(task="t") as ep:
            assert ep.on_tool_result("labs", {"codes": [1]}, FAILURES[0]) is True
            assert ep.on_tool_result("labs", {"codes": ["1"]}, SUCCESSES[0]) is False
