"""Redaction keeps what an error reports about an argument whose *name* sounds secret.

A tool node flattens a pydantic validation error to ``name: message`` clauses (``session_id: Field
required``, ``auth_code: Input should be a valid string``). The pair rule read the message's first
word as the secret's value and hid it (``session_id: [REDACTED:secret] required``), so the
missing-argument rule, which reads such clauses, no longer saw that ``session_id`` was missing: the
learned guidance named the other missing arguments only. And a bare code word after a determiner
("the code 94107 is not a valid zip") hid a value an error reports as wrong, not a code it delivers.

The message keeps the reason; what is *learned* from it is another boundary: an error requiring an
argument named as a secret teaches no guidance asking for it (inject5, 2026-12-07: "missing required
argument 'cvv'" had every later agent told to collect one; tests/test_attack_error_asks_secret.py), so
the guidance names the honest missing argument beside it, and the secret's clause is still read.
"""

from __future__ import annotations

import pytest

from skillevo._redaction import redact
from skillevo._structured import structured_rule


def _flat(tool: str, args: dict[str, object], *clauses: str) -> str:
    text = f"Error invoking tool '{tool}' with kwargs {args!r} with error:\n " + "\n".join(clauses)
    return " ".join((text + "\n Please fix the error and try again.").split())


@pytest.mark.parametrize("field", ["session_id", "auth_code", "verification_code", "pin_code", "call_sid"])
def test_a_missing_secret_named_argument_is_still_learned(field: str) -> None:
    args: dict[str, object] = {"confirm": True}
    message = redact(_flat("open_case", args, f"{field}: Field required", "amount_cents: Field required"))
    assert f"{field}: Field required" in message
    rule = structured_rule("open_case", message, "missing_arg", args, 3)
    assert rule is not None and rule.guidance is not None
    assert "requires `amount_cents`: always include it" in rule.guidance
    assert field not in rule.guidance  # an error is no way to ask for a secret (module docstring)
    assert rule.suffix == "required-amount_cents"


@pytest.mark.parametrize(
    "text",
    [
        "auth_code: Input should be a valid string",
        "Field 'session': Input should be a valid integer",
        "password: String should have at least 8 characters",
        "token: Extra inputs are not permitted",
        "pin: Value error, must be four digits",
    ],
)
def test_a_validation_message_is_no_secret_value(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "the code 94107 is not a valid zip",
        "Error: the code 4821 is not a supported country code",
        "Invalid promo: the code SAVE2024 has expired",
        "product code: the code ABC12345 is unknown",
        "il codice 4821 non è valido",
        "the code 48151 was not found",
    ],
)
def test_a_code_reported_wrong_is_kept(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize(
    "text, secret",
    [
        ("your code is 481516", "481516"),
        ("o código é 1234", "1234"),
        ("password: hunter2", "hunter2"),
        ("session_id: 8f3a2b9c", "8f3a2b9c"),
        ("your code 481516 expires in 10 minutes", "481516"),
    ],
)
def test_secrets_beside_them_still_hidden(text: str, secret: str) -> None:
    assert secret not in redact(text)
