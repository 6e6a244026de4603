"""The structural rules `detect_failure` reads a structured result with, and the error text it keeps.

Real APIs report a failure in a handful of conventions; each is one rule on the *structure* of the
result, never on words it happens to contain:

* an ``error`` member that is a non-empty text, an error object or a list of them that reports
  something (not only nulls, blanks and zero codes), ``true`` or a non-zero integer code (BFCL,
  JSON-RPC 2.0, OAuth, Slack, most REST envelopes);
* an ``errors`` member that is a non-empty list (or a field -> messages object with a message) in
  an *error envelope*: no data (``data``, ``result``) beside it (GraphQL with ``"data": null``,
  JSON:API, Rails-style validation);
* an explicit flag in an envelope: ``"ok": false``, ``"success": false``, ``"isError": true``
  (MCP), a ``status`` of ``"error"``/``"fail"`` (JSend) or ``"Failure"`` (a Kubernetes API
  ``Status`` object, whose ``kind``/``apiVersion``/``metadata`` are envelope members only in an
  object of ``"kind": "Status"``), or an HTTP error status (400-599) as
  ``status``/``statusCode``/``status_code``/``code``;
* an RFC 7807 problem (``title`` with an error ``status``, or with a ``type`` URI and ``instance``);
* FastAPI / pydantic validation errors (only ``detail``: a list of ``{"loc", "msg"}``).

A result that flags its call a success (``"ok": true``, ``"success": true``, ``"isError": false``,
``"status": "success"``) is one, whatever else it holds: a failure read where the call took effect
would retry it (a second booking).

An *envelope* holds only members these conventions define (message, code, status, request ids,
timestamps, links ...): a job record ``{"job_id": ..., "status": "failed"}`` or a link checker's
``{"url": ..., "status": 404}`` is data about something else, not a failed call.

The kept text is the error's message and code fields (``title: detail (code: X)``), never the whole
object: a request id, a timestamp or an echoed input would make each failure its own class.
"""

from __future__ import annotations

import html
import http
import json
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["json_words", "mapping_failure", "markup_failure", "status_code_lead", "status_line", "traceback_failure"]

# Members an error envelope may have besides its error (the conventions' own vocabulary).
_ENVELOPE = frozenset(
    {
        "error", "errors", "message", "msg", "detail", "details", "description", "error_description",
        "error_message", "errormessage", "reason", "title", "type", "code", "error_code", "errorcode",
        "status", "statuscode", "status_code", "ok", "success", "data", "result", "meta", "extensions",
        "jsonapi", "links", "instance", "path", "timestamp", "request_id", "requestid", "trace_id",
        "traceid", "correlation_id", "id", "jsonrpc", "source", "help", "hint", "documentation_url",
        "more_info", "errno", "warning", "response_metadata",
    }
)
# Where an error object keeps its message, most specific first (RFC 7807's title + detail is joined).
# The members a Kubernetes API ``Status`` object (``"kind": "Status"``) has besides an envelope's: its
# type's bookkeeping. Only that kind's: a record of another kind (a build, a pod) is data.
_STATUS_MEMBERS = frozenset({"kind", "apiversion", "metadata"})
_MESSAGE_KEYS = ("message", "msg", "error_message", "errorMessage", "error_description", "detail",
                 "description", "reason", "faultstring")
# Where it keeps its code: a class, not an instance (`error_signature` abstracts the numbers).
_CODE_KEYS = ("code", "error_code", "errorCode", "status", "statusCode", "status_code", "type")
# A result with none of these members reports no failure by any convention (checked first: cheap).
_MARKERS = frozenset(
    {"error", "errors", "isError", "ok", "success", "title", "detail", "status", "statusCode", "status_code", "code"}
)
_NULLISH = frozenset({"", "none", "null", "nil", "0", "false", "no", "n/a", "[]", "{}"})
_MAX_ITEMS = 3  # error objects of a list that make the message (the first are the cause)
_MAX_DEPTH = 4  # nesting read for a message: an error object inside an error object ...
_MAX_PART = 400  # characters kept of one field


def _nullish(value: Any) -> bool:
    if value is None or value is False:
        return True
    if isinstance(value, str):
        return value.strip().lower() in _NULLISH
    if isinstance(value, list | tuple | dict):
        return not value
    return False


def _reports_nothing(value: Any, depth: int = 0) -> bool:
    """Whether an error value says nothing: nullish, a zero code, or an object or list of nothing
    but those (``{"code": null, "message": null}``, ``{"code": 0, "message": ""}``, ``[null]``:
    an error member some APIs always send)."""
    if _nullish(value) or (type(value) is int and value == 0):
        return True
    if depth >= _MAX_DEPTH:
        return False
    if isinstance(value, Mapping):
        return len(value) <= 64 and all(_reports_nothing(v, depth + 1) for v in value.values())
    if isinstance(value, list | tuple):
        return len(value) <= 64 and all(_reports_nothing(v, depth + 1) for v in value)
    return False


def _http_error(value: Any) -> bool:
    """An HTTP error status (400-599), as a number or a numeric text."""
    if value is None:
        return False
    if type(value) is str and len(value) == 3 and value.isdigit():
        value = int(value)
    return type(value) is int and 400 <= value <= 599


def _is_envelope(obj: Mapping[Any, Any]) -> bool:
    own = _STATUS_MEMBERS if obj.get("kind") == "Status" else frozenset()
    return all(isinstance(k, str) and (k.lower() in _ENVELOPE or k.lower() in own) for k in obj)


def _scalar(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        return " ".join(value.split())[:_MAX_PART] or None
    if isinstance(value, int | float):
        try:
            return str(value)[:_MAX_PART] or None
        except ValueError:  # an integer longer than Python writes as text (4,300 digits): not one code
            return f"<{value.bit_length()}-bit integer>" if isinstance(value, int) else None
    return None


def describe(value: Any, depth: int = 0) -> str:
    """An error value's message and codes as one line: ``message (code: X, status: Y)``; a list's
    first items joined by ``; ``; ``""`` when it has neither (the caller then says what flagged it)."""
    if depth > _MAX_DEPTH:
        return ""
    if isinstance(value, str):
        return " ".join(value.split())[: _MAX_PART * 2]
    if isinstance(value, list | tuple):
        parts = [describe(v, depth + 1) for v in value[:_MAX_ITEMS]]
        return "; ".join(p for p in parts if p)
    if not isinstance(value, Mapping):
        return _scalar(value) or ""
    if value.get("type") == "text" and isinstance(value.get("text"), str):  # a content block (MCP)
        return " ".join(value["text"].split())[: _MAX_PART * 2]
    message = next((m for m in (_scalar(value.get(k)) for k in _MESSAGE_KEYS) if m), None)
    title = _scalar(value.get("title"))
    if title and message and title != message:
        message = f"{title}: {message}"
    message = message or title
    if message is not None and (items := _field_items(value)):  # which argument, and what it allows
        message = f"{message}: {items}"
    if message is None:  # a nested error object, a list of messages, or JSend's field -> message data
        for key in ("error", "errors", "message", "detail", "details", "data"):
            inner = value.get(key)
            if isinstance(inner, Mapping | list | tuple) and inner:
                message = describe(inner, depth + 1) or None
                if message:
                    break
    if message is None and depth > 0:  # a field -> message object ({"email": ["is invalid"]})
        fields = [f"{k}: {describe(v, depth + 1)}" for k, v in list(value.items())[:_MAX_ITEMS]
                  if isinstance(k, str) and isinstance(v, str | list)]
        message = "; ".join(f for f in fields if not f.endswith(": ")) or None
    # (A problem's `type` is a URI naming what its `title` says.)
    keys = _CODE_KEYS if value.get("title") is None else _CODE_KEYS[:-1]
    codes = [f"{k}: {c}" for k in keys if (c := _scalar(value.get(k))) is not None and c != message]
    extensions = value.get("extensions")
    if isinstance(extensions, Mapping) and (c := _scalar(extensions.get("code"))):
        codes.append(f"code: {c}")
    source = value.get("source")
    if isinstance(source, Mapping):  # JSON:API: which member failed, its last path segment
        where = _scalar(source.get("pointer")) or _scalar(source.get("parameter"))
        if where:
            codes.append(f"field: {where.rstrip('/').rsplit('/', 1)[-1]}")
    loc = value.get("loc")
    if isinstance(loc, list) and loc:  # pydantic / FastAPI: the failing input's location
        codes.append("field: " + ".".join(t for p in loc[:6] if isinstance(p, str | int) and (t := _scalar(p))))
    if not message:
        return ", ".join(codes)
    return f"{message} ({', '.join(codes)})" if codes else message


# Where an error lists what is wrong with each field: RFC 7807's ``invalid-params`` (and its other
# spellings), Zalando's ``violations``, RFC 9457's ``errors``; a JSON-RPC error's ``data`` (itself a
# list, or holding one under those keys). An item names its field by one of `_FIELD_KEYS`.
_ITEM_KEYS = ("invalid-params", "invalid_params", "invalidParams", "violations", "fieldErrors", "field_errors",
              "errors")
_FIELD_KEYS = ("name", "field", "pointer", "path", "param", "parameter", "property", "propertyPath")


def _field_items(value: Mapping[Any, Any]) -> str:
    """``'field' message`` for each of an error's first per-field items that names a field and says
    what is wrong with it ("" when none does): a request id or other data beside them is left out,
    so one error is one class whatever the request."""
    lists = [value.get(k) for k in _ITEM_KEYS]
    # (``data`` is an error's only beside its code, as in JSON-RPC: an envelope's data is its records)
    data = value.get("data") if value.get("code") is not None else None
    lists.append(data)
    if isinstance(data, Mapping):
        lists.extend(data.get(k) for k in _ITEM_KEYS)
    for items in lists:
        if not isinstance(items, list | tuple) or not items:
            continue
        parts = []
        for item in items[:_MAX_ITEMS]:
            if not isinstance(item, Mapping):
                continue
            where = next((w for w in (_scalar(item.get(k)) for k in _FIELD_KEYS) if w), None)
            said = next((m for m in (_scalar(item.get(k)) for k in _MESSAGE_KEYS) if m), None)
            if where and said and not where.endswith(("Error", "Exception")):  # (a JS error's class name)
                # a JSON pointer ("/window/start", "#/qty") names the argument path it points at
                dotted = ".".join(p for p in where.lstrip("#").split("/") if p) if "/" in where else where
                parts.append(f"'{dotted or where}' {said}")
        if parts:  # in one order: a service listing its fields in any order reports one class of error
            return "; ".join(sorted(parts))
    return ""


def _problem(obj: Mapping[Any, Any]) -> bool:
    """An RFC 7807 problem: ``title`` with an error ``status``, or with a problem ``type`` (a URI
    or ``about:blank``) and the occurrence it names (``instance``). A type URI, a title and a
    ``detail`` alone describe resources too (a schema.org event, an issue), and an object with its
    own ``id`` is a resource: neither is a problem without an error status."""
    kind, title = obj.get("type"), obj.get("title")
    if not isinstance(title, str) or not title.strip():
        return False
    if _http_error(obj.get("status")):
        return True
    uri = isinstance(kind, str) and (kind == "about:blank" or "://" in kind or kind.startswith("/"))
    return uri and "instance" in obj and "id" not in obj


def _has_messages(errors: Any) -> bool:
    """Whether an ``errors`` member holds a message: a field -> messages object whose lists are all
    empty (``{"email": []}``) reports none."""
    if isinstance(errors, Mapping):
        return any(not _nullish(v) for v in errors.values())
    return bool(errors)


def _says_succeeded(obj: Mapping[Any, Any]) -> bool:
    """Whether the result flags its call a success (``"ok": true``, ``"success": true``, MCP's
    ``"isError": false``, JSend's ``"status": "success"``). Such a flag wins over any other member:
    an ``error`` beside it reports no error (``{"code": 0, "message": "OK"}``), and reading the call
    as failed would retry a call that took effect (a second booking, a second payment)."""
    get = obj.get
    if get("ok") is True or get("success") is True or get("isError") is False:
        return True
    status = get("status")
    return isinstance(status, str) and status.strip().lower() in ("success", "ok")


def mapping_failure(obj: Mapping[Any, Any]) -> str | None:
    """The error text of a result object that reports a failure by one of the conventions (module
    doc), or None when its structure does not say so."""
    # Most results: no member any convention reads (asked of the smaller side: a huge dict costs 11 looks).
    if (_MARKERS.isdisjoint(obj.keys()) if len(obj) <= len(_MARKERS) else not any(k in obj for k in _MARKERS)):
        return None
    if _says_succeeded(obj):
        return None
    error = obj.get("error")
    if error is None:
        pass
    elif isinstance(error, str):
        if not _nullish(error):  # the text as it is (what BFCL-style failures were always recorded as)
            extra = next((m for m in (_scalar(obj.get(k)) for k in _MESSAGE_KEYS) if m and m != error), None)
            return f"{error}: {extra}" if extra else error
    elif isinstance(error, Mapping | list | tuple):
        if not _reports_nothing(error):
            return describe(error, 1) or describe({k: v for k, v in obj.items() if k != "error"}) or "error"
    elif error is True or (type(error) is int and error != 0):  # a flag, or a non-zero code (a float is a measure)
        return describe({k: v for k, v in obj.items() if k != "error"}) or f"error: {_scalar(error)}"
    if obj.get("isError") is True:  # MCP: the content says what
        return describe(obj.get("content")) or "isError: true"
    get = obj.get
    errors = get("errors")
    # (With data beside them, in ``data`` or ``result``, errors are a partial success's warnings.)
    if (errors and isinstance(errors, list | tuple | Mapping) and _nullish(get("data")) and _nullish(get("result"))
            and _is_envelope(obj) and _has_messages(errors)):
        if items := _field_items(obj):  # which arguments: a problem's title and detail with them
            return describe(obj) if _problem(obj) else items
        return describe(errors, 1) or "errors"
    flag = "ok: false" if get("ok") is False else "success: false" if get("success") is False else None
    status = get("status")
    # "Failure" only as a Status object's flag: in a record of no kind it is a thing's status (a CI
    # build's), the answer of a call that worked.
    words = ("error", "fail", "failure") if get("kind") == "Status" else ("error", "fail")
    if flag is None and isinstance(status, str) and status.strip().lower() in words:
        flag = f"status: {status.strip().lower()}"
    if flag is None and (_http_error(status) or _http_error(get("code")) or _http_error(get("statusCode"))
                         or _http_error(get("status_code"))):
        flag = "status"
    if flag is not None and _is_envelope(obj):
        return describe(obj) or flag
    if _problem(obj):
        return describe(obj)
    detail = obj.get("detail")
    if len(obj) == 1 and isinstance(detail, list) and detail and all(
        isinstance(d, Mapping) and "msg" in d and "loc" in d for d in detail[:_MAX_ITEMS]
    ):
        return describe(detail, 1)
    return None


# ------------------------------------------------------------------ a JSON body's words

# A JSON body's members that carry its words (an error's message, a validation item's ``type`` such
# as pydantic's ``missing``): in a message that holds a JSON body (``HTTP 422 {"detail": [{"type":
# "missing", ...}]}``) every word is quoted, and a classifier that skips quoted values reads none.
_JSON_WORDS = re.compile(
    r'"(?:msg|message|detail|error|error_description|title|reason|description|type)"\s*:\s*'
    r'"((?:[^"\\\n]|\\.){0,400})"'
)


def _unquoted(match: re.Match[str]) -> str:
    raw = match.group(1)
    try:
        text = json.loads(f'"{raw}"')
    except ValueError:  # (an escape cut where the text read ends)
        text = raw
    # (Its own quoted values stay quoted: "device 'D-1' not found" keeps the id a value.)
    return " " + str(text).replace('"', "'") + " ;"


def json_words(text: str) -> str:
    """`text` with each JSON message or type member (``"msg": "Field required"``) written as its
    words (`` Field required ;``): read by regular expression, so a body cut short still is."""
    return _JSON_WORDS.sub(_unquoted, text)


# ------------------------------------------------------------------ markup (XML, HTML)

_PROLOGUE = re.compile(r"\s*(?:<\?[^>]{0,300}\?>\s*|<!--.{0,2000}?-->\s*|<!doctype[^>]{0,300}>\s*)*", re.I | re.S)
_ROOT = re.compile(r"<([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")
_ERROR_ROOT = re.compile(r"\w*error|errors|\w*errorresponse|fault", re.I)
_TITLE = re.compile(r"<title[^>]{0,200}>(.{0,300}?)</title>|<h1[^>]{0,200}>(.{0,300}?)</h1>", re.I | re.S)
# A page titled by an HTTP error status: "404 Not Found", "Error 404 (Not Found)", "HTTP Status 500 - ...".
# The number alone says nothing ("500 Days of Summer", "450 units shipped", "401(k) plans" head pages
# that loaded): the status is one when it stands alone, after "Error", or before its reason phrase or
# words that say the request failed (servers word them their own way: "504 Gateway Time-out",
# "503 Service Temporarily Unavailable", "404 - File or directory not found.").
_STATUS_TITLE = re.compile(r"((?:(?:http(?:/[\d.]+)?|error|status)\b[\s:#-]*)*)([45]\d\d)\b(.{0,200})", re.I | re.S)
_REASONS = {s.value: re.sub(r"[^a-z]", "", s.phrase.lower()) for s in http.HTTPStatus if s.value >= 400}
_FAILED_WORDS = re.compile(
    r"error|not found|forbidden|unauthori[sz]ed|unavailable|denied|time-?d? ?out|fail|not allowed|"
    r"bad (?:request|gateway)|too many requests|not implemented|overloaded",
    re.I,
)


def _status_title(title: str) -> bool:
    """Whether a page's title or heading names an HTTP error status (above)."""
    m = _STATUS_TITLE.match(title)
    if m is None:
        return False
    rest = m.group(3).lstrip(" \t:#-\u2013\u2014(|")
    if not rest or "error" in m.group(1).lower():
        return True
    reason = _REASONS.get(int(m.group(2)))
    if reason and re.sub(r"[^a-z]", "", rest[: len(reason) * 2].lower()).startswith(reason):
        return True
    return _FAILED_WORDS.search(rest, 0, 80) is not None


_HTTP_LEAD = re.compile(r"http(?:/[\d.]+)?\b", re.I)
# What follows a status code when the response's body comes next on its line: a JSON object or list
# (``HTTP 422 {"detail": [...]}``), maybe after its reason phrase and a separator.
_BODY_AFTER = re.compile(r"[ \t]*(?:[:\-\u2013\u2014|][ \t]*)?[{\[]")
_CODE_LEAD = re.compile(r"([45]\d\d)\b[ \t]*")
_HTTP_CODE = re.compile(r"http(?:/[\d.]+)?\b(?:[ \t:#-]*status)?[ \t:#-]*[45]\d\d\b", re.I)


def _reason_then(rest: str, code: int) -> int | None:
    """Where `rest` goes on after `code`'s own reason phrase (``Unprocessable Entity``), or None
    when it does not start with it."""
    reason = _REASONS.get(code)
    if not reason:
        return None
    read = ""
    for i, ch in enumerate(rest[: len(reason) * 2 + 8]):
        if ch.isalpha():
            read += ch.lower()
            if not reason.startswith(read):
                return None
            if read == reason:
                return i + 1
        elif ch not in " -'":
            return None
    return None


def status_line(text: str) -> bool:
    """Whether a text opens with the status line of an HTTP error response (``HTTP 400 Bad Request:
    {...}``, ``HTTP/1.1 422 Unprocessable Entity``), read as a page title is (`_status_title`), or
    whose code is followed by the response's JSON body with no reason phrase (``HTTP 422 {...}``): a
    tool that wraps an API returning the response as text."""
    head = text[:300].split("\n", 1)[0]
    if _HTTP_LEAD.match(head) is None:
        return False
    if _status_title(head):
        return True
    code = _HTTP_CODE.match(head)
    return code is not None and _BODY_AFTER.match(head, code.end()) is not None


def status_code_lead(text: str) -> bool:
    """Whether a text opens with a bare HTTP error status code then its own reason phrase or the
    response's JSON body (``422 {"detail": [...]}``, ``404 Not Found: {...}``, ``503 Service
    Unavailable``): what ``f"{r.status_code} {r.text}"`` writes.

    A number alone or before other words is data (``404 items found``, ``500 rows, 3 failed``): the
    code is read as one only where its reason phrase or a JSON body follows it directly, and before
    a body only when it is a registered status and the body an error's (`_error_body`): a count
    before its rows (``404 [{"id": 1}]``) is data.
    """
    m = _CODE_LEAD.match(text, 0, 300)
    if m is None:
        return False
    rest = text[m.end() : 300]
    body = _BODY_AFTER.match(rest)
    if body is not None:
        # A count before a list or record is data too (``f"{len(rows)} {rows}"``: ``404 [{"id": 1}]``,
        # ``450 {"total": 450}``): a code alone says an error only before an error body.
        return int(m.group(1)) in _REASONS and _error_body(text[m.end() + body.end() - 1 :])
    after = _reason_then(rest, int(m.group(1)))
    if after is None:
        return False
    tail = rest[after:].lstrip(" \t")
    # The phrase ends its clause: the end, a new line, a separator then the message, or a body.
    return not tail or tail[0] in "\r\n:;,.-\u2013\u2014|({["


# The members an error body carries its error in (an error, its message or problem title): a body
# of other members, however they are named, is a record (``{"total": 450, "items": []}``).
_ERROR_MEMBERS = frozenset({"error", "errors", "title", "details"} | {k.lower() for k in _MESSAGE_KEYS})
# The first member of a body that is not JSON (a Python repr, one cut short).
_FIRST_MEMBER = re.compile(r"[\[\s]*\{\s*[\"']?([A-Za-z_]\w{0,60})[\"']?\s*:")


def _error_object(obj: Any) -> bool:
    return (
        isinstance(obj, Mapping) and bool(obj) and _is_envelope(obj) and not _says_succeeded(obj)
        and any(k.lower() in _ERROR_MEMBERS for k in obj)
    )


def _error_body(body: str) -> bool:
    """Whether the body after a bare status code is an error's (`status_code_lead`): an object of an
    error envelope's members, one of them an error or its message, or a list of such objects."""
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        first = _FIRST_MEMBER.match(body, 0, 300)
        return first is not None and first.group(1).lower() in _ERROR_MEMBERS
    if isinstance(parsed, list):
        return bool(parsed) and all(_error_object(item) for item in parsed[:64])
    return _error_object(parsed)


_SOAP_FAULT = re.compile(r"<(?:[\w.\-]+:)?Body\b[^>]{0,300}>\s*<(?:[\w.\-]+:)?Fault\b", re.I)
_TAG = re.compile(r"<[^>]{0,300}>")


def _element(name: str, text: str) -> str | None:
    m = re.search(rf"<(?:[\w.\-]+:)?{name}\b[^>]{{0,200}}>(.{{0,600}}?)</(?:[\w.\-]+:)?{name}>", text, re.I | re.S)
    if m is None:
        return None
    inner = " ".join(html.unescape(_TAG.sub(" ", m.group(1))).split())
    return inner or None


def markup_failure(text: str) -> str | None:
    """The error text of an XML error document (a root named ``Error``, ``...ErrorResponse``,
    ``Fault``, or a SOAP fault) or of an HTML page titled by an HTTP error status; None for any
    other markup. Read with regular expressions over the bounded prefix: no parser, no entities."""
    rest = text[_PROLOGUE.match(text).end():]  # type: ignore[union-attr]  # (it matches the empty string)
    root = _ROOT.match(rest)
    if root is None:
        return None
    name = root.group(2)
    if name.lower() == "html" or text.lstrip()[:9].lower() == "<!doctype":
        # The title or the first headings: a page titled "Oops" may head its body "500 Internal Server Error".
        for _, m in zip(range(3), _TITLE.finditer(rest), strict=False):
            title = " ".join(html.unescape(_TAG.sub(" ", m.group(1) or m.group(2) or "")).split())
            if _status_title(title):
                return title
        return None
    if not (_ERROR_ROOT.fullmatch(name) or (name.lower() == "envelope" and _SOAP_FAULT.search(rest))):
        return None
    message = next((t for k in ("Message", "faultstring", "Text", "Reason", "Description", "Detail")
                    if (t := _element(k, rest))), None)
    code = _element("Code", rest) or _element("faultcode", rest)
    if message and code:
        return f"{code}: {message}"
    return message or code or name


# ------------------------------------------------------------------ Python exception text

_TRACEBACK = "Traceback (most recent call last):"
_SCAN = 8192  # (`_detect.SCAN_CHARS`: the most of a text read)
# The exception line: a class name (maybe module-qualified) ending in Error/Exception, then ": ".
# Qualified the way Python, Java and .NET print it: ``requests.exceptions.HTTPError: ...``,
# ``java.lang.IllegalArgumentException: ...``; a bare ``Exception: ...`` too.
_EXCEPTION_LINE = re.compile(
    r"((?:[A-Za-z_]\w{0,60}\.){0,8}((?:[A-Z]\w{0,80})?(?:Error|Exception)))(?::[ \t]+|:?$)(.*)"
)
_EXCEPTION_HEAD = re.compile(r"(?:[A-Za-z_]\w{0,60}\.){0,8}(?:[A-Z]\w{0,80})?(?:Error|Exception):(?:[ \t]|$)")


def traceback_failure(text: str) -> tuple[str, str] | None:
    """(exception type, message) of a Python traceback or of an exception line
    (``ValueError: ...``, what ``traceback.format_exception_only`` writes); None for other text.
    Reads the first and (for a traceback, whose exception line is its last) the last 8 KB."""
    if text.startswith(_TRACEBACK):
        for line in reversed(text[-_SCAN:].splitlines()[-40:]):
            if line[:1].isspace() or not line:
                continue
            m = _EXCEPTION_LINE.match(line, 0, _SCAN)
            if m:
                return m.group(2), line
        return "Exception", text[:_SCAN]
    if _EXCEPTION_HEAD.match(text, 0, 90):
        m = _EXCEPTION_LINE.match(text, 0, _SCAN)
        if m:
            return m.group(2), text
    return None
