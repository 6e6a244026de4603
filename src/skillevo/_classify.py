"""`classify_error`: a coarse, general class of an error (rate_limit, transient, auth, not_found,
missing_arg, extra_arg, enum, pattern, format, type, validation, unknown).

The class is read from the most reliable evidence first: a structure a library writes (zod's
``"received": "undefined"``, jsonschema's ``is not a 'date'``), then the service's own error *code*
(`_classify_cues.CODE_CUES`: ``StatusCode.UNAVAILABLE``, ``(AccessDenied)``, ``[type=int_parsing``,
``"error": "channel_not_found"``, the exception's class), then an HTTP status, then the message's
words (`_classify_cues.TEXT_CUES`). Before 2026-12-08 only the words were read, in that fixed
order, so ``{"ok": false, "error": "invalid_auth"}`` was a validation error, a gRPC
``DEADLINE_EXCEEDED`` a not_found one (``UNKNOWN:``), a pydantic ``less_than_equal`` a type one
(``[type=``), an httpx ``Server error '500 ...'`` unknown, and every error worded in another
language unknown.

An argument's name is not what happened: ``timeout must be a positive number`` rejects the
argument ``timeout``; ``Request timed out`` is a timeout. In a message that rejects a value, the
call's own argument names (when the caller passes them) where the rejection is about them
(`_subject`), names a message introduces as a parameter (``Unknown parameter: timeout``, ``value for
timeout``), CLI flags (``--format``) and snake_case or camelCase names holding a timeout's or a rate's
words are not read for the class.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any, Final

from ._classify_conventions import convention_class, structured_words
from ._classify_cues import CODE_CUES, FAULT, GENERIC_CODE, TEXT_CUES, WEAK_CODES, WEAK_TYPES, status_class
from ._detect_shapes import json_words
from ._named_words import argument_names_hidden, rejection_spans, rejects_a_value

__all__ = ["CLASSIFY_CHARS", "classify_error"]

#: The prefix of a message its class is computed from (what a stored ``tool_error`` event keeps).
CLASSIFY_CHARS = 2000

# (A URL ends at a quote: a problem-details body's ``"type":"https://..."`` is followed by its title.)
_URL: Final = re.compile(r"https?://[^\s\"'<>]+")
# Values a message quotes are the instance, not the class: "status 'busy' is not one of ..." is no
# transient error, and two calls that failed alike but quoted different values must agree.
# (A quote opens after a non-word character: the apostrophes of "can't ... don't" quote nothing.)
_QUOTED: Final = [re.compile(rf"(?<!\w){q}[^{q}\n]{{0,200}}{q}(?!\w)") for q in ("'", '"', "`")]

# Where a library writes its code for the failure (read before quoted values are hidden).
_CODE_AT: Final = [
    re.compile(r"An error occurred \(([\w.]{1,100})\)"),  # botocore
    re.compile(r"StatusCode\.([A-Z_]{2,40})|\bstatus = ([A-Z_]{2,40})\b"),  # grpc
    re.compile(r"Error from server \((\w{1,60})\)"),  # kubectl
    re.compile(r"\bcode = ([A-Za-z_]{2,40}) desc = "),  # grpc-go's status error
    re.compile(r"\bcode=([A-Z_][A-Z0-9_]{1,40})\b"),  # librdkafka's KafkaError{code=...}
    re.compile(r"\[type=([\w.]{1,80})"),  # pydantic
    # A JSON or Python-repr member holding a code (an identifier, no spaces): "error": "invalid_auth".
    re.compile(r"[\"'](?:type|code|error|reason|status|error_?code|errorCode|errorType|__type)[\"']\s*:\s*"
               r"[\"']([A-Za-z][\w.:-]{0,80})[\"']"),
    re.compile(r"\b([A-Z][A-Za-z0-9]*(?:Error|Exception))\b"),  # a class named in the text
]
# A library's structure that says the class outright.
_STRUCTURED: Final = [
    ("missing_arg", re.compile(r"[\"']received[\"']\s*:\s*[\"']undefined[\"']")),  # zod: nothing was sent
    ("pattern", re.compile(r"[\"']validation[\"']\s*:\s*[\"']regex[\"']")),  # zod: a regex refused it
    ("format", re.compile(r"is not a [\"'](?:date|date-time|time|email|idn-email|hostname|idn-hostname|ipv4|ipv6|uri|"
                          r"uri-reference|iri|iri-reference|uuid|duration|json-pointer|regex)[\"']")),  # jsonschema
]
# A Python repr's message members ({'error': {'message': '...'}}): words, like a JSON body's.
_REPR_WORDS: Final = re.compile(
    r"'(?:msg|message|detail|error|title|reason|description)'\s*:\s*(?:'((?:[^'\\\n]|\\.){0,400})'|"
    r"\"((?:[^\"\\\n]|\\.){0,400})\")"
)
_MORE_JSON_WORDS: Final = re.compile(
    r'"(?:errorMessage|error_message|errorMsg|messages)"\s*:\s*\[?\s*"((?:[^"\\\n]|\\.){0,400})"'
)
_PYDANTIC_TAIL: Final = re.compile(r"\[type=[^\]]{0,400}\]|For further information visit \S+")
_FLAG: Final = re.compile(r"(?<![\w-])--[A-Za-z][\w-]*")
# A name a message introduces as an argument's ("Unknown parameter: timeout", "value for timeout").
_INTRODUCED: Final = re.compile(
    r"\b(?:parameters?|arguments?|fields?|options?|propert(?:y|ies)|keys?|params?|value (?:for|of))\s*[:=]?\s*"
    r"(?!types?\b)([A-Za-z_][\w.]{0,80})"
)
_MAX_NAMES: Final = 200
_CAMEL: Final = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def _words(code: str) -> str:
    """An error code's words, lower case: ``ConnectionResetError`` -> ``connection reset error``."""
    return " ".join(_CAMEL.sub(" ", code.rsplit(".", 1)[-1] if "." in code and " " not in code else code)
                    .replace("_", " ").replace("-", " ").replace(".", " ").replace(":", " ").lower().split())


def _code_class(codes: Iterable[str]) -> tuple[str | None, bool, str | None]:
    """The most telling class the codes name (CODE_CUES' order), whether one only says "rejected",
    and the class a code too broad to decide names (`WEAK_CODES`), if any."""
    best: int | None = None
    generic = False
    weak: str | None = None
    for code in codes:
        words = _words(code)
        broad = next((category for category, cue in WEAK_CODES if cue.search(words)), None)
        if broad is not None:
            weak = weak or broad
            continue
        for i, (_, cue) in enumerate(CODE_CUES):
            if cue.search(words):
                best = i if best is None else min(best, i)
                break
        else:
            generic = generic or GENERIC_CODE.search(words) is not None
    return (CODE_CUES[best][0] if best is not None else None), generic, weak


def _unquoted(match: re.Match[str]) -> str:
    raw = match.group(1) if match.group(1) is not None else (match.group(2) or "")
    try:
        text = json.loads('"' + raw.replace('"', '\\"').replace("\\'", "'") + '"')
    except ValueError:
        text = raw
    return " " + str(text).replace('"', "'") + " ;"


def _text_class(text: str) -> str:
    for category, pattern in TEXT_CUES:
        if pattern.search(text):
            return category
    return "unknown"


def _is_fault(text: str) -> bool:
    """Whether the words name a fault in the tool's own code (`_classify_cues.FAULT`)."""
    return FAULT.search(text) is not None


def _argument_names(arguments: Iterable[Any]) -> set[str]:
    """The names in `arguments` (a call's arguments or their names), nested keys included: at most
    `_MAX_NAMES` read in all, the call's own first (a bound per level let a document of nested
    objects, 200 x 200 keys, have 40,200 names read on the agent's failed call)."""
    names: set[str] = set()
    level: list[Iterable[Any]] = [arguments]
    budget = _MAX_NAMES
    for _ in range(4):  # the call's names and three levels of nested keys
        nested: list[Mapping[Any, Any]] = []
        for container in level:
            for name in itertools.islice(container, budget):
                budget -= 1
                if isinstance(name, str) and 1 < len(name) <= 80:
                    names.add(name)
                if isinstance(container, Mapping) and isinstance(value := container[name], Mapping):
                    nested.append(value)
            if budget <= 0:
                return names
        level = list(nested)
    return names


def _names_hidden(body: str, arguments: Iterable[Any]) -> str:
    """`body` without the argument names it rejects a value of whose words alone would read as a class."""
    names = _argument_names(arguments)
    if not names:
        # No call to say which names are arguments: a snake_case or camelCase name holding a
        # timeout's or a rate's words is taken for one ("timeout_seconds must be an integer").
        # With the call's names, "statement_timeout ... must be retried" keeps its timeout.
        body = argument_names_hidden(body)
    if not rejects_a_value(body):
        return body
    introduced = {m.group(1).rstrip(".") for m in _INTRODUCED.finditer(body)}
    for name in sorted(names | introduced, key=len, reverse=True):
        if _text_class(name.replace("_", " ")) != "unknown" or _text_class(name) != "unknown":
            at = re.compile(rf"(?<![\w-]){re.escape(name)}(?!\w)", re.I)
            if name in introduced:
                body = at.sub("<name>", body)
            else:  # a call's name, where the rejection that follows is about it
                body = at.sub(functools.partial(_hidden_if_subject, body, rejection_spans(body)), body)
    return body


def _hidden_if_subject(body: str, spans: list[tuple[int, int]], m: re.Match[str]) -> str:
    return "<name>" if _subject(body, m.span(), spans) else m.group(0)


def _subject(body: str, at: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    """Whether the name at `at` is what a rejection in `body` is about: the next one follows it, or the
    one before ends before it, within three words in the same clause (``timeout must be positive``,
    ``timeout: must be >= 0``, ``is not valid for throttle``). A call's ``timeout`` elsewhere in a
    message that says ``should be retried`` is the failure's word: before, every timeout error of a
    call taking a ``timeout`` argument that also said ``should be retried``, ``at most`` or ``one of``
    was a validation (or enum) error."""
    after = next((s for s, _ in spans if s >= at[1]), None)
    before = max((e for _, e in spans if e <= at[0]), default=None)
    return (after is not None and _near(body[at[1]:after], ".;!?")) or (
        before is not None and _near(body[before:at[0]], ".;!?():,")
    )


def _near(between: str, boundaries: str) -> bool:
    return len(between) <= 40 and not any(c in boundaries for c in between) and len(between.split()) <= 3


#: A code's class the status or the words may narrow: a throttle is the transient failure it names
#: ("429 too many requests" under a TimeoutError), and a name not found among choices the error lists
#: ("unknown tool x, try one of [a, b]") is a choice to make, not a record that does not exist.
_REFINED: dict[str, str] = {"transient": "rate_limit", "not_found": "enum"}


def classify_error(message: str, error_type: str = "", arguments: Iterable[Any] = ()) -> str:
    """A coarse, general category of an error message (rate_limit, transient, enum, format, ...).

    Deterministic in the first `CLASSIFY_CHARS` characters of `message` (whitespace runs count as
    one space), `error_type` and the names in `arguments` (the failed call's arguments or their
    names, nested keys included, where the caller has them: a name of the call's that the message
    rejects a value of is not read as the message's words, and a name that is none of the call's
    is, so ``statement_timeout ... must be retried`` is a timeout when no argument is called so).
    Read in this order: a library's structure, the error's codes (its type, ``StatusCode.X``,
    ``"error": "code"``, ``[type=code]`` ...), an HTTP status, then the words (quoted values and URLs
    not read, except a JSON or Python-repr body's message and type members).
    """
    raw = " ".join(str(message)[:CLASSIFY_CHARS].split())
    kind = str(error_type)[:200]
    for category, structure in _STRUCTURED:
        if structure.search(raw):
            return category
    by_convention = convention_class(raw)
    if by_convention is not None:
        return by_convention
    codes = [kind] if kind else []
    for regex in _CODE_AT:
        codes.extend(g for m in regex.finditer(raw) for g in m.groups() if g)
    by_code, generic, weak = _code_class(codes)
    by_status = status_class(raw)
    narrower = _REFINED.get(by_code or "")
    if by_code is not None and narrower is None:
        return by_code
    if narrower is not None and by_status == narrower:
        return narrower
    # A URL's words are no part of the message ("errors.pydantic.dev/.../extra_forbidden" is no auth error).
    body = _PYDANTIC_TAIL.sub(" ", structured_words(raw))
    body = _URL.sub("<url>", body)
    if '"' in body or "'" in body:
        body = _MORE_JSON_WORDS.sub(_unquoted, _REPR_WORDS.sub(_unquoted, json_words(body)))
    for quoted in _QUOTED:
        body = quoted.sub(lambda m: m.group(0)[0] * 2, body)
    body = _names_hidden(_FLAG.sub("<flag>", body), arguments)
    by_text = _text_class(f"{kind}: {body}")
    if by_code is not None:
        return narrower if by_text == narrower else by_code
    if by_status is not None:
        return "rate_limit" if by_text == "rate_limit" else by_status
    if _is_fault(f"{kind}: {body}"):
        return "unknown"  # "list index out of range" is the tool's bug, not a bad value or a lookup's miss
    if by_text != "unknown":
        return by_text
    if kind in WEAK_TYPES:
        return WEAK_TYPES[kind]
    if weak is not None:
        return weak
    return "validation" if generic else "unknown"
