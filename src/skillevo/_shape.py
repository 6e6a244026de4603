"""The shape of a value, and a made-up value of the same shape: what guidance may say about arguments.

A value a customer sent (an order number, a name, a connection string) must never reach another
customer's prompt, but its *format* is what a lesson is about. `shape` describes a value by its
format only: digit runs, letter runs and their case, separators, length (``#W6067464`` ->
"`#W` + 7 digits", ``USD`` -> "3 uppercase letters", ``03/14/2025`` -> "a MM/DD/YYYY date").
E-mail addresses, URLs, connection strings, phone numbers, UUIDs, names and free text become their
kind, never their content. `synthetic` makes a value of the same shape from fixed digits and
placeholder letters, for DO/DON'T examples; it is never the observed value.

Letters are kept literally only where they are a format's fixed code: a run of at most three ASCII
upper-case letters in a value that also has digits (the ``W`` of ``#W6067464``, the ``ORD`` of
``ORD-48213``); every other letter run is described (or, in an example, replaced) by its length and case.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any

from ._repair_dates import DATE_FORMATS

__all__ = [
    "carries_address",
    "date_format",
    "format_label",
    "is_address",
    "is_instance_value",
    "leaves",
    "literal_is_code",
    "shape",
    "shape_regex",
    "strings_in",
    "synthetic",
    "writes_address",
]

_EMAIL = re.compile(r"^[\w.%+-]+@[\w-]+(\.[\w-]+)+$")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://\S*$")
_CREDENTIALS = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://[^/@\s]*:[^/@\s]*@")
_REDACTED = re.compile(r"^\[REDACTED:\w+\]$")  # a value `redact` replaced before it was stored
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_PHONE = re.compile(r"^\+?[\d\s().\-]{7,24}$")
_RUN = re.compile(r"\d+|[^\W\d_]+|.", re.S)
_SEPARATORS = frozenset("#-_./:+,=")
_MAX_PARTS = 8
_SYNTH_DIGITS = "7315926480"
#: Made-up dates; the later ones have day and month <= 12, for a repair that reads a day-first
#: date month-first (``04/03/2031``), so that some example parses either way.
_SYNTH_DATES = (dt.datetime(2031, 7, 19), dt.datetime(2031, 3, 4), dt.datetime(2032, 11, 23), dt.datetime(2029, 2, 6))
_LABELS = {"%Y": "YYYY", "%y": "YY", "%m": "MM", "%d": "DD", "%b": "Mon", "%B": "Month", "%H": "hh", "%M": "mm",
           "%S": "ss"}


def format_label(fmt: str) -> str:
    """A strftime format as people write it: ``%Y-%m-%d`` -> ``YYYY-MM-DD``."""
    return re.sub(r"%[A-Za-z]", lambda m: _LABELS.get(m.group(0), m.group(0)), fmt)


def date_format(value: Any) -> str | None:
    """The first of the known date formats `value` parses with (None: no date)."""
    if not isinstance(value, str) or not 6 <= len(value) <= 25:
        return None
    for fmt in DATE_FORMATS:
        try:
            parsed = dt.datetime.strptime(value, fmt)
        except ValueError:
            continue
        if parsed.strftime(fmt) == value:  # round-trips: ``286951`` is no ``%Y%m%d`` date
            return fmt
    return None


def _kind(value: str) -> str | None:
    """The kind of a value whose content must never be shown (None: describe its runs instead)."""
    if _REDACTED.match(value):
        return "a secret"
    if _CREDENTIALS.match(value):
        return "a connection URL with credentials"
    if _URL.match(value):
        return "a URL"
    if _EMAIL.match(value):
        return "an e-mail address"
    if _UUID.match(value):
        return "a UUID"
    digits = sum(c.isdigit() for c in value)
    if _PHONE.match(value) and (digits >= 10 or (digits >= 7 and re.search(r"^\+|[\s()]", value))):
        return "a phone number"
    words = value.split()
    if len(words) >= 2:
        if all(w[:1].isupper() and w.replace("-", "").replace("'", "").isalpha() for w in words) and len(words) <= 4:
            return f"a name of {len(words)} words"
        return f"free text of {len(words)} words"
    return None


_ID_DIGITS = re.compile(r"\d{5,}")


def is_instance_value(value: str) -> bool:
    """Whether `value` has the shape of one record's data rather than of a member of a closed set:
    a phone number, e-mail address, URL, UUID or secret, or a run of five digits or more (an order
    number, an account, a ticket). Short codes and versions (``v2``, ``utf-8``, ``2024-08-06``) are not."""
    return _ID_DIGITS.search(value) is not None or _kind(value.strip()) is not None


def is_address(value: str) -> bool:
    """Whether `value` is an e-mail address or a URL: where a message can be sent or data posted."""
    value = value.strip()
    return _URL.match(value) is not None or _EMAIL.match(value) is not None


def carries_address(text: str) -> bool:
    """Whether `text` holds an e-mail address or a URL as one of its words (punctuation around it ignored)."""
    return any(is_address(word.strip("()[]{}<>.,;:!?'\"`")) for word in text.split())


#: The fields of a repair operation that hold constants it writes into a call.
_CONSTANT_FIELDS = ("value", "mapping", "text", "chars")


def writes_address(ops: Iterable[Mapping[str, Any]]) -> bool:
    """Whether repair operations (as JSON) write an address into a call: an e-mail address, a URL, a
    phone number, or an account or record number (a run of five digits) as a constant they set, map
    to or affix. Learned from one tool response (a hostile one, or one echoing a customer's text)
    or imported, such a repair would send every later call's data, or money, there. A mapping's
    keys are what it reads, not what it writes: a mined map from the texts the model sent (which
    may quote a booking number) to a declared value writes only the value. A constant redaction hid
    (``[REDACTED:iban]``, an account or a secret the evidence held) counts too: the placeholder is
    no value to send, and the value it hides was one customer's."""
    return any(_is_address_like(text) for op in ops for k in _CONSTANT_FIELDS for text in strings_in(_written(op, k)))


def _written(op: Mapping[str, Any], field: str) -> Any:
    value = op.get(field)
    return list(value.values()) if field == "mapping" and isinstance(value, Mapping) else value


_ADDRESS_KINDS = frozenset({"a URL", "a connection URL with credentials", "an e-mail address", "a phone number"})


def _is_address_like(text: str) -> bool:
    if "[REDACTED:" in text:
        return True
    return carries_address(text) or _ID_DIGITS.search(text) is not None or _kind(text.strip()) in _ADDRESS_KINDS


_END = object()


def leaves(value: Any, *, keys: bool = True) -> Iterator[Any]:
    """Every leaf of a JSON-like value, in order: its dicts' keys (with `keys`) and values, its
    lists' items, at any depth. Without recursion: a hostile value may nest past Python's stack."""
    stack: list[Iterator[Any]] = [iter((value,))]
    while stack:
        item = next(stack[-1], _END)
        if item is _END:
            stack.pop()
        elif isinstance(item, dict):
            stack.append(itertools.chain.from_iterable(item.items()) if keys else iter(item.values()))
        elif isinstance(item, list):
            stack.append(iter(item))
        else:
            yield item


def strings_in(value: Any) -> Iterator[str]:
    """Every string in a JSON-like value: its dicts' keys and values, its lists' items, at any depth."""
    return (leaf for leaf in leaves(value) if isinstance(leaf, str))


def _runs(value: str) -> list[str]:
    return _RUN.findall(value)


def _is_code(run: str, value: str) -> bool:
    """Whether a letter run is a format's fixed code (kept literally): <= 3 ASCII capitals next to digits."""
    return run.isascii() and run.isupper() and len(run) <= 3 and any(c.isdigit() for c in value)


def literal_is_code(text: str) -> bool:
    """Whether a literal (a learned prefix, suffix or constant) may be shown: digits, separators and
    codes of at most three capitals only, never a word (which could be someone's data)."""
    return all(
        r.isdigit() or r in _SEPARATORS or r == " " or (r.isascii() and r.isupper() and len(r) <= 3)
        for r in _runs(text)
    )


def _letters(run: str) -> str:
    n = len(run)
    if run.isupper():
        return f"{n} uppercase letter{'s' * (n > 1)}"
    if run.islower():
        return f"{n} lowercase letter{'s' * (n > 1)}"
    if run[0].isupper() and run[1:].islower():
        return f"a capitalised word of {n} letters"
    return f"{n} mixed-case letters"


def shape(value: Any) -> str:
    """A description of `value` by its format only (never its content)."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return f"an integer of {len(str(abs(value)))} digits"
    if isinstance(value, float):
        return "a decimal number"
    if value is None:
        return "null"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    text = str(value)
    if not text:
        return "an empty string"
    fmt = date_format(text)
    if fmt is not None:
        return f"a {format_label(fmt)} date"
    kind = _kind(text.strip())
    if kind is not None:
        return kind if text == text.strip() else f"{kind} with surrounding spaces"
    parts: list[str] = []
    for run in _runs(text):
        if run.isdigit():
            parts.append(f"{len(run)} digit{'s' * (len(run) > 1)}")
        elif run.isalpha():
            parts.append(f"`{run}`" if _is_code(run, text) else _letters(run))
        elif run in _SEPARATORS:
            parts.append(f"`{run}`")
        elif run.isspace():
            parts.append("a space")
        else:
            parts.append("a symbol")
    merged: list[str] = []
    for p in parts:
        if merged and p.startswith("`") and merged[-1].startswith("`"):
            merged[-1] = merged[-1][:-1] + p[1:]
        else:
            merged.append(p)
    if len(merged) > _MAX_PARTS:
        return f"a string of {len(text)} characters"
    return " + ".join(merged)


def _digits(n: int, offset: int) -> str:
    return "".join(_SYNTH_DIGITS[(offset + i) % len(_SYNTH_DIGITS)] for i in range(n))


def _synthetic_text(text: str, offset: int) -> str | None:
    fmt = date_format(text)
    if fmt is not None:
        return _SYNTH_DATES[offset % len(_SYNTH_DATES)].strftime(fmt)
    if _kind(text.strip()) is not None:
        return None
    out: list[str] = []
    used = 0
    for run in _runs(text):
        if run.isdigit():
            out.append(_digits(len(run), offset + used))
            used += len(run)
        elif run.isalpha():
            if _is_code(run, text):
                out.append(run)
            elif run.isupper():
                out.append("X" * len(run))
            elif run.islower():
                out.append("x" * len(run))
            elif run[0].isupper() and run[1:].islower():
                out.append("X" + "x" * (len(run) - 1))
            else:
                out.append("".join("X" if c.isupper() else "x" for c in run))
        elif run in _SEPARATORS or run.isspace():
            out.append(run)
        else:
            return None
    return "".join(out)


def synthetic(value: Any, avoid: Collection[Any] = (), variant: int = 0) -> Any | None:
    """A made-up value of `value`'s shape, equal to nothing in `avoid` (None: no safe example exists).

    Digits come from a fixed sequence, letters become ``x``/``X`` in the same case pattern, fixed
    codes and separators stay, dates become a fixed date in the same format. E-mail addresses,
    URLs, phone numbers, names and free text get no example (their kind is shown instead).
    `variant` picks another made-up value of the same shape.
    """
    banned = {str(a) for a in avoid} | {str(value)}
    for offset in range(variant, variant + len(_SYNTH_DIGITS)):
        candidate: Any
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            n = len(str(abs(value)))
            digits = _digits(n, offset)
            candidate = int(digits) if n == 1 or digits[0] != "0" else int("1" + digits[1:])
            candidate = -candidate if value < 0 else candidate
        elif isinstance(value, float):
            whole, _, frac = repr(abs(value)).partition(".")
            if "e" in whole + frac:
                return None
            candidate = float(f"{_digits(len(whole), offset).lstrip('0') or '0'}.{_digits(len(frac), offset + 3)}")
            candidate = -candidate if value < 0 else candidate
        elif isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value  # a boolean written as a string is nobody's data
        elif isinstance(value, str):
            candidate = _synthetic_text(value, offset)
            if candidate is None:
                return None
        else:
            return None
        if str(candidate) not in banned:
            return candidate
    return None


def shape_regex(values: Sequence[str]) -> str | None:
    """A regex for the common *shape* of `values` (digit runs -> \\d{n}, letters -> classes), or None."""

    def shape(text: str) -> str:
        out = []
        for m in re.finditer(r"\d+|[a-z]+|[A-Z]+|\s+|.", text):
            tok = m.group(0)
            if tok.isdigit():
                out.append(f"\\d{{{len(tok)}}}")
            elif tok.isalpha() and tok.islower():
                out.append("[a-z]+")
            elif tok.isalpha() and tok.isupper():
                out.append("[A-Z]+")
            elif tok.isspace():
                out.append("\\s+")
            else:
                out.append(re.escape(tok))
        return "".join(out)

    shapes = {shape(v) for v in values}
    if len(shapes) == 1:
        return shapes.pop()
    # Digit runs of varying length: generalise to \d+ and try again.
    loose = {re.sub(r"\\d\{\d+\}", r"\\d+", s) for s in shapes}
    return loose.pop() if len(loose) == 1 else None
