"""Failures a tool reports in the structured conventions real APIs use (JSON-RPC 2.0, GraphQL,
JSON:API, RFC 7807 problem details, REST envelopes, MCP results, XML/HTML error documents, Python
exception text), as JSON text, Python dicts, lists or pydantic models, are read as failures, and
their signature is built from the error's message and code fields (values abstracted), so one
error with other ids or values is one class. Data that merely mentions an error word is no failure.

Before, most of these were recorded as successes (nothing learned), an error object's whole JSON
was its message (every error of a tool one ``<obj>`` signature, or a request id making each one
new), and "Error rate ..." or ``{"errors": [], ...}``-style data was read as a failure.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel

from skillevo import EventKind, Evolver, SkillLibrary
from skillevo._detect import FAILURE_FIRST, detect_failure, error_signature
from skillevo._repair_plan import error_parts


def _jsonrpc(request_id: str, value: str) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": 7,
        "error": {
            "code": -32602,
            "message": f"Invalid params: size '{value}' is not one of S, M, L",
            "data": {"request_id": request_id},
        },
    }


def _graphql(order: int) -> dict[str, Any]:
    return {
        "data": None,
        "errors": [
            {
                "message": f"Order {order} not found",
                "locations": [{"line": 1, "column": 3}],
                "path": ["order"],
                "extensions": {"code": "NOT_FOUND", "requestId": f"r-{order * 7919}"},
            }
        ],
    }


def _jsonapi(value: str) -> dict[str, Any]:
    return {
        "jsonapi": {"version": "1.1"},
        "errors": [
            {
                "status": "422",
                "code": "invalid_size",
                "title": "Invalid attribute",
                "detail": f"size '{value}' is not allowed",
                "source": {"pointer": "/data/attributes/size"},
            }
        ],
    }


def _problem(balance: int, cost: int) -> dict[str, Any]:
    return {
        "type": "https://example.com/probs/out-of-credit",
        "title": "You do not have enough credit.",
        "detail": f"Your current balance is {balance}, but that costs {cost}.",
        "instance": f"/account/{balance}/msgs/abc",
        "balance": balance,
    }


#: One convention each: a function of the instance values, so two instances can be compared.
CONVENTIONS: dict[str, Any] = {
    "JSON-RPC 2.0 error object": lambda v: _jsonrpc(f"req-{v}-8f3a", f"X{v}"),
    "GraphQL errors with null data": lambda v: _graphql(v),
    "JSON:API errors": lambda v: _jsonapi(f"XL{v}"),
    "RFC 7807 problem details": lambda v: _problem(v, v + 20),
    "ok false envelope": lambda v: {"ok": False, "error": "channel_not_found", "ts": f"{v}.0001"},
    "success false envelope": lambda v: {"success": False, "message": f"Seat {v}A is taken"},
    "status error envelope (JSend)": lambda v: {"status": "error", "message": f"Order {v} is locked", "code": 409},
    "status fail envelope (JSend)": lambda v: {"status": "fail", "data": {"size": f"'{v}' is not a size"}},
    "HTTP status envelope": lambda v: {"status": 404, "message": f"No order {v}", "request_id": f"{v:x}ab12"},
    "HTTP code envelope": lambda v: {"code": 400, "message": f"Bad quantity {v}", "timestamp": 1_700_000_000 + v},
    "REST error with a description": lambda v: {"error": "invalid_grant", "error_description": f"code {v} expired"},
    "MCP result flagged isError": lambda v: {
        "content": [{"type": "text", "text": f"No file {v}.txt"}],
        "isError": True,
    },
    "FastAPI validation detail": lambda v: {
        "detail": [{"loc": ["body", "size"], "msg": "Input should be 'S' or 'M'", "type": "enum", "input": f"Q{v}"}]
    },
    "list with one error string": lambda v: [f"Error: order {v} not found"],
    "list of error objects": lambda v: [{"error": f"order {v} not found"}],
}


def _as_text(value: Any) -> str:
    return json.dumps(value)


@pytest.fixture
def evo() -> Iterator[Evolver]:
    with SkillLibrary(":memory:") as lib:
        yield Evolver(lib, miner=None, sandbox=None)


@pytest.mark.parametrize("make", list(CONVENTIONS.values()), ids=list(CONVENTIONS))
@pytest.mark.parametrize("form", ["python", "json text"])
def test_each_convention_is_a_failure_in_either_form(make: Any, form: str) -> None:
    for v in (42, 4817):
        result = make(v) if form == "python" else _as_text(make(v))
        failure = detect_failure(result)
        assert failure is not None, result
        if isinstance(result, str):
            assert result.lstrip()[:1] in FAILURE_FIRST


@pytest.mark.parametrize("make", list(CONVENTIONS.values()), ids=list(CONVENTIONS))
def test_one_error_with_other_values_is_one_signature(make: Any) -> None:
    a, b = detect_failure(make(42)), detect_failure(_as_text(make(4817)))
    assert a is not None and b is not None
    assert a.signature == b.signature
    assert a.signature == error_signature(a.message)  # the v2 scheme, read from the extracted message


def test_jsonrpc_error_signature_reads_message_and_code_not_the_request_id() -> None:
    failure = detect_failure(_jsonrpc("req-1-aaaa", "X1"))
    assert failure is not None
    assert "Invalid params" in failure.message and "-32602" in failure.message
    assert "req-1-aaaa" not in failure.message and "request_id" not in failure.message
    assert failure.category == "enum"
    other = detect_failure({"jsonrpc": "2.0", "id": 7, "error": {"code": -32601, "message": "Method not found"}})
    assert other is not None and other.signature != failure.signature


def test_two_error_objects_with_other_messages_are_two_classes() -> None:
    # Before, an error object's whole JSON was its message: every one was "v2:<obj>".
    a = detect_failure({"error": {"code": 400, "message": "missing argument: size"}})
    b = detect_failure({"error": {"code": 400, "message": "colour is not a colour"}})
    assert a is not None and b is not None and a.signature != b.signature
    assert a.category == "missing_arg"


def test_graphql_error_reads_message_and_extension_code() -> None:
    failure = detect_failure(json.dumps(_graphql(42)))
    assert failure is not None
    assert "Order 42 not found" in failure.message and "NOT_FOUND" in failure.message
    assert "r-" not in failure.message
    assert failure.category == "not_found"


def test_jsonapi_error_names_the_field_it_points_at() -> None:
    failure = detect_failure(_jsonapi("XL"))
    assert failure is not None
    assert "Invalid attribute" in failure.message and "size" in failure.message and "invalid_size" in failure.message


def test_rfc7807_problem_reads_title_and_detail() -> None:
    failure = detect_failure(json.dumps(_problem(30, 50)))
    assert failure is not None
    assert "enough credit" in failure.message and "balance is 30" in failure.message
    assert detect_failure({"type": "about:blank", "title": "Not Found", "status": 404}) is not None


def test_http_status_reads_as_its_category() -> None:
    failure = detect_failure({"status": 404, "message": "No order 42"})
    assert failure is not None and failure.category == "not_found"
    failure = detect_failure('{"statusCode": 429, "message": "slow down"}')
    assert failure is not None and failure.category == "rate_limit"


def test_error_string_with_a_message_field_keeps_both() -> None:
    failure = detect_failure({"timestamp": "2024-01-01", "status": 404, "error": "Not Found", "message": "No order 42"})
    assert failure is not None
    assert "Not Found" in failure.message and "No order 42" in failure.message


def test_an_error_string_alone_is_the_message_as_before() -> None:
    # BFCL-style results: what they were recorded as (message and signature) must not move.
    for result in ({"error": "Booking not found"}, '{"error": "Booking not found"}'):
        failure = detect_failure(result)
        assert failure is not None and failure.message == "Booking not found"
        assert failure.signature == error_signature("Booking not found")


def test_xml_error_document_reads_code_and_message() -> None:
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code>'
        "<Message>The specified key does not exist.</Message><Key>a/b.txt</Key>"
        "<RequestId>4442587FB7D0A2F9</RequestId></Error>"
    )
    failure = detect_failure(xml)
    assert failure is not None
    assert "NoSuchKey" in failure.message and "does not exist" in failure.message
    assert "4442587FB7D0A2F9" not in failure.message


def test_soap_fault_is_a_failure() -> None:
    soap = (
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>'
        "<faultcode>soap:Client</faultcode><faultstring>Invalid order id</faultstring>"
        "</soap:Fault></soap:Body></soap:Envelope>"
    )
    failure = detect_failure(soap)
    assert failure is not None and "Invalid order id" in failure.message


@pytest.mark.parametrize(
    "page",
    [
        "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body><center><h1>502 Bad Gateway</h1></center>"
        "<hr><center>nginx</center></body></html>",
        "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL"
        " was not found on the server.</p>",
        "<!DOCTYPE html><html><head><title>Error 404 (Not Found)!!1</title></head><body></body></html>",
        "<html><head><title>HTTP Status 500 &#8211; Internal Server Error</title></head><body></body></html>",
        "<html><head><title>Oops!</title></head><body><h1>500 Internal Server Error</h1><p>Sorry.</p></body></html>",
    ],
)
def test_html_error_page_is_a_failure(page: str) -> None:
    failure = detect_failure(page)
    assert failure is not None and failure.category in {"not_found", "transient", "unknown"}
    assert "<" not in failure.message


def test_python_traceback_text_is_a_failure_of_its_exception_type() -> None:
    text = (
        "Traceback (most recent call last):\n  File \"tool.py\", line 12, in run\n    size = SIZES[args['size']]\n"
        "KeyError: 'XL'\n"
    )
    failure = detect_failure(text)
    assert failure is not None and failure.error_type == "KeyError" and "'XL'" in failure.message
    qualified = "Traceback (most recent call last):\n  ...\nrequests.exceptions.HTTPError: 404 Client Error\n"
    failure = detect_failure(qualified)
    assert failure is not None and failure.error_type == "HTTPError"


def test_exception_line_text_is_a_failure_of_its_exception_type() -> None:
    failure = detect_failure("ValueError: invalid literal for int() with base 10: 'abc'")
    assert failure is not None and failure.error_type == "ValueError" and failure.category == "type"


@pytest.mark.parametrize(
    ("text", "error_type"),
    [
        ("requests.exceptions.HTTPError: 404 Client Error: Not Found for url: https://api.example/x", "HTTPError"),
        ("sqlite3.OperationalError: no such table: users", "OperationalError"),
        ("botocore.exceptions.ClientError: An error occurred (AccessDenied) when calling GetObject", "ClientError"),
        ("java.lang.IllegalArgumentException: id must be positive", "IllegalArgumentException"),
        ("System.ArgumentNullException: Value cannot be null. (Parameter 'name')", "ArgumentNullException"),
        ("Exception: the export failed", "Exception"),
    ],
)
def test_a_qualified_or_bare_exception_line_is_a_failure_of_its_class(text: str, error_type: str) -> None:
    failure = detect_failure(text)
    assert failure is not None and failure.error_type == error_type and failure.message == text


class _Envelope(BaseModel):
    ok: bool
    error: str | None = None
    data: dict[str, Any] | None = None


def test_pydantic_model_results_are_read_by_their_fields() -> None:
    failure = detect_failure(_Envelope(ok=False, error="order 42 not found"))
    assert failure is not None and failure.message == "order 42 not found"
    assert detect_failure(_Envelope(ok=True, data={"id": 42})) is None


@pytest.mark.parametrize("make", list(CONVENTIONS.values()), ids=list(CONVENTIONS))
def test_an_episode_records_the_extracted_message(evo: Evolver, make: Any) -> None:
    result = _as_text(make(42))
    with evo.episode(task="t") as ep:
        assert ep.on_tool_result("orders", {"id": 42}, result) is True
    (event,) = evo.store.events(episode_id=ep.id, kind=EventKind.TOOL_ERROR)
    failure = detect_failure(result)
    assert failure is not None and event.data["error"] == failure.message
    assert event.data["signature"] == failure.signature


#: Texts that start with an error word and report an error in their own words, without a label's
#: punctuation: failures (a tool's plain error text), however the words after it run.
PLAIN_ERROR_TEXTS = [
    "Error invalid date",
    "ERROR invalid date",
    "Error user not found",
    "Error unknown city",
    "Error 'x' not found",
    "Error NotFound",
    "Error, bad input",
    "Error; bad",
    "error x",
    "Error rate limit exceeded",
    "Error invalid value 5",
    "Error unknown id 42",
    "Error on line 3",
    "Error at position 12",
    "Error invalid amount: 5",
    "Error code 42",
    "Error user 123 not found",
]


@pytest.mark.parametrize("text", PLAIN_ERROR_TEXTS)
def test_a_plain_error_text_is_a_failure(text: str) -> None:
    assert detect_failure(text) is not None


#: Successes whose text or structure mentions an error word: data, not a failure.
SUCCESSES: dict[str, Any] = {
    "error rate report": "Error rate for service checkout: 0.1%",
    "error budget": "Error budget remaining: 40% (SLO 99.9%)",
    "error count zero": "Errors: 0",
    "error none": "Error: none",
    "error rate": "Error rate 0.1%",
    "error count": "Error count: 3",
    "error budget without a colon": "Error budget remaining 99%",
    "error logs none": "Error logs: none",
    "error null with data": {"error": None, "data": {"id": 42}},
    "empty errors with data": {"errors": [], "data": {"id": 42}},
    "success true": {"success": True, "message": "Order 42 shipped"},
    "ok true": {"ok": True, "error": None},
    "metric named error": {"error": 0.02, "mean": 3.1},
    "error_rate key": {"error_rate": 0.02, "status": "ok"},
    "job whose status is failed": {"job_id": "j-42", "status": "failed", "exit_code": 137},
    "link checker result": {"url": "https://example.com/x", "status": 404},
    "log search results": {"errors": [{"message": "disk full", "ts": "10:00"}], "count": 1},
    "GraphQL partial data": {"data": {"order": {"id": 42}}, "errors": [{"message": "price unavailable"}]},
    "article with a title": {"type": "article", "title": "Error handling in Python", "detail": "A guide"},
    "status code 200": {"status": 200, "message": "OK"},
    "HTML article about errors": "<html><head><title>Error handling in Python</title></head></html>",
    "XML report about errors": "<?xml version='1.0'?><ErrorRateReport><Rate>0.1</Rate></ErrorRateReport>",
    "list of log lines": ["Error: disk full at 10:00", "Info: recovered"],
    "list of data rows": [{"id": 1, "text": "Error: looked up in the manual"}],
    "model with no error": _Envelope(ok=True, error=None),
    "prose": "Traceback analysis shows no fault",
    "exception named in prose": "ValueError is raised when a value is wrong",
    "qualified exception named in prose": "see requests.exceptions.HTTPError: it is raised on a 4xx status",
    "lower-case prose about exceptions": "exceptions are logged to errors.log",
    "dotted name that is no exception": "app.models.User: created id 3",
    "heading that is no status": (
        "<html><head><title>Orders</title></head><body><h1>Order 500 shipped</h1></body></html>"
    ),
}


@pytest.mark.parametrize("result", list(SUCCESSES.values()), ids=list(SUCCESSES))
def test_data_that_mentions_an_error_is_a_success(result: Any) -> None:
    assert detect_failure(result) is None
    if isinstance(result, dict | list):
        assert detect_failure(json.dumps(result)) is None


@pytest.mark.parametrize("result", list(SUCCESSES.values()), ids=list(SUCCESSES))
def test_an_episode_records_such_data_as_a_success(evo: Evolver, result: Any) -> None:
    with evo.episode(task="t") as ep:
        assert ep.on_tool_result("orders", {"id": 42}, result) is False
    assert evo.store.events(episode_id=ep.id, kind=EventKind.TOOL_ERROR) == []


@pytest.mark.parametrize(
    "text",
    [
        "Error: order 42 not found",
        "ERROR - quota exceeded",
        "Error 404: no such order",
        "Error invoking tool 'orders' with kwargs {'id': 4} with error:\n id: Field required",
        "Error executing tool orders: timeout",
        "Error in orders: bad id",
        "Error code: 400 - {'error': {'message': 'bad'}}",
        "Error\nsomething broke",
        "Error!",
        "Errors:\n- size is required\n- colour is invalid",
    ],
)
def test_error_labels_in_text_stay_failures(text: str) -> None:
    assert detect_failure(text) is not None
    assert text[:1] in FAILURE_FIRST


@pytest.mark.parametrize(
    "text",
    [
        "<?xml version='1.0'?><Error><Code>NoSuchKey</Code><Message>no key</Message></Error>",
        "<html><head><title>404 Not Found</title></head></html>",
        "Traceback (most recent call last):\n  File \"t.py\", line 1\nKeyError: 'XL'",
        "KeyError: 'XL'",
        "sqlite3.OperationalError: no such table: users",
        "orders shipped: 3",
        '["Error: order 42 not found"]',
        "<html><head><title>Orders</title></head></html>",
        "Order 42 shipped",
        '[{"id": 1, "status": "error"}]',
    ],
)
def test_the_per_call_shortcut_agrees_with_detect_failure(evo: Evolver, text: str) -> None:
    with evo.episode(task="t") as ep:
        assert ep.on_tool_result("orders", {"id": 42}, text) == (detect_failure(text) is not None)


def test_a_broken_model_dump_is_no_failure_of_skillevo() -> None:
    class Broken(BaseModel):
        x: int = 1

        def model_dump(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
            raise RuntimeError("boom")

    assert detect_failure(Broken()) is None


def test_deep_or_huge_structures_cost_a_bounded_read() -> None:
    nested: Any = {"error": "deep"}
    for _ in range(5000):
        nested = {"error": nested}
    failure = detect_failure(nested)
    assert failure is not None and len(failure.message) < 2000
    many = {"data": None, "errors": [{"message": f"bad {i}"} for i in range(100_000)]}
    failure = detect_failure(many)
    assert failure is not None and len(failure.message) < 2000


@pytest.mark.parametrize("make", list(CONVENTIONS.values()), ids=list(CONVENTIONS))
def test_the_error_hook_reads_a_structured_text_as_the_result_hook_did(make: Any) -> None:
    # `on_tool_error` with the text `on_tool_result` judged: the same message (and so category).
    text = _as_text(make(42))
    failure = detect_failure(text)
    assert failure is not None and error_parts(text) == (failure.error_type, failure.message)
    traceback = "Traceback (most recent call last):\n  File \"t.py\", line 1\nKeyError: 'XL'"
    assert error_parts(traceback) == ("KeyError", "KeyError: 'XL'")
    assert error_parts("Error: order 42 not found") == ("error", "Error: order 42 not found")


def test_hostile_texts_cost_a_bounded_read_and_raise_nothing() -> None:
    assert detect_failure('{"error": ' + "[" * 200_000) is None  # deeper than the JSON parser's stack
    assert detect_failure("[" * 200_000 + '"Error: x"' + "]" * 200_000) is None
    failure = detect_failure("Error " + "a" * 5_000_000)
    assert failure is not None and len(failure.message) <= 2000  # what is classified: the first 2,000
    long_traceback = "Traceback (most recent call last):\n" + '  File "t.py", line 1\n' * 2000 + "KeyError: 'XL'\n"
    failure = detect_failure(long_traceback)
    assert failure is not None and failure.error_type == "KeyError"
    assert detect_failure({f"k{i}": i for i in range(100_000)}) is None
