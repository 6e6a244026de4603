"""Untrusted text hygiene: secrets are redacted before anything is stored, and text that came from
tools (outputs, error messages) is quoted, capped and defused before it can reach a prompt.

Tool outputs can carry prompt injection ("ignore previous instructions and ..."): such text is
never copied into guidance verbatim.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from typing import Any

from ._untrusted import injection_score, looks_like_injection, quote_untrusted  # re-exported: untrusted text

__all__ = ["injection_score", "looks_like_injection", "quote_untrusted", "redact"]

_SECRET_KEYS = re.compile(
    r"(pass(word|wd|phrase)?|secret|token|api[_-]?key|apikey|auth(orization)?|bearer|credential|"
    r"private[_-]?key|session[_-]?id|cookie|access[_-]?key|client[_-]?secret|pin|cvv|cvc)",
    re.IGNORECASE,
)
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("bearer", re.compile(r"(?i)\bbearer\s+[A-Za-z0-9\-._~+/]{8,}=*")),
    ("api_key", re.compile(r"\b(sk|pk|rk)[-_](live|test|proj)?[-_]?[A-Za-z0-9]{16,}\b")),
    ("aws_key", re.compile(r"\b(AKIA|ASIA)[A-Z0-9]{16}\b")),
    ("github_token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b")),
    ("slack_token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b")),
    ("jwt", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b")),
    ("private_key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----")),
    (
        "secret",
        re.compile(
            r"(?i)\b(password|passwd|pwd|secret|token|api[_-]?key|apikey|client[_-]?secret)\b(\s*[:=]\s*)"
            r"(\"[^\"]*\"|'[^']*'|[^\s,;&]+)"
        ),
    ),
]
_CARD = re.compile(r"\b(?:\d[ -]?){13,19}\b")
# Each pattern above, and `_CARD`, needs one of these to match somewhere in the text (case-insensitive
# exactly where the pattern is): one search clears ordinary text, instead of nine.
_MAY_HOLD_SECRET = re.compile(
    r"(?i:bearer|passw|pwd|secret|token|api[_-]?key)"
    r"|[spr]k[-_]|AKIA|ASIA|gh[pousr]_|xox|eyJ|-----BEGIN |\d(?:[ -]?\d){12}"
)
_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")

def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


# Secret values seen under secret-looking keys, so the same value is also caught where it shows up
# without a label (echoed in a result, quoted in an error). Bounded; kept only in this process.
_KNOWN: OrderedDict[str, None] = OrderedDict()
_KNOWN_LOCK = threading.Lock()
_KNOWN_MAX = 2048


def _remember(value: str) -> None:
    if len(value) < 6:
        return
    with _KNOWN_LOCK:
        _KNOWN[value] = None
        _KNOWN.move_to_end(value)
        while len(_KNOWN) > _KNOWN_MAX:
            _KNOWN.popitem(last=False)


def _redact_text(text: str, emails: bool) -> str:
    if _KNOWN:
        with _KNOWN_LOCK:
            known = [k for k in _KNOWN if k in text]
        for value in sorted(known, key=len, reverse=True):
            text = text.replace(value, "[REDACTED:secret]")
    if _MAY_HOLD_SECRET.search(text) is None and not (emails and "@" in text):
        return text
    return _redact_patterns(text, emails)


def _redact_patterns(text: str, emails: bool) -> str:
    for kind, pattern in _PATTERNS:
        if kind == "secret":
            text = pattern.sub(lambda m: f"{m.group(1)}{m.group(2)}[REDACTED:secret]", text)
        else:
            text = pattern.sub(f"[REDACTED:{kind}]", text)

    def card(m: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", m.group(0))
        return "[REDACTED:card]" if 13 <= len(digits) <= 19 and _luhn(digits) else m.group(0)

    text = _CARD.sub(card, text)
    if emails:
        text = _EMAIL.sub("[REDACTED:email]", text)
    return text


def redact(value: Any, *, emails: bool = False) -> Any:
    """A copy of `value` (dicts, lists, strings, scalars) with secrets replaced by ``[REDACTED:kind]``.

    Values under secret-looking keys (password, token, api_key, authorization ...) are redacted
    whole; strings are scanned for API keys, bearer tokens, JWTs, private keys, ``password=...``
    pairs and Luhn-valid card numbers; e-mail addresses too when `emails` is true. A value once
    seen under a secret key is also removed wherever it appears later (an echo in a result).
    """
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        for k, v in value.items():
            if isinstance(k, str) and _SECRET_KEYS.search(k) and v is not None and not isinstance(v, dict | list):
                if isinstance(v, str):
                    _remember(v)
                out[k] = "[REDACTED:secret]"
            else:
                out[k] = redact(v, emails=emails)
        return out
    if isinstance(value, list | tuple):
        return [redact(v, emails=emails) for v in value]
    if isinstance(value, str):
        return _redact_text(value, emails)
    return value
