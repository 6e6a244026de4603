"""Passwords in prose phrased the ways `_secret_context` did not read yet, and phone numbers written
without separators or in mixed words and digits, reach no file, prompt or report (2026-12-07,
secrets5's pass).

After secrets4's pass the prose windows still missed: a name with a complement before its link ("the
password for the vpn: X", "the door pin for the back gate - 4471"), a relative clause ("the password
you want is X"), a value named after a verb of use ("login using X as password"), a name of two words
("pass phrase is X"), a copular verb other than "is" ("password being X"), a pair with no link ("user
admin, pass X"), CJK names no key stem held (口令, 暗証番号, 암호). A phone number as one run of digits
("4155550199") or mixing words and digits ("four15-555-01ninety-nine") reached the miner's prompt.
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
    "the password for the wiki: {v}",
    "the pin for the storage unit - 4471",
    "door code for the loading dock is 4471",
    "the password you need is {v}",
    "the password I chose was {v}",
    "log on using {v} as the password",
    "signed in with {v} for the password",
    "pass phrase: {v}",
    "pass-word is {v}",
    "the password being {v}",
    "the password becomes {v}",
    "user ana, pass {v}",
    "username deploy pass {v}",
    "口令：{v}",
    "암호는 {v}",
    "暗証番号は4471です",
]


@pytest.mark.parametrize("phrase", PROSE)
@pytest.mark.parametrize("value", ["Quokka7731", "marmalade"])
def test_a_password_phrased_with_a_complement_clause_or_pair_is_hidden(phrase: str, value: str) -> None:
    text = phrase.format(v=value)
    secret = value if "{v}" in phrase else "4471"
    for wrapped in (text, f"ValueError: login failed ({text})", f'{{"detail": "{text}", "code": 403}}'):
        assert secret not in redact_text(wrapped), wrapped


ORDINARY = [
    "the password for this account is incorrect",
    "password for user_42 is invalid",
    "the password you entered is wrong",
    "the password that you entered has expired",
    "the token for the session was revoked",
    "password being reset, please wait",
    "pass phrase is required",
    "the pass is valid until noon",
    "user ana passed validation",
    "the code for the request was 404",
    "order 4155550199 not found",
    "invoice INV-2291 total 1250000 cents",
    "retry in five minutes, attempt 3 of 10",
    "build 20241107 failed at step four",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_errors_stay(text: str) -> None:
    assert redact_text(text) == text
    assert redact_text(text, emails=True) == text


PHONES = {
    "4155550199": "0199",
    "14155550199": "0199",
    "02079460958": "0958",
    "four15-555-01ninety-nine": "ninety",
    "4one5 555 zero1nine9": "nine9",
    "415 555 oh one nine nine": "nine nine",
}


@pytest.mark.parametrize("written", list(PHONES))
@pytest.mark.parametrize("frame", ["call the customer back on {p}", "recipient unreachable at {p}", "contact: {p}"])
def test_a_phone_without_separators_or_in_mixed_words_is_hidden_from_prompts(written: str, frame: str) -> None:
    shown = quote_untrusted(frame.format(p=written) + "; amount must be an integer", 400)
    assert PHONES[written] not in shown, shown
    assert "amount must be an integer" in shown


def test_gap_phrasings_reach_no_file_prompt_or_report(tmp_path: Path) -> None:
    message = "login failed: the password for the vpn: marmalade; pass phrase is Quokka7731"
    prompts, stored, report = error_outputs(tmp_path, "sign_in", {"user": "ana"}, message, {"user": "ana"})
    data = db_bytes(tmp_path / "lib.db").decode("utf-8", "replace")
    for where in (prompts, stored, report, data):
        assert "marmalade" not in where and "Quokka7731" not in where


@pytest.mark.parametrize(
    "written", ["four one five 555 zero one nine nine", "four15-555-01ninety-nine", "call me on 4155550199"]
)
def test_a_phone_partly_in_words_reaches_no_miner_prompt(tmp_path: Path, written: str) -> None:
    # the prompt masks an error's instance data ("555") as <value>: a phone must be hidden before, whole
    seen, rows = _prompts(tmp_path, f"recipient unreachable at {written}; amount must be an integer", {"amount": "3"})
    assert seen, "the miner was asked"
    for where in [*seen, rows]:
        assert "nine" not in where and "0199" not in where
