"""A secret's name and value in forms the pair rule misread (2026-12-06, eleventh attacker's pass).

Each text below kept its value before (14 of 14); in most the rule hid a character or a word
*instead* of the value (`password = [REDACTED:secret]"<pw>"` for Python's ``r"..."``, `PASSWORD:
[REDACTED:secret]` for a YAML block scalar's ``|``), which reads as if it had held:

* a qualifier between the name and its separator: ``password (new): ...``, ``API key (prod): ...``,
  ``token [staging]: ...``, ``password(2): ...``;
* YAML block scalars: ``password: |`` or ``>-`` and the value on the next, indented line;
* a quoted value with a string prefix: Python's ``r"..."``, ``b"..."``, ``f"..."``, ``u"..."``;
* a quoted value whose closing quote the line lost (``password="...`` at a line's end).
"""

from __future__ import annotations

import pytest

from skillevo._redaction import redact_text

PW = "Vf3-Value-Form-Secret-6620"

FORMS = [
    f"password (new): {PW}",
    f"Password (confirm): {PW}",
    f"API key (prod): {PW}",
    f"token [staging]: {PW}",
    f"password(2): {PW}",
    f"db:\n  PASSWORD: |\n    {PW}\n  user: app",
    f"password: >-\n  {PW}\nuser: app",
    f"token: |+\n  {PW}\n",
    f'password = r"{PW}"',
    f"password = b'{PW}'",
    f'api_key = f"{PW}"',
    f'PASSWORD = u"{PW}"',
    f'log: login password="{PW}\nnext line',
    f'password="{PW}',
]


@pytest.mark.parametrize("text", FORMS)
def test_a_secret_in_this_form_is_hidden(text: str) -> None:
    out = redact_text(text)
    assert PW not in out, out
    assert redact_text(out) == out


@pytest.mark.parametrize(
    "text",
    [
        "password (required): yes",
        "token (optional): none",
        "see the docs (password reset): https://docs.example.com/reset",
        "description: |\n  the password policy applies\n",
        'name = r"^[a-z]+$"',
        'message = f"hello {name}"',
        'title="Quarterly report',
    ],
)
def test_values_of_these_forms_naming_no_secret_stay(text: str) -> None:
    assert redact_text(text) == text
