"""`classify_error` against held-out failure texts of real libraries and services.

`tests/data/failure_corpus.json` holds 277 failure texts (requests, urllib3, httpx, aiohttp, gRPC,
botocore, Stripe, Twilio, GitHub, Slack, Kubernetes, PostgreSQL, sqlite3, pydantic, jsonschema,
FastAPI, zod/MCP, Python's own exceptions; a few in German, French, Spanish, Portuguese, Japanese,
Chinese and Russian), each labelled by hand with the class a careful engineer assigns. It was
written before the classifier's rules were read. Before 2026-12-08, 147 of them (53%) were
classified as labelled: a Slack ``invalid_auth`` was a validation error, a gRPC
``DEADLINE_EXCEEDED`` a not_found one, an httpx ``Server error '500 ...'`` unknown, and an argument
called ``timeout`` whose value was rejected made the failure transient.

`tests/data/failure_corpus_heldout.json` was written after the fix and never used to tune it: its
accuracy is the honest one (`benchmarks/classify_corpus.py` prints all, with the confusions).
`failure_corpus_heldout2.json` (117 texts: GraphQL, problem details, Rails, Laravel, Go, Rust,
Java, .NET, Elasticsearch, MongoDB, Redis, Kafka, cloud SDKs, CLI stderr, nine languages) was written
before the rules were read a second time, then used to make them read conventions (errno names,
validator tags, field-error maps, weak exception classes); `failure_corpus_heldout3.json` (41) was
written after that and never used to tune them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from skillevo import Event, EventKind
from skillevo._detect import classify_error
from skillevo._trigger_rate import error_category

DATA = Path(__file__).parent / "data"
CASES: list[dict[str, Any]] = json.loads((DATA / "failure_corpus.json").read_text("utf-8"))["cases"]
HELDOUT: list[dict[str, Any]] = json.loads((DATA / "failure_corpus_heldout.json").read_text("utf-8"))["cases"]
HELDOUT2: list[dict[str, Any]] = json.loads((DATA / "failure_corpus_heldout2.json").read_text("utf-8"))["cases"]
HELDOUT3: list[dict[str, Any]] = json.loads((DATA / "failure_corpus_heldout3.json").read_text("utf-8"))["cases"]
_RETRY = {"transient", "rate_limit"}
_ARGUMENT = {"missing_arg", "extra_arg", "enum", "pattern", "format", "type", "validation"}
# Known misses, kept visible (strict: a fix that makes one pass must move it out of here).
KNOWN_MISSES = {
    # Stripe's api_error: a 500 by its type only
    '{"error": {"message": "An unknown error occurred", "type": "api_error"}}',
    "An error occurred (InvalidStorageClass) when calling the PutObject operation: The storage class you "
    "specified is not valid",  # an enum only by what the service knows
    "Invalid value for timeout: must be a number of seconds between 1 and 600",  # read as "must be a number"
}


def _classified(case: dict[str, Any]) -> str:
    return classify_error(case["text"], case["error_type"], case.get("args", ()))


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, marks=pytest.mark.xfail(strict=True)) if c["text"] in KNOWN_MISSES else c for c in CASES],
    ids=[f"{i}-{c['source']}-{c['label']}" for i, c in enumerate(CASES)],
)
def test_a_real_failure_gets_the_class_a_careful_engineer_assigns(case: dict[str, Any]) -> None:
    assert _classified(case) == case["label"], case["text"]


def test_the_corpus_written_after_the_fix_is_classified_better_than_before() -> None:
    # 34 of 71 (48%) before 2026-12-08, 41 (58%) after the first fix, 60 (85%) after the conventions:
    # a floor, so a change that loses ground fails.
    right = sum(_classified(c) == c["label"] for c in HELDOUT)
    assert right >= 60, f"{right}/{len(HELDOUT)}"


@pytest.mark.parametrize(("cases", "floor"), [(HELDOUT2, 114), (HELDOUT3, 29)], ids=["heldout2", "heldout3"])
def test_the_later_corpora_are_classified_no_worse(cases: list[dict[str, Any]], floor: int) -> None:
    # heldout2: 80 of 117 (68%) on main, 114 (97%) after the conventions (it was used to develop them);
    # heldout3, written after and never tuned on: 28 of 41 (68%) -> 29 (71%).
    right = sum(_classified(c) == c["label"] for c in cases)
    assert right >= floor, f"{right}/{len(cases)}"


def test_no_argument_error_is_read_as_retryable_nor_the_reverse() -> None:
    # The costly confusion: an argument error classed transient mines "wait and retry the same call";
    # a transient one classed as an argument's mines "change the arguments". On main two of
    # heldout2's MongoDB rejections were transient (its class "MongoServerError" read as a 5xx).
    crossed = [
        c["text"] for c in CASES + HELDOUT + HELDOUT2 + HELDOUT3
        if {c["label"], _classified(c)} & _ARGUMENT and {c["label"], _classified(c)} & _RETRY
    ]
    assert not crossed, crossed


@pytest.mark.parametrize(
    ("message", "arguments", "category"),
    [
        ("timeout must be a positive number, got -5", ["timeout"], "validation"),
        ("rate: must be one of hourly, daily, weekly", ["rate", "amount"], "enum"),
        ("The value fast is not valid for throttle. Valid values are: none, low, high", ["throttle"], "enum"),
        ("format must be one of json, csv", ["format"], "enum"),
        ("permission must be one of read, write", ["permission", "path"], "enum"),
        ("api_key is required", ["api_key", "query"], "missing_arg"),
        # The call's timeout argument does not hide what the message says happened.
        ("HTTPSConnectionPool(host='h', port=443): Read timed out. (read timeout=5)", ["url", "timeout"], "transient"),
        ("Error: query did not complete within timeout_seconds=30; cancelled", ["timeout_seconds"], "transient"),
        ("TimeoutError: wait_for_job exceeded timeout=120s", ["job_id", "timeout"], "transient"),
    ],
)
def test_the_calls_argument_names_are_not_read_as_what_happened(
    message: str, arguments: list[str], category: str
) -> None:
    assert classify_error(message, "", arguments) == category


def test_without_the_argument_names_a_bare_timeout_word_still_reads_as_a_timeout() -> None:
    # (What the argument names add: the same words, with no call to say otherwise, are a timeout.)
    assert classify_error("timeout must be a positive number, got -5") == "transient"


def test_a_stored_event_is_classified_with_its_arguments_as_at_the_call() -> None:
    event = Event(kind=EventKind.TOOL_ERROR, tool="fetch", data={
        "error": "timeout must be a positive number, got -5", "error_type": "ValueError",
        "args": {"url": "https://example.com", "timeout": -5}})
    assert error_category(event) == "validation"
    assert classify_error("timeout must be a positive number, got -5", "ValueError", {"timeout": -5}) == "validation"


def test_a_code_wins_over_the_words_around_it() -> None:
    pydantic = ("1 validation error for FetchArgs\ntimeout\n  Input should be less than or equal to 120 "
                "[type=less_than_equal, input_value=600, input_type=int]")
    assert classify_error(pydantic, "ValidationError") == "validation"
    assert classify_error('{"ok": false, "error": "invalid_auth"}') == "auth"
    assert classify_error("status = StatusCode.DEADLINE_EXCEEDED details = \"Deadline Exceeded\"") == "transient"
    assert classify_error("search() got an unexpected keyword argument 'x'", "TypeError") == "extra_arg"


@pytest.mark.parametrize(
    "message",
    [
        "Error: query exceeded statement_timeout; the value must be retried later",
        "Error: request_timeout (must be retried)",
        "read_timeout: upstream did not answer, the call is invalid now",
    ],
)
def test_a_timeout_named_by_no_argument_of_the_call_stays_a_timeout(message: str) -> None:
    # Before 2026-12-08 every snake_case name holding "timeout" in a message with a rejecting word
    # was taken for an argument's name: these timeouts were validation errors.
    assert classify_error(message, "", {"sql": "select 1", "limit": 10}) == "transient"


def test_a_nested_argument_named_for_a_timeout_is_still_an_argument() -> None:
    message = 'Widget "w" is invalid: spec.timeoutSeconds: Invalid value: "5m": must be of type integer'
    arguments = {"name": "w", "spec": {"timeoutSeconds": "5m"}}
    assert classify_error(message, "", arguments) not in ("transient", "rate_limit")
