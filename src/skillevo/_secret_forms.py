"""Secret forms beyond ``key=value``: a secret named by a sibling, a command-line option, an XML element.

Structures (`named_secret_fields`, `names_secret_pair`): many formats name a value in one field and
hold it in another, so the secret's name is a *value*, not a key: HTTP headers in HAR and fetch
APIs (``{"name": "Authorization", "value": ...}``, ``[["X-Api-Key", ...]]``), Kubernetes and
container environments (``{"name": "DB_PASSWORD", "value": ...}``), AWS tags and parameters
(``{"Key": ..., "Value": ...}``), form fields (``{"field": "pin", "value": ...}``). The holder is
hidden when the label names a secret by the key-word rule (`is_secret_key`).

Text forms (`form_spans`): ``--password=...`` and ``--token ...`` options on a command line,
``<password>...</password>`` elements, and a quoted value right after its name (SQL's ``WITH
PASSWORD '...'`` and ``IDENTIFIED BY '...'``, ``password "..." is too short``, its quotes escaped
or not). The ``key=value`` pair rule lives in `_redaction`.

Encoded text (`encoded_spans`): a base64 run (standard or URL-safe) that decodes to text is read
again by every rule, once; a run whose text holds a secret (``{"password": ...}``,
``user:password`` as HTTP Basic sends it without its ``Basic`` word) is hidden whole.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ._secret_keys import is_secret_key, key_words

__all__ = ["card_number", "encoded_spans", "form_spans", "luhn", "named_secret_fields", "names_secret_pair", "unescape"]

_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def unescape(key: str) -> str:
    """`key` with JSON's ASCII escapes read (``\\u043f\\u0430\\u0440\\u043e\\u043b\\u044c`` is "пароль")."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), key) if "\\u" in key else key


#: Last words of a key that *names* the entry it sits in (a header's, a variable's, a field's name).
_LABELS = frozenset({"name", "key", "header", "field", "param", "parameter", "variable", "var", "label"})
#: Last words of a key that *holds* the named entry's value.
_HOLDERS = frozenset({"value", "values", "val", "data", "content", "contents", "text", "secret"})
_MAX_LABEL = 80
_MAX_ENTRY = 16  # an entry of a name/value list is small; a larger dict is a record, not an entry


_NONE, _LABEL, _HOLDER = 0, 1, 2
_EMPTY: frozenset[Any] = frozenset()


@functools.lru_cache(maxsize=4096)
def _role(key: str) -> int:
    """Whether `key` names its entry (a label), holds its value (a holder), or neither."""
    words = key_words(key)
    last = words[-1] if words else ""
    return _LABEL if last in _LABELS else _HOLDER if last in _HOLDERS else _NONE


def _names_secret(value: Any) -> bool:
    return type(value) is str and 0 < len(value) <= _MAX_LABEL and is_secret_key(value)


# The label and holder keys of an entry's key set: the same few shapes come back (a list of 60 rows
# of one record type), so each is worked out once. Bounded: emptied when full.
_SHAPES: dict[tuple[Any, ...], tuple[tuple[str, ...], frozenset[str]]] = {}
_SHAPES_MAX = 4096


def _shape(keys: tuple[Any, ...]) -> tuple[tuple[str, ...], frozenset[str]]:
    shape = _SHAPES.get(keys)
    if shape is None:
        strings = [k for k in keys if type(k) is str]
        holders = frozenset(k for k in strings if _role(k) == _HOLDER)
        shape = (tuple(k for k in strings if _role(k) == _LABEL) if holders else (), holders)
        if len(_SHAPES) >= _SHAPES_MAX:
            _SHAPES.clear()
        _SHAPES[keys] = shape
    return shape


def named_secret_fields(entry: Mapping[Any, Any]) -> frozenset[Any]:
    """The keys of `entry` that hold a value its label field names as a secret (empty when none)."""
    if not 2 <= len(entry) <= _MAX_ENTRY:
        return _EMPTY
    keys = tuple(entry)
    labels, holders = _SHAPES.get(keys) or _shape(keys)
    if labels:
        for k in labels:
            if _names_secret(entry[k]):
                return holders
    return _EMPTY


def names_secret_pair(pair: list[Any] | tuple[Any, ...]) -> bool:
    """Whether `pair` is a ``[name, value]`` pair whose name names a secret (``["X-Api-Key", ...]``)."""
    return len(pair) == 2 and _names_secret(pair[0]) and pair[1] is not None and not isinstance(pair[1], bool)


_VALUE = r"(?=(?P<v>\"[^\"\n]{1,256}\"|'[^'\n]{1,256}'|[^\s\"'<>-][^\s\"'<>]{0,255}))"
# A long option and its value, after "=" or a space: "--password=...", "--api-key ...".
_FLAG = re.compile(r"(?<![\w.\-])--(?P<k>[A-Za-z][\w\-]{0,79})(?:=|[ \t]+)" + _VALUE)
# An element holding text: "<password>...</password>", "<ns:ApiKey attr=...>...".
_ELEMENT = re.compile(r"<(?P<k>[A-Za-z_][\w.\-:]{0,79})(?:\s[^<>]{0,256})?>(?=(?P<v>[^<]{1,256}))")


# A quoted value right after its name, with no "=" between (SQL and prose): "WITH PASSWORD '...'",
# "PASSWORD('...')", "IDENTIFIED BY '...'", 'password "..." is too short'.
_QUOTED_AFTER = re.compile(
    r"(?<![\w.\-])(?P<k>[^\W\d][\w\-]{0,79})(?P<by>\s+by)?(?:\s+|\s*\(\s*)"
    r"(?=(?P<v>\"[^\"\n]{1,256}\"|'[^'\n]{1,256}'|\\{1,3}[\"'][^\"'\n]{1,256}[\"']))",
    re.IGNORECASE,
)


def _names_a_secret(m: re.Match[str]) -> bool:
    key = m.group("k").rsplit(":", 1)[-1]
    if m.re is _QUOTED_AFTER and m.group("by"):
        return key.casefold() == "identified"  # SQL's CREATE/ALTER USER ... IDENTIFIED BY '...'
    return is_secret_key(key)


def form_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """Spans of `text` holding a secret in an option, element or quoted form whose name is a secret key."""
    for regex in (_FLAG, _ELEMENT, _QUOTED_AFTER):
        for m in regex.finditer(text):
            if not _names_a_secret(m):
                continue
            start, end = m.span("v")
            value = m.group("v")
            quote = len(value) - len(value.lstrip("\\")) + 1  # an opening quote, escaped or not
            if value[quote - 1 : quote] in "\"'" and len(value) >= 2 * quote:
                start, end = start + quote, end - quote
            elif regex is _ELEMENT and len(value) == 256:  # cut at the bound: runs on to its element's end
                stop = text.find("<", end)
                end = len(text) if stop < 0 else stop
            if value.strip() and not value.startswith("[REDACTED"):
                yield start, end, "secret"


def luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def card_number(value: Any) -> Any:
    """`value`, or a redaction mark when it is an integer that reads as a card number: 13-19 digits led
    by a card issuer's industry digit (2-6; a millisecond timestamp starts with 1), Luhn-valid."""
    if type(value) is int and 10**12 <= value < 10**19 and str(value)[0] in "23456" and luhn(str(value)):
        return "[REDACTED:card]"
    return value


#: A run that may be base64 (standard or URL-safe), long enough to wrap a credential.
_B64 = re.compile(r"(?<![A-Za-z0-9+/_\-])[A-Za-z0-9+/_\-]{20,}={0,2}(?![A-Za-z0-9+/_\-=])")
_B64_MAX = 8192  # a longer run (a file, an image) is not a credential's wrapper: not decoded
#: What HTTP Basic encodes: ``user:password``, one line without spaces.
_USER_PASSWORD = re.compile(r"[\w.@+\-]{1,128}:(?!//)\S{1,256}")  # not a URL


def _decoded(token: str) -> str | None:
    """The text a base64 run encodes, or None (not base64, not UTF-8, or not printable text)."""
    body = token.rstrip("=")
    urlsafe = "-" in body or "_" in body
    if urlsafe and ("+" in body or "/" in body):
        return None
    try:
        raw = base64.b64decode(body + "=" * (-len(body) % 4), altchars=b"-_" if urlsafe else None, validate=True)
        text = raw.decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    return text if all(c.isprintable() or c in "\n\r\t" for c in text) else None


def encoded_spans(text: str, holds_secret: Callable[[str], bool]) -> Iterator[tuple[int, int, str]]:
    """Spans of `text` that are base64 of text holding a secret (judged by `holds_secret`, or a
    ``user:password`` pair)."""
    for m in _B64.finditer(text):
        if len(m.group(0)) > _B64_MAX:
            continue
        decoded = _decoded(m.group(0))
        if decoded and (_USER_PASSWORD.fullmatch(decoded) or holds_secret(decoded)):
            yield m.start(), m.end(), "encoded_secret"
