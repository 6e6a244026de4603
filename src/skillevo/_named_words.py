"""The words of an error message that are an argument's name, not what happened to the call.

Ops tools take arguments named for what they configure: ``timeout_seconds``, ``connectTimeout``,
``quota_gb``, ``rate_limit_rps``, ``retry_after_s``. A message rejecting such an argument's value
(``Error: timeout_seconds must be an integer``, ``spec.timeoutSeconds: Invalid value: "5m"``)
names it, and its words read as a timeout or a rate limit: the failure was classified
``transient`` / ``rate_limit``, and the rule mined from it said to wait and retry the same call
instead of changing the arguments. In a message that reads as a rejected value, an identifier (a
snake_case, camelCase or dotted name whose last part starts in lower case) is hidden from the
categories of a call that may succeed unchanged. A message whose own words say it (``Request timed
out``) keeps them, and so do an error code or class (``rate_limit_exceeded``, ``RateLimitError``,
``DEADLINE_EXCEEDED``, ``httpx.ReadTimeout``): those name what happened.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["argument_names_hidden", "rejection_spans", "rejects_a_value"]

# A name as code writes it: parts joined by "_" or ".", or lowerCamelCase. (An upper-case code and a
# class name, whose last part starts in upper case, name what happened: not matched.)
_IDENTIFIER: Final = re.compile(r"(?<![\w.])(?:[A-Za-z][A-Za-z0-9]*[._])*[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)*(?![\w.])")
# What a message says to reject an argument's value (it is then about that value, not the service).
_REJECTS: Final = re.compile(
    r"must (?:be|not|match|have)|invalid (?:value|syntax|type|literal)|is invalid|not a valid|"
    r"expected (?:an? )?(?:int|integer|number|float|string|str|bool|boolean|list|array|object)\b|"
    r"failed to satisfy|is required|required value|of type\b|cannot unmarshal|does not match|"
    r"unsupported value|should be|not valid|one of|valid values|supported values|unknown (?:parameter|field|"
    r"argument|option|key|property)|unexpected (?:keyword|argument|field)|not permitted|not allowed|unrecognized|"
    r"out of range|greater than|less than|at (?:least|most)",
    re.I,
)
# The words of the call-may-succeed-unchanged categories, as a name holds them.
_SERVICE_WORDS: Final = re.compile(r"time.?out|rate.?limit|quota|throttl|retry.?after|temporar|unavailable|busy", re.I)
# A name that ends saying what happened is an error code, not an argument.
_OUTCOME: Final = re.compile(r"(?:error|exception|exceeded|exhausted|expired|timed_?out)$", re.I)


def _hidden(match: re.Match[str]) -> str:
    name = match.group(0)
    joined = "_" in name or "." in name or any(c.isupper() for c in name)
    if not joined or not _SERVICE_WORDS.search(name) or _OUTCOME.search(name):
        return name
    return "<name>"


def rejects_a_value(body: str) -> bool:
    """Whether `body` reads as a rejected argument value (``must be``, ``invalid value``, ``one of`` ...)."""
    return _REJECTS.search(body) is not None


def rejection_spans(body: str) -> list[tuple[int, int]]:
    """Where in `body` each phrase rejecting a value (`rejects_a_value`) begins and ends."""
    return [m.span() for m in _REJECTS.finditer(body)]


def argument_names_hidden(body: str) -> str:
    """`body` with the argument names that hold a timeout's or a rate's words replaced by ``<name>``
    when it reads as a rejected value; else `body` as it is."""
    if not _REJECTS.search(body):
        return body
    return _IDENTIFIER.sub(_hidden, body)
