"""An episode's secret echoed cut in the middle (attack19).

A validation error or a log line shows a long value cut with an ellipsis: pydantic's
``input_value='Qz7bXk9LmP4rT8vW1zY6nC3h...dF0gA2sE7uI9oK4pL1mN8bV'`` keeps the first and last 24
characters of a longer text, `reprlib` and many loggers do the same with ``...`` or ``…``. The
episode's own secret (sent under a secret key, then pasted by the model into an ordinary field of
another tool) was looked for whole, so both halves stayed: 3 of 3 (a token, a passphrase, a
``…`` cut) kept 40+ of the secret's characters in the text. Now a beginning of a known secret
(8 characters or more) that an ellipsis ends, and an end of one an ellipsis starts, are hidden too;
ordinary text with ellipses stays.
"""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from skillevo._redaction import redact_text

TOKEN = "Qz7bXk9LmP4rT8vW1zY6nC3hJ5dF0gA2sE7uI9oK4pL1mN8bV"
PHRASE = "plum orbit 7731 zebra canyon river stone maple forest ember"


class _Form(BaseModel):
    note: int


def _pydantic_error(value: str) -> str:
    try:
        _Form(note=value)
    except ValidationError as exc:
        return str(exc)
    raise AssertionError("no error")


@pytest.mark.parametrize(
    ("secret", "text"),
    [
        (TOKEN, _pydantic_error(TOKEN)),
        (PHRASE, _pydantic_error(PHRASE)),
        (TOKEN, f"log: forwarded {TOKEN[:20]}…{TOKEN[-12:]} to the gateway"),
    ],
)
def test_a_cut_echo_of_a_known_secret_is_hidden(secret: str, text: str) -> None:
    shown = redact_text(text, known={secret})
    assert secret[:12] not in shown and secret[-12:] not in shown and "[REDACTED" in shown, shown


def test_text_with_ellipses_stays() -> None:
    text = "loading... done; see the notes… and the rest (plum orbit mentioned)"
    assert redact_text(text, known={TOKEN, PHRASE}) == text
