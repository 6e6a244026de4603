"""Passwords in prose phrased any way, and contact details written out, reach no file, prompt, export or
report (2026-12-07, secrets4's pass).

The prose rule read "name, linking words, value" in one order with a fixed set of linking words. A
generated corpus (/tmp/secrets4 in the pass's notes: 64 phrasings by 16 values by 6 surroundings, half
held out) leaked 2,463 of 3,372 development texts to the stored text: the value first ("hunter2 is the
password"), a mark or a verb phrase between ("password - ...", "password has been set to ..."), a
login verb's object ("use hunter2 to log in"), other languages' copulas ("la contraseña es ...",
"salasana on ...", "密码是..."), a dictionary word after a copula ("my password is dragon."). And the
LLMMiner's prompt showed 60 of 75 contact details written to dodge a scraper ("john dot smith at
example dot com", "john [at] example [dot] com", "415/555/0199", "four one five ...").

Now `_secret_context` reads a window both ways from every secret name and the object of a login verb,
and `_secret_contact` reads addresses and numbers written out; ordinary errors stay as they were.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from skillevo._redaction import redact_text
from skillevo._untrusted import quote_untrusted

sys.path.insert(0, str(Path(__file__).parent))
from leak_harness import db_bytes, error_outputs
from test_attack_customer_prompts import _prompts

PROSE = [
    "Quokka7731 is the password",
    "Quokka7731 was the password we used",
    "try Quokka7731 as the password",
    "4471 is the pin for the door",
    "use Quokka7731 to log in",
    "sign in using Quokka7731",
    "enter Quokka7731 when prompted for the password",
    "password - Quokka7731",
    "password has been set to Quokka7731",
    "the password? it's Quokka7731",
    "(password 4471)",
    "credentials: admin / Quokka7731",
    "la contraseña es 4471",
    "das Passwort lautet 4471",
    "Quokka7731 est le mot de passe",
    "salasana on 4471",
    "lösenordet är Quokka7731",
    "şifre: Quokka7731",
    "пароль 4471",
    "密码是Quokka7731",
]
WORD_PASSWORDS = [
    "my password is marmalade.",
    "the password is marmalade",
    "password - marmalade",
    "la contraseña es marmalade",
    "marmalade is the password",
    "(password marmalade)",
]


@pytest.mark.parametrize("text", PROSE)
def test_a_password_in_prose_is_hidden_whatever_the_phrasing(text: str) -> None:
    for wrapped in (text, f"ValueError: login failed ({text})", f'{{"message": "{text}", "status": 401}}'):
        assert "Quokka7731" not in redact_text(wrapped) and "4471" not in redact_text(wrapped), wrapped


@pytest.mark.parametrize("text", WORD_PASSWORDS)
def test_a_dictionary_word_password_after_its_name_is_hidden(text: str) -> None:
    assert "marmalade" not in redact_text(text)


ORDINARY = [
    "password is required",
    "Password must be at least 8 characters",
    "invalid password format.",
    "the password is incorrect",
    "password expired on 2024-01-01",
    "Your password has expired.",
    "log in with Google",
    "sign in using SSO",
    "use Chrome to log in",
    "use the password reset form to log in",
    "password for user_42 is invalid",
    "The password is case-sensitive.",
    "the password is stale.",
    "Error: la contraseña es incorrecta",
    "le mot de passe est obligatoire",
    "Session expired, please log in again",
    "use api_key to authenticate",
    "log in with --password",
    "invalid date '03/14/2025': expected format YYYY-MM-DD",
    "Dates go as 2024/01/05; times as 10:30.",
    "timeout at api.example.com after 30s",
    "ids 1001,1002,1003 not found",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_errors_and_dates_are_kept(text: str) -> None:
    assert redact_text(text) == text
    assert redact_text(text, emails=True) == text


CONTACTS = {
    "john dot smith at example dot com": ["smith"],
    "john [at] example [dot] com": ["john"],
    "john(at)example(dot)com": ["john"],
    "john.smith @ example . com": ["smith"],
    "415/555/0199": ["0199"],
    "415_555_0199": ["0199"],
    "415·555·0199": ["0199"],
    "415 5550199": ["0199"],
    "4 1 5 5 5 5 0 1 9 9": ["0 1 9 9"],
    "four one five five five five zero one nine nine": ["zero one nine nine"],
}


@pytest.mark.parametrize("written", list(CONTACTS))
def test_a_contact_written_out_is_hidden_from_prompts(written: str) -> None:
    shown = quote_untrusted(f"recipient unreachable at {written}; amount must be an integer", 400)
    assert not any(part in shown for part in CONTACTS[written]), shown
    assert "amount must be an integer" in shown


def test_written_out_contacts_reach_no_miner_prompt(tmp_path: Path) -> None:
    error = "no account for john dot smith at example dot com (tel 415/555/0199); amount must be an integer"
    seen, rows = _prompts(tmp_path, error, {"amount": "3", "invoice": "INV-2291"})
    assert seen, "the miner was asked"
    for where in [*seen, rows]:
        assert "smith" not in where and "0199" not in where
    assert all("amount must be an integer" in p and "INV-2291" in p for p in seen)


def test_prose_passwords_reach_no_file_export_prompt_or_report(tmp_path: Path) -> None:
    message = "login failed: Quokka7731 is the password; use Hunter2Plum to log in; la contraseña es marmalade"
    prompts, stored, report = error_outputs(tmp_path, "sign_in", {"user": "ana"}, message, {"user": "ana"})
    data = db_bytes(tmp_path / "lib.db").decode("utf-8", "replace")
    for where in (prompts, stored, report, data):
        assert "Quokka7731" not in where and "Hunter2Plum" not in where and "marmalade" not in where
