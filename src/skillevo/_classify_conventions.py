"""Error-code conventions many tools share, read by `classify_error` before a message's words.

A POSIX/Node errno name (``read ECONNRESET``, ``getaddrinfo ENOTFOUND host``), curl's exit status
(``curl: (28) ...``), a Redis reply's leading code (``LOADING ...``, ``NOAUTH ...``) and the tag a
go-playground/validator rule failed on (``failed on the 'email' tag``) each name the failure's class
in a form no wording changes; before 2026-12-08 they were read as words, and ``read ECONNRESET`` was
unknown. Two structures hold the message's words where the quote-skipping reader missed them: a
Python exception's ``(code, "message")`` arguments (PyMySQL) and a field-error map's message lists
(``{"errors": {"title": ["This field is required."]}}``: Django REST, Rails, Laravel, ASP.NET).
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["convention_class", "structured_words"]

# errno names: the network's are transient (ENOTFOUND is a failed DNS lookup, not a missing resource).
_ERRNO: Final = {
    **dict.fromkeys(("ECONNRESET", "ECONNREFUSED", "ECONNABORTED", "ETIMEDOUT", "ESOCKETTIMEDOUT",
                     "EHOSTUNREACH", "ENETUNREACH", "ENETDOWN", "EHOSTDOWN", "EAI_AGAIN", "ENOTFOUND",
                     "EPIPE", "EADDRNOTAVAIL", "ECONNCLOSED"), "transient"),
    **dict.fromkeys(("EACCES", "EPERM"), "auth"),
    "ENOENT": "not_found",
}
_ERRNO_AT: Final = re.compile(r"(?<![\w-])(E[A-Z]{2,}(?:_[A-Z]+)?)(?![\w-])")
# curl's exit statuses for a failed resolve, connect, timeout, TLS handshake or a dropped connection.
_CURL: Final = re.compile(r"^curl: \((\d{1,3})\)")
_CURL_CLASSES: Final = {**dict.fromkeys((5, 6, 7, 28, 35, 52, 55, 56), "transient"), 67: "auth"}
# A Redis error reply starts with its code in capitals.
_REDIS: Final = re.compile(r"^(?:\w+Error: )?(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY|NOAUTH|WRONGPASS|"
                           r"NOPERM|WRONGTYPE)\b")
_REDIS_CLASSES: Final = {"NOAUTH": "auth", "WRONGPASS": "auth", "NOPERM": "auth", "WRONGTYPE": "type"}
# go-playground/validator: "Key: 'User.Email' Error:Field validation for 'Email' failed on the 'email' tag".
_TAG: Final = re.compile(r"Field validation for '[^']{1,100}' failed on the '(\w{1,40})' tag")
_TAG_CLASSES: Final[list[tuple[str, re.Pattern[str]]]] = [
    ("missing_arg", re.compile(r"required\w*")),
    ("enum", re.compile(r"oneof\w*")),
    ("type", re.compile(r"number|numeric|boolean")),
    ("format", re.compile(r"e?mail|url|uri|http_url|urn_rfc2141|uuid\w*|datetime|timezone|e164|ip\w*|cidr\w*|"
                          r"mac|hostname\w*|fqdn|json|jwt|base64\w*|iso\w*|isbn\w*|semver|latitude|longitude|"
                          r"hexcolor|rgba?|hsla?|postcode\w*|bic|credit_card")),
    ("pattern", re.compile(r"alpha\w*|hexadecimal|lowercase|uppercase|ascii|printascii|multibyte|contains\w*|"
                           r"excludes\w*|startswith|endswith|startsnotwith|endsnotwith")),
]


def convention_class(raw: str) -> str | None:
    """The class an errno name, curl exit status, Redis reply code or validator tag in `raw` names."""
    m = _TAG.search(raw)
    if m is not None:
        tag = m.group(1)
        for category, pattern in _TAG_CLASSES:
            if pattern.fullmatch(tag):
                return category
        return "validation"  # min, max, len, gte, unique, eqfield ...: a value out of bounds
    m = _CURL.match(raw)
    if m is not None and int(m.group(1)) in _CURL_CLASSES:
        return _CURL_CLASSES[int(m.group(1))]
    m = _REDIS.match(raw)
    if m is not None:
        return _REDIS_CLASSES.get(m.group(1), "transient")
    for m in _ERRNO_AT.finditer(raw):
        if m.group(1) in _ERRNO:
            return _ERRNO[m.group(1)]
    return None


# A Python exception's arguments: (1406, "Data too long for column 'name' at row 1").
_ARGS_REPR: Final = re.compile(r"^\(\s*-?\d{1,6},\s*(?:\"((?:[^\"\\]|\\.){1,1000})\"|'((?:[^'\\]|\\.){1,1000})')\s*\)$")
# A field-error map's messages: "title": ["This field is required.", ...] (a message has a space;
# a list of values, such as "expected": ["a", "b"], has none and stays unread).
_FIELD_MESSAGES: Final = re.compile(
    r"[\"'][\w.\[\]-]{1,100}[\"']\s*:\s*\[((?:\s*\"(?:[^\"\\\n]|\\.){0,400}\"\s*,?){1,20})\]"
)
_MESSAGE: Final = re.compile(r"\"((?:[^\"\\\n]|\\.)*\s(?:[^\"\\\n]|\\.)*)\"")


def structured_words(raw: str) -> str:
    """`raw` with an exception's quoted message argument and a field-error map's messages unquoted."""
    m = _ARGS_REPR.match(raw)
    if m is not None:
        message = m.group(1) if m.group(1) is not None else m.group(2)
        return raw[: m.start(1 if m.group(1) is not None else 2) - 1] + " " + message.replace('"', "'") + " ;)"

    def _messages(match: re.Match[str]) -> str:
        said = [w.group(1).replace("\\\"", "'").replace('"', "'") for w in _MESSAGE.finditer(match.group(1))]
        return match.group(0) + (" " + " ; ".join(said) + " ;" if said else "")

    return _FIELD_MESSAGES.sub(_messages, raw)
