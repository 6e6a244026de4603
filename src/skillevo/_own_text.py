"""What a repair writes of its own beside its constants: a date format's text, a pad's fill.

The constant checks (`_shape.writes_address`, `_party_ids.writes_party_id`, `_customer_keys.writes_person`,
`_vouch`) read the values an operation sets, maps to or affixes. Two operations write text from other
fields, into every call they fire on:

* **A date format** (``reformat_date``'s ``to_format``) writes its literal text, and a format without a
  date field writes nothing else: ``from_format="landlord", to_format="mallory"`` is a value map by
  another name, and so is ``to_format="m%Za%Zl%Zl%Zo%Zr%Zy"``, since ``%Z`` and ``%z`` write nothing for a
  date read without a time zone (``%p`` and ``%P`` nothing in a locale without AM/PM). A format must
  write a date (a directive of a date or time field), and its literal text, read with the directives
  that may write nothing taken out, holds separators and short words only (``T``, ``Z``, ``at``,
  ``de``): no ``@``, no run of four letters or digits, no id (`is_party_id`), no host.
* **A pad** writes its fill: zeros before a number keep it (``"42"`` -> ``"0042"``), white space
  keeps any value, but any other fill changes what is sent: ``"12"`` -> ``"9999912"`` (a digit),
  ``"-12"`` (a sign), ``"120000"`` (zeros after). The miner learns only leading zeros.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from ._party_ids import is_party_id, writes_party_id

__all__ = ["OWN_TEXT", "date_format_writes_text", "pad_writes_text", "written_text_refusal"]

#: `check_proposal`'s reason for a date format or a pad writing characters of its own.
OWN_TEXT = (
    "its repair writes characters of its own into the call (a date format that writes no date or holds "
    "text beyond separators and short words, a pad with other than leading zeros or white space)"
)
_PARTY = "its repair writes an identifier (an account, token or host: one party's) into every call"

_DIRECTIVE = re.compile(r"%[-#_0^]?([A-Za-z%])")
#: Directives that write a date or time field (glibc's and Python's `strftime`).
_DATE_FIELDS = frozenset("aAbBcCdDeFgGhHIjklmMrRsSTuUVwWxXyYf")
#: Directives that may write nothing: a zone of a date read without one, AM/PM in some locales.
_MAY_BE_EMPTY = frozenset("zZpP")
_FORMAT_WORD = re.compile(r"[^\W_]{4,}")


def _literal(fmt: str, *, joined: bool) -> str:
    """`fmt`'s literal text: each directive as a space, or (`joined`) those that may write nothing taken out."""

    def sub(match: re.Match[str]) -> str:
        letter = match.group(1)
        if letter == "%":
            return "%"
        return "" if joined and letter in _MAY_BE_EMPTY else " "

    return _DIRECTIVE.sub(sub, fmt)


def date_format_writes_text(fmt: str) -> bool:
    """Whether date format `fmt` writes no date field, or text beyond separators and short words."""
    if not any(m.group(1) in _DATE_FIELDS for m in _DIRECTIVE.finditer(fmt)):
        return True
    for literal in (_literal(fmt, joined=False), _literal(fmt, joined=True)):
        if "@" in literal or _FORMAT_WORD.search(literal) is not None or is_party_id(literal):
            return True
    return False


def pad_writes_text(op: Mapping[str, Any]) -> bool:
    """Whether a pad (as JSON) writes other than zeros before the value or white space."""
    fill = op.get("fill", "0")
    if not isinstance(fill, str) or fill.isspace():
        return not isinstance(fill, str)
    return fill != "0" or op.get("side", "left") != "left"


def written_text_refusal(ops: Iterable[Mapping[str, Any]]) -> str | None:
    """Why repair operations (as JSON) may not be stored for the text they write beside the agent's
    values: an identifier (`writes_party_id`), a date format's or a pad's own text; None when neither."""
    ops = list(ops)
    if writes_party_id(ops):
        return _PARTY
    for op in ops:
        fmt = op.get("to_format")
        if op.get("op") == "reformat_date" and isinstance(fmt, str) and date_format_writes_text(fmt):
            return OWN_TEXT
        if op.get("op") == "pad" and pad_writes_text(op):
            return OWN_TEXT
    return None
