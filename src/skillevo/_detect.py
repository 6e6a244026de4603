"""Recognising a failed tool call, whatever shape the failure takes, and naming its class.

Real tools fail in many ways: they raise; LangChain wraps the error in a ``ToolMessage`` with
``status="error"``; tau-bench-style tools return a string starting with ``Error``; BFCL-style tools
return ``{"error": ...}``; and some need the user's own predicate. `detect_failure` handles all of
them without importing any framework (objects are duck-typed).

`error_signature` normalises a message (ids, numbers, quoted values, list literals, paths, dates,
e-mails, URLs replaced by their shapes) so that one skill covers one *class* of failure, not one
instance of it. The scheme is versioned (``v2:`` prefix); `same_signature` matches a stored
signature of either version, so events and skills recorded under version 1 keep matching.

Every function here reads a bounded prefix of a message (`SCAN_CHARS`; `classify_error` the first
`CLASSIFY_CHARS`, what an event stores), so a 10 MB error costs what a 2 KB one does, and the
class is a function of that prefix alone: the same error gets the same class at the call site and
when it is mined later from the stored event, in every thread and process.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from ._call_key import bounded_name
from ._classify import CLASSIFY_CHARS, classify_error
from ._detect_labels import LABEL_INITIALS, localized_empty_label, localized_error_label
from ._detect_shapes import (
    describe,
    mapping_failure,
    markup_failure,
    status_code_lead,
    status_line,
    traceback_failure,
)
from ._redaction import capped_text, redact
from ._sanitize import safe_str
from ._signature_shapes import LEAD_SUBS, UNIT_SUB, keep_statuses, restore_statuses

__all__ = [
    "CLASSIFY_CHARS",
    "FAILURE_FIRST",
    "INVISIBLE_LEAD",
    "NOT_ABOUT_ARGUMENTS",
    "SCAN_CHARS",
    "SIGNATURE_VERSION",
    "Failure",
    "classify_error",
    "detect_failure",
    "error_signature",
    "error_signature_v1",
    "error_signature_v2",
    "failure_from_exception",
    "retry_after",
    "same_signature",
    "signatures",
]

#: Error classes no argument of a call causes or fixes (the service's load, health or the caller's
#: credentials).
NOT_ABOUT_ARGUMENTS = frozenset({"rate_limit", "transient", "auth"})
#: Characters a text may start with that no reader sees (a byte-order mark a file or an HTTP body
#: decoded as plain UTF-8 keeps, zero-width spaces and joiners): skipped, with whitespace, before a
#: text is read as an error.
INVISIBLE_LEAD = "\ufeff\u200b\u200c\u200d\u2060"
#: What a text result's first character is, after any whitespace, when `detect_failure` may read it
#: as an error ("Error ..." in any case, a JSON object or list, XML or HTML, a Python traceback or
#: an exception line, maybe module-qualified, ``sqlite3.OperationalError: ...``, an HTTP error
#: status code, ``422 {...}``, the word "error" of another language as a label, ``Ошибка: ...``), or
#: one of `INVISIBLE_LEAD` before them: a text starting with any other character is a success unless
#: `is_failure` says otherwise.
FAILURE_FIRST = (
    "{[<45" + string.ascii_letters + INVISIBLE_LEAD + "".join(sorted(LABEL_INITIALS - set(string.ascii_letters)))
)
#: The most of a message any function here reads.
SCAN_CHARS = 8192

IsFailure = Callable[[Any], bool]


class Failure(BaseModel):
    """A failed call, described independently of how the tool reported it."""

    model_config = ConfigDict(frozen=True)

    error_type: str
    category: str
    message: str
    signature: str
    retry_after: float | None = None


_SUBS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"https?://\S+"), "<url>"),
    (re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b"), "<email>"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I), "<uuid>"),
    (re.compile(r"\b[0-9a-f]{16,}\b", re.I), "<hex>"),
    (re.compile(r"(?:[A-Za-z]:)?(?:/[\w.\-]+){2,}/?"), "<path>"),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?Z?)?\b"), "<date>"),
    (re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b"), "<date>"),
    (re.compile(r"'[^']{0,200}'"), "<q>"),
    (re.compile(r'"[^"]{0,200}"'), "<q>"),
    (re.compile(r"`[^`]{0,200}`"), "<q>"),
    (re.compile(r"\b[A-Za-z]{1,6}[-_]?\d+[A-Za-z0-9-]*\b"), "<id>"),
    (re.compile(r"[-+]?\d+(?:[.,]\d+)?"), "<n>"),
]

#: The current signature scheme's prefix (`error_signature`); a signature without one is version 1.
SIGNATURE_VERSION = "v3"

# Version 2: every value is replaced by its *shape*, in an order where no rule cuts another's value
# apart (a date before a path, so ``03/14/2025`` is one date; a list literal whole, so ``[123]`` and
# ``[4, 56]`` agree), and ids are any token mixing letters and digits (``abc123def``, ``123abc``).
_SUBS_V2: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b[a-z][a-z0-9+.\-]*://\S+", re.I), "<url>"),
    (re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b"), "<email>"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I), "<uuid>"),
    (
        re.compile(
            r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?(?![\w/])"
        ),
        "<date>",
    ),
    (re.compile(r"\b\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}\b(?![/.-]\d)"), "<date>"),
    (re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?\b"), "<time>"),
    (re.compile(r"\b0x[0-9a-f]+\b|\b[0-9a-f]{16,}\b", re.I), "<hex>"),
    (re.compile(r"(?:[A-Za-z]:)?(?:/[\w.\-]+){2,}/?"), "<path>"),
    (re.compile(r"'[^'\n]{0,200}'"), "<q>"),
    (re.compile(r'"[^"\n]{0,200}"'), "<q>"),
    (re.compile(r"`[^`\n]{0,200}`"), "<q>"),
    # A list or tuple literal of values (numbers, quoted values, ids, nested lists), whatever its length.
    (re.compile(r"[\[(]\s*(?:<\w+>|[-+]?\d[\w.]*|true|false|none|null)?(?:\s*,\s*(?:<\w+>|[-+]?\d[\w.]*|"
                r"true|false|none|null))*\s*,?\s*[\])]", re.I), "<list>"),
    (re.compile(r"\{[^{}\n]{0,400}\}"), "<obj>"),
    (re.compile(r"#?\b(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[A-Za-z0-9][\w-]*\b"), "<id>"),
    (re.compile(r"[-+]?\d+(?:[.,]\d+)*(?:e[-+]?\d+)?", re.I), "<n>"),
]


# Version 3: version 2's rules after `_signature_shapes.LEAD_SUBS`, with a number's unit kept apart
# from ids (``30.5s`` and ``120s`` agree).
_SUBS_V3: list[tuple[re.Pattern[str], str]] = [
    *_SUBS_V2[:1], *LEAD_SUBS, *_SUBS_V2[1:-2], UNIT_SUB, *_SUBS_V2[-2:]
]


def _normalised(message: str) -> str:
    return capped_text(" ".join(str(message)[:SCAN_CHARS].split()), 500).removesuffix("…")


def error_signature_v1(message: str) -> str:
    """The version-1 signature (no prefix): kept so events stored under it still match (`signatures`)."""
    text = _normalised(message)
    for pattern, repl in _SUBS:
        text = pattern.sub(repl, text)
    return text.lower()[:200]


def error_signature_v2(message: str) -> str:
    """The version-2 signature (``v2:``): kept so events stored under it still match (`signatures`)."""
    text = _normalised(message)
    for pattern, repl in _SUBS_V2:
        text = pattern.sub(repl, text)
    return "v2:" + text.lower()[:196]


def error_signature(message: str) -> str:
    """The message with secrets redacted and every value replaced by its shape, lower-cased, one line,
    capped, prefixed with the scheme's version (``v3:``, `_signature_shapes`).

    Numbers, ids (any token mixing letters and digits), quoted values, list and object literals,
    paths, URLs, e-mail addresses, UUIDs, dates and times become placeholders, so ``Error: 123 not
    found`` and ``Error: 456 not found`` (or ``[12, 34]`` and ``[5]``) are one class of failure. An
    HTTP status written after a word naming it (``HTTP 404``) is kept: it is the failure's class.
    """
    text = keep_statuses(_normalised(message))
    for pattern, repl in _SUBS_V3:
        text = pattern.sub(repl, text)
    return f"{SIGNATURE_VERSION}:" + restore_statuses(text).lower()[:196]


# A run of letters a shape keeps (not a placeholder's name): what makes a secret's shape its own.
_SHAPE_WORD = re.compile(r"(?<!<)[^\W\d_]{3,}(?!>)")
# The shortest beginning of a secret's shape hidden where it ends a signature (a cap fell inside it).
_CUT_MIN = 6


def hide_in_signature(signature: str, secrets: Iterable[str]) -> str:
    """`signature` with each of `secrets` (an episode's own) hidden in the shape the signature gives
    it: ``plum orbit 7731 zebra`` is ``plum orbit <n> zebra`` there, which no spelling of the secret
    matches (the event's redaction hides the secret's spellings, not its shapes). A shape that keeps
    none of the secret's words (``<id>``) is no secret's."""
    prefix = f"{SIGNATURE_VERSION}:"
    if not signature.startswith(prefix):
        return signature
    body = signature[len(prefix) :]
    shapes: set[str] = set()
    for s in secrets:
        if isinstance(s, str) and len(s) <= 500:
            shapes.add(error_signature(s)[len(prefix) :])
            # After a word naming a status, a secret's leading three digits are kept (`keep_statuses`).
            shapes.add(error_signature("status " + s)[len(prefix) :].removeprefix("status "))
    for shape in sorted(shapes, key=len, reverse=True):
        if shape in body and _SHAPE_WORD.search(shape):
            body = body.replace(shape, "[REDACTED:secret]")
    # The cap may fall inside a secret: its shape's beginning ending the signature ("plum orbit <n> ze")
    for shape in shapes:
        for cut in range(min(len(shape), len(body)) - 1, _CUT_MIN - 1, -1):
            if body.endswith(shape[:cut]) and _SHAPE_WORD.search(shape[:cut]):
                body = body[: len(body) - cut] + "[REDACTED:secret]"
                break
    return prefix + body


def signatures(message: str) -> tuple[str, ...]:
    """The message's signature under every scheme (current first, then version 2, then version 1): a
    stored signature of any version matches a message when it is one of these."""
    return error_signature(message), error_signature_v2(message), error_signature_v1(message)


def same_signature(stored: object, message: str, current: str | None = None) -> bool:
    """Whether a stored signature (of any scheme version) is the signature of `message`.

    `current` is the message's current-scheme signature when already computed.
    """
    if not isinstance(stored, str) or not stored:
        return False
    if stored.startswith(f"{SIGNATURE_VERSION}:"):
        return stored == (current if current is not None else error_signature(message))
    if stored.startswith("v2:"):
        return stored == error_signature_v2(message)
    return stored == error_signature_v1(message)




# One parser for the engine's learned back-off and structured output's retries; up to 20 characters
# may stand between the words and the number ("Retry-After header value: 2").
_RETRY_AFTER = re.compile(r"retry[- _]?after\D{0,20}?(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|sec|seconds?)?", re.I)


def retry_after(message: str) -> float | None:
    """Seconds to wait, when the message says so ("Retry-After: 2", "retry after 500 ms")."""
    m = _RETRY_AFTER.search(message[:SCAN_CHARS])
    if not m:
        return None
    value = float(m.group(1))
    unit = (m.group(2) or "s").lower()
    return value / 1000.0 if unit.startswith("m") else value


def _failure(error_type: str, message: str) -> Failure:
    # Redacted before it is cut to what is classified: a cut can split a secret so that no rule sees it.
    message = capped_text(" ".join(str(message)[:SCAN_CHARS].split()), CLASSIFY_CHARS - 1)
    return Failure(
        error_type=error_type,
        category=classify_error(message, error_type),
        message=message,
        signature=error_signature(message),
        retry_after=retry_after(message),
    )


def failure_from_exception(exc: BaseException) -> Failure:
    """Describe a raised exception (its class name is the error type)."""
    name = bounded_name(type(exc).__name__)  # a class made at run time may be named with any text
    return _failure(name, safe_str(exc, default="")[:SCAN_CHARS] or name)


def detect_failure(result: Any, *, is_failure: IsFailure | None = None) -> Failure | None:
    """The failure `result` reports, or None if it looks like a success.

    Recognised: an exception object; an object with ``status == "error"`` (LangChain ToolMessage);
    a text whose structure says it is an error (an ``Error`` label: ``Error: ...``, ``Error 404``,
    ``Error invoking ...``; a Python traceback or ``ValueError: ...`` line; an HTTP error status
    line, ``HTTP 400 Bad Request: ...``, ``HTTP/1.1 422`` or ``HTTP 422 {...}``; a bare error status
    code before its reason phrase or the response's JSON body, ``422 {...}``; a JSON object or list
    or an XML/HTML error document, read as below), after any whitespace and invisible characters
    (`INVISIBLE_LEAD`); the same text as bytes, as a list of content blocks (``[{"type": "text",
    "text": "Error: ..."}]``: a LangChain message's or an MCP tool's content) or as an object's
    ``content``; a dict, pydantic model or list whose structure reports a failure by one of the
    conventions real APIs use (JSON-RPC, GraphQL, JSON:API, RFC 7807, REST envelopes, MCP: see
    `skillevo._detect_shapes`); anything for which `is_failure(result)` is true. Data that merely
    mentions an error word ("Error rate: 0.1%", ``{"error": null}``) is a success.

    Never raises: a result whose own methods raise when read (an attribute look-up, a mapping's
    items) is no failure (read as one, a call that took effect would be retried); an exception
    whose ``__str__`` raises is a failure of its type.
    """
    # (One try around the whole read: free on the per-call path, where most results raise nothing.)
    try:
        if isinstance(result, BaseException):
            return failure_from_exception(result)
        if is_failure is not None:
            try:
                flagged = bool(is_failure(result))
            except Exception as exc:  # a broken predicate must not break the agent; say why instead
                said = safe_str(exc, default="")
                return _failure("PredicateError", f"is_failure raised {type(exc).__name__}: {said}")
            if flagged:
                try:
                    flagged_text = _flagged_text(result)
                except Exception:  # the result's own code raised: the predicate's word stands
                    flagged_text = f"is_failure flagged a {type(result).__name__}"
                return _failure("ToolFailure", flagged_text)
        if type(result) is str:  # most results: one look at the first character decides most of them
            found = _text_failure(result)
            return None if found is None else _failure(*found)
        if type(result) is dict:  # (a dict has no status attribute and no content: read its members)
            message = mapping_failure(result)
            return None if message is None else _failure("ToolError", message)
        status = getattr(result, "status", None)
        if isinstance(status, str) and status.lower() == "error":
            try:
                content = getattr(result, "content", result)
                message = _read_as_text(content) or _text_of(content)
            except Exception:  # its content cannot be read: the status still says it failed
                message = "status: error"
            return _failure("ToolError", message)
        text = _read_as_text(result)
        if text is None and not isinstance(result, Mapping) and hasattr(result, "content"):
            text = _read_as_text(result.content)
        if text is not None:  # a text in another form: read as that text
            found = _text_failure(text)
            return None if found is None else _failure(*found)
        message = _object_failure(result)
        return None if message is None else _failure("ToolError", message)
    except Exception:  # the result's own code raised while it was read: nothing it says is known
        return None


def _text_failure(text: str) -> tuple[str, str] | None:
    """(error type, message) when the text's structure says it reports an error, else None."""
    stripped = text.lstrip()
    if not stripped:
        return None
    first = stripped[0]
    if first in INVISIBLE_LEAD:
        stripped = _without_invisible_lead(stripped)
        first = stripped[:1]
    if first in "eE" and stripped[:5].lower() == "error":
        # "Error: none", "Errors: 0, Warnings: 2", "Errores: 0": no error reported
        if _EMPTY_LABEL.match(stripped[:80]) or localized_empty_label(stripped):
            return None
        head = stripped[:200]
        if _MEASUREMENT.match(head) and classify_error(head) == "unknown":  # "Error rate: 0.1%": data
            return None
        return _error_type_in(stripped), stripped
    if first in "{[":
        if not _worth_parsing(stripped):
            return None  # (no member a convention reads: not worth parsing)
        try:
            parsed = json.loads(stripped)
        except (ValueError, RecursionError):  # (nesting deeper than the parser's stack is no result we read)
            return None
        message = _object_failure(parsed)
        return None if message is None else ("ToolError", message)
    if first == "<":
        message = markup_failure(stripped[:SCAN_CHARS])
        return None if message is None else ("ToolError", message)
    if first in "hH" and status_line(stripped):  # "HTTP 400 Bad Request: {...}": an API's response as text
        return "HTTPError", stripped
    if first in "45":  # "422 {...}": the same response written as its code and body
        return ("HTTPError", stripped) if status_code_lead(stripped) else None
    if first in LABEL_INITIALS and localized_error_label(stripped):  # "Fehler: ...": a backend in its own language
        return "ToolError", stripped
    lead = stripped[:90]
    if first.isascii() and first.isalpha() and (first == "T" or "Error" in lead or "Exception" in lead):
        if _EMPTY_EXCEPTION.match(stripped, 0, SCAN_CHARS):  # "Exception: none": a report with no exception in it
            return None
        return traceback_failure(stripped)
    return None


def _object_failure(value: Any, depth: int = 0) -> str | None:
    """The error text of a dict, pydantic model or list that reports a failure, else None. A list
    does when every item does (``["Error: ..."]``, ``[{"error": ...}]``): one that mixes failures
    and other items is data (log lines, rows)."""
    if isinstance(value, Mapping):
        return mapping_failure(value)
    if isinstance(value, BaseModel):
        try:
            dumped = value.model_dump()
        except Exception:  # a model whose dump fails is data we cannot read, not a failure of ours
            return None
        return mapping_failure(dumped) if isinstance(dumped, Mapping) else None
    if isinstance(value, list | tuple) and value and depth == 0:
        first: str | None = None
        for item in value[:64]:
            if isinstance(item, str):
                found = _text_failure(item)
                message = None if found is None else found[1]
            else:
                message = _object_failure(item, depth + 1)
            if message is None:
                return None
            first = first or message
        return first
    return None


def _flagged_text(result: Any) -> str:
    """What a result `is_failure` flagged says: its text, its error's message and code fields, or
    (when it has none) all of it."""
    text = _read_as_text(result)
    if text is not None:
        return text
    if isinstance(result, Mapping):
        return _object_failure(result) or describe(result) or _text_of(result)
    return _object_failure(result) or _text_of(result)


def _read_as_text(value: Any) -> str | None:
    """The text a result that is not a `str` reads as, when it is one in another form: bytes (as
    UTF-8), or a list of content blocks with text in them (``[{"type": "text", "text": ...}]``, how
    LangChain messages and MCP tools carry text); None for anything else (data)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray):
        return bytes(value[: SCAN_CHARS * 4]).decode("utf-8", "replace")
    if isinstance(value, list) and value:
        texts: list[str] = []
        for block in value[:64]:
            if not isinstance(block, dict) or not isinstance(block.get("type"), str):
                return None  # not content blocks: data a tool returned
            if block["type"] == "text" and isinstance(block.get("text"), str):
                texts.append(block["text"])
        return "\n".join(texts) if texts else None
    return None


# (`\s` is what `str.isspace` calls whitespace.)
_LEAD = re.compile(f"[\\s{INVISIBLE_LEAD}]*")


def _without_invisible_lead(text: str) -> str:
    """`text` without the whitespace and `INVISIBLE_LEAD` characters it starts with, skipped
    within the first `SCAN_CHARS` (a text blank that far reports nothing): in one regular
    expression match, not a Python step per character (a megabyte of them cost 200 ms a call)."""
    return text[_LEAD.match(text, 0, SCAN_CHARS).end():]  # type: ignore[union-attr]  # (it matches "")


# A text that starts with "Error" reports an error (a label, a code, an event, or its own words:
# "Error invalid date", "Error user 42 not found"), unless it is a measurement of errors: "Error"
# and a few words naming a quantity, then its value (a number after ":" or "=", a decimal or a
# percentage, or none) ending the clause: "Error rate for service X: 0.1%", "Error count: 3". The
# words may not start with a preposition or one of an error's own fields ("Error on line 3", "Error
# code 42" are errors), and a text whose words classify as an error of some kind ("Error invalid
# amount: 5") is one.
_MEASUREMENT = re.compile(
    r"errors?[ \t]+(?!(?:on|at|in|for|while|during|when|with|from|after|before|near|by|of|to|code|message|msg"
    r"|type|id|number|no|name|class)\b)[a-z][\w-]*(?:[ \t]+[\w-]+){0,4}[ \t]*"
    r"(?:[:=][ \t]*(?:[-+]?\d[\d.,]*[ \t]*%?|none|null|nil|n/a)|[-+]?\d*\.\d+[ \t]*%?|[-+]?\d[\d,]*[ \t]*%)"
    r"(?=[ \t]*(?:[.;,(]|\r?\n|$))",
    re.I,
)
# A label whose value says there is none: alone ("Error: none", "Errors: 0", "error=null"), or, for
# a value no message starts with (none, nil, 0, n/a), followed by other news: a clause mark then more
# ("Errors: 0, Warnings: 2", "Error: none. Payment P1 captured") or another label ("errors=0
# warnings=1"). ("Error: null" then a stack, "Error: no such card", "Error: 0 rows written" stay errors.)
_EMPTY_VALUE = (
    r"[ \t]*[:=][ \t]*(?:(?:none|null|nil|0|false|no|n/a|\[\]|\{\})[ \t]*[.!]?\s*\Z"
    r"|(?:none|nil|0|n/a)[ \t]*(?:[.;,|][ \t]*\S|\s+[A-Za-z][\w -]{0,30}?[ \t]*[:=]))"
)
_EMPTY_LABEL = re.compile(r"errors?" + _EMPTY_VALUE, re.I)
# The generic ``Exception`` label (maybe module-qualified) is a status field too ("Exception: none",
# "job.Exception: n/a, 3 retries"); a named class keeps its value ("KeyError: 0" is the missing key).
_EMPTY_EXCEPTION = re.compile(r"(?:[A-Za-z_]\w{0,60}\.){0,8}exceptions?" + _EMPTY_VALUE, re.I)
# A JSON text is parsed only when it quotes an error text or key, or has a member with a value some
# convention reads as a failure: a necessary condition, checked with literal-prefixed searches (data
# with "status" or "code" members, or a long list, is not parsed, and not scanned character by character).
# (Each starts with a literal, which `re` scans for quickly: an alternation first scans slowly.)
_JSON_FALSE = (re.compile(r'"ok"\s*:\s*false'), re.compile(r'"success"\s*:\s*false'))
_JSON_TRUE = re.compile(r'"isError"\s*:\s*true')
_JSON_STATUS = (
    re.compile(r'"status"\s*:\s*"?(?:[45]\d\d\b|[Ff]ail|FAIL)'),
    re.compile(r'"statusCode"\s*:\s*"?[45]\d\d\b'),
    re.compile(r'"status_code"\s*:\s*"?[45]\d\d\b'),
)
_JSON_CODE = re.compile(r'"code"\s*:\s*"?[45]\d\d\b')
_JSON_OTHER = (re.compile(r'"type"\s*:\s*"(?:about:blank|[a-z][\w+.-]*://|/)'), re.compile(r'"detail"\s*:\s*\['))
#: The longest JSON text whose envelope flags (``ok``/``success``/``isError``/``status``/``code``,
#: a problem's ``type``, a ``detail`` list) are looked for: an envelope that reports an error with
#: no error word in it is small; a longer text is parsed when it has one ("error", as before).
FLAG_SCAN_CHARS = 2048


def _worth_parsing(text: str) -> bool:
    """Whether a JSON text may report a failure: it has an error word ("error", "Errors", "ERROR"
    ... anywhere in its first `SCAN_CHARS` characters, or an "error" member anywhere), or, when it
    is short, a member with a value a convention flags. A necessary condition, cheap to check: most
    data with "status" or "code" members is not parsed."""
    if text.find("rror", 0, SCAN_CHARS) >= 0 or text.find("RROR", 0, SCAN_CHARS) >= 0:
        return True
    if len(text) > FLAG_SCAN_CHARS:
        return len(text) > SCAN_CHARS and '"error"' in text
    return (
        ("false" in text and any(p.search(text) is not None for p in _JSON_FALSE))
        or ("true" in text and _JSON_TRUE.search(text) is not None)
        or ('"status' in text and any(p.search(text) is not None for p in _JSON_STATUS))
        or ('"code"' in text and _JSON_CODE.search(text) is not None)
        or any(p.search(text) is not None for p in _JSON_OTHER)
    )


_TYPE_IN_TEXT = re.compile(r"^error[:\s]+([A-Z][A-Za-z]+(?:Error|Exception))\b")


def _error_type_in(text: str) -> str:
    m = _TYPE_IN_TEXT.match(text)
    return m.group(1) if m else "ToolError"


def _text_of(value: Any) -> str:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(redact(value), default=str)
    except (TypeError, ValueError):
        return str(value)
