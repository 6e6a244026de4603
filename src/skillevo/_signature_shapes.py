"""Version 3 of the error signature's shapes (`_detect.error_signature`).

Version 2 still split one failure by its values, and merged two: an IP address was cut into a
number and a date (``10.0.0.5`` -> ``<n>.<date>``, ``192.168.100.200`` -> ``<n>``), a phone number
into as many numbers as it has groups, a duration by its decimals (``30.5s`` -> ``<n>.<id>``,
``120s`` -> ``<id>``), a secret the redaction hid kept the kind it was taken for
(``[REDACTED:secret]`` and ``[REDACTED:card]`` for two UUIDs), while ``HTTP 404`` and ``HTTP 429``
were one signature (``http <n>``). Version 3 gives each of these one shape, and keeps an HTTP
status where one is written (``HTTP 404``, ``status: 429``, ``Error code: 503``): it is the class
of the failure, not a value.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["LEAD_SUBS", "UNIT_SUB", "keep_statuses", "restore_statuses"]

# What version 3 replaces before version 2's rules (in this order).
LEAD_SUBS: Final[list[tuple[re.Pattern[str], str]]] = [
    (re.compile(r"\[REDACTED:[\w-]{1,40}\][\w.-]*", re.I), "<redacted>"),  # (and what a cut left of the value)
    (re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b"), "<ip>"),
    (re.compile(r"(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,5}\)?){2,5}(?!\w)"), "<phone>"),
    (re.compile(r"(?<![\w.-])\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}(?![\w.-])"), "<phone>"),
]
# A number with its unit (``30.5s``, ``120ms``, ``2GB``, ``15%``): the number is the value, the unit
# the class. Applied before version 2's id rule, which took ``5s`` for an id.
UNIT_SUB: Final = (
    re.compile(r"(?<![\w.])\d+(?:[.,]\d+)?(?=(?:ms|s|sec|secs|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|"
               r"[kmgt]i?b|b|px)\b|%)", re.I),
    "<n>",
)
_STATUS_AT: Final = re.compile(
    r"(?i)(\b(?:https?(?:/[\d.]+)?|status(?:[ _-]?code)?|error[ _-]?code|(?:client|server) error)\W{0,3})"
    # (Not the head of a longer value: a phone's area code, ``412/77``, a number after it.)
    r"([1-5]\d\d)(?![\d.,/-]|\s\d)"
)
_DIGITS: Final = str.maketrans("0123456789", "abcdefghij")
_LETTERS: Final = str.maketrans("abcdefghij", "0123456789")
_KEPT: Final = re.compile("\x01([a-j]{3})\x02")


def keep_statuses(text: str) -> str:
    """`text` with each HTTP status written after a word naming it hidden from the value rules."""
    return _STATUS_AT.sub(lambda m: m.group(1) + "\x01" + m.group(2).translate(_DIGITS) + "\x02", text)


def restore_statuses(text: str) -> str:
    """`text` with the statuses `keep_statuses` hid written back."""
    return _KEPT.sub(lambda m: m.group(1).translate(_LETTERS), text)
