"""A value-first secret in a clause joined to the one before it is hidden (attack29).

`_secret_context` (2026-12-07) reads "X is the password" only where X opens a sentence (after a stop,
a colon, a bracket or a quote). A second clause joined by a comma, a dash or a conjunction kept its
secret in the stored text: "Hunter22 is the password and Zebra99x is the pin" hid the first value and
not the second (7 of 7 shapes below). A joined clause's opening value is read too, as a credential
only: a word there is the sentence's own ("The form, which ..."; "ok and dragon is the password").
"""

from __future__ import annotations

import pytest

from skillevo._redaction import redact_text


@pytest.mark.parametrize("text", [
    "Hunter22 is the password and Zebra99x is the pin",
    "the user is bob, Quokka7731 is the password",
    "the user is bob, and Quokka7731 is the password",
    "ok - Zebra99x is the password",
    "login is alice but Qx7!pass9 is the password",
    "Benutzer ist bob und Quokka7731 ist das Passwort",
    "user is bob or Quokka7731 is the passcode",
])
def test_a_joined_clauses_value_first_secret_is_hidden(text: str) -> None:
    out = redact_text(text)
    assert not any(v in out for v in ("Zebra99x", "Quokka7731", "Qx7!pass9")), out


@pytest.mark.parametrize("text", [
    "ok and dragon is the password", "Yes, this is the password", "Done, that is the password policy",
])
def test_a_joined_clauses_word_stays(text: str) -> None:
    assert redact_text(text) == text
