"""Attack: successful results that the widened detection read as failures.

A success read as a failure, with a learned repair active, re-runs the call (a second booking).
Today's widening read an HTML page's first headings for an HTTP status and a bare ``Exception: ...``
line as an exception: a page whose heading merely starts with a number from 400 to 599 ("500 Days
of Summer", "450 units shipped", "401(k) plans"), and a status report whose exception field is
empty ("Exception: none"), are successes.
"""

from __future__ import annotations

import pytest

from skillevo._detect import detect_failure


@pytest.mark.parametrize(
    "page",
    [
        "<html><head><title>Films</title></head><body><h1>500 Days of Summer</h1><p>Showtimes</p></body></html>",
        "<html><head><title>Inventory</title></head><body><h1>450 units shipped</h1></body></html>",
        "<!doctype html><html><body><h1>404 reasons to visit Lisbon</h1></body></html>",
        "<html><head><title>401(k) Retirement Plans Explained</title></head><body></body></html>",
        "<html><head><title>Docs</title></head><body><h1>Status 404 explained: what it means</h1></body></html>",
        "<html><head><title>HTTP 404 pages: a design gallery</title></head></html>",
        "<html><head><title>Route 66</title></head><body><h1>Chapter 1</h1><h1>410 miles to go</h1></body></html>",
    ],
)
def test_a_heading_that_starts_with_a_number_is_no_status(page: str) -> None:
    assert detect_failure(page) is None


@pytest.mark.parametrize(
    "page",
    [
        "<html><head><title>404 Not Found</title></head></html>",
        "<html><head><title>504 Gateway Time-out</title></head><body><h1>504 Gateway Time-out</h1></body></html>",
        "<html><head><title>503 Service Temporarily Unavailable</title></head></html>",
        "<html><head><title>404 - File or directory not found.</title></head></html>",
        "<html><head><title>500 - Internal server error.</title></head></html>",
        "<html><head><title>Oops</title></head><body><h1>429 Too Many Requests</h1></body></html>",
        "<html><head><title>Error 500</title></head></html>",
        "<html><head><title>HTTP Status 403 &#8211; Forbidden</title></head></html>",
        "<html><head><title>403</title></head></html>",
    ],
)
def test_an_error_status_page_stays_a_failure(page: str) -> None:
    assert detect_failure(page) is not None


@pytest.mark.parametrize(
    "text",
    [
        "Exception: none",
        "Exception: none\nstatus: completed, 1,200 rows written",
        "Exception: none. Booking B-1042 confirmed",
        "Exception: n/a",
        "job.Exception: none",
        "Exception=None exit_code=0",
    ],
)
def test_an_empty_exception_label_is_no_failure(text: str) -> None:
    assert detect_failure(text) is None


@pytest.mark.parametrize(
    "text",
    ["Exception: the export failed", "Exception: null pointer in handler", "KeyError: 0", "ValueError: None"],
)
def test_an_exception_line_with_a_message_stays_a_failure(text: str) -> None:
    assert detect_failure(text) is not None
