"""Round-three held-out leak corpus (chat, logs, configs in several languages): each class found
leaking there, with the ordinary neighbour that must stay as written.

Every case checks both the redacted text and the bytes an episode leaves in the library file."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from skillevo._redaction import redact_text

sys.path.insert(0, str(Path(__file__).parent))  # the shared harness, leak_harness.py
from leak_harness import db_bytes, run_two_episodes

LEAKS = {
    # the name's "'s" is "is": "my password's X"
    "a possessive name": ("my password's Tr0mb0ne!Glacier, don't share it", "Tr0mb0ne!Glacier"),
    "a possessive name (curly)": ("the wifi passphrase’s velvet-otter-93 today", "velvet-otter-93"),
    # the value in brackets after its name
    "a value in parentheses": ("atm pin (4821)", "4821"),
    "a value in square brackets": ("your security code [773104] expires soon", "773104"),
    # a connection string's password holding characters a URL should have encoded
    "a DSN password with '#'": ("postgres://app_user:Zq8#mLp2vR@db.example.com:5432/orders", "Zq8#mLp2vR"),
    "a DSN password with '!' and '$'": ("redis://:N0v!ember$Rain@cache.internal:6379/0", "N0v!ember$Rain"),
    # national ids named in words
    "a national id key": ('{"national_id": "443-66-4439"}', "443-66-4439"),
    "a tax id in prose": ("tax id 298.549.615-72 on file", "298.549.615-72"),
    "a national insurance number": ("customer national insurance number QQ214719C", "QQ214719C"),
    "a social security number in words": ("her social security number is 443-66-4439", "443-66-4439"),
    # a password abbreviated in chat
    "pw in chat": ("user is mgonzalez and pw Tr0mb0ne!Glacier", "Tr0mb0ne!Glacier"),
    "PW with a colon": ("login ana PW: plumtree7781", "plumtree7781"),
    # a PIN named in German
    "Geheimzahl": ("Geheimzahl: 4821", "4821"),
}

KEPT = [
    "the password's strength is weak",
    "the pin (optional) may be left empty",
    "API key (prod) rotated yesterday",
    "see https://docs.example.com/guide#install@v2 for details",
    "tax 19.00 EUR included; national holiday on 2026-12-25",
    '{"tax_id_format": "NNN-NN-NNNN"}',
    "the social media team meets at 10",
    "attachment aGVsbG8gd29ybGQPw== received",
    "ship to PW 96939 by sea",
    "Session id 5521 started",
    "https://user@example.com:8443/path#frag",
    "national id card scanner offline",
]


@pytest.mark.parametrize("name", list(LEAKS))
def test_a_secret_in_held_out_phrasing_is_hidden(name: str) -> None:
    text, secret = LEAKS[name]
    assert secret not in redact_text(text)


@pytest.mark.parametrize("name", list(LEAKS))
def test_a_secret_in_held_out_phrasing_reaches_no_episode_row(name: str, tmp_path: Path) -> None:
    text, secret = LEAKS[name]
    db = tmp_path / "lib.db"
    run_two_episodes(db, {"note": text})
    assert secret.encode() not in db_bytes(db)


@pytest.mark.parametrize("text", KEPT)
def test_ordinary_neighbours_stay_as_written(text: str) -> None:
    assert redact_text(text) == text


FLAG_LEAKS = {
    "a quoted short option": ("sshpass -p 'Tr0mb0ne!Glacier' ssh ana@host", "Tr0mb0ne!Glacier"),
    "a double-quoted short option": ('7z x backup.7z -p"N0vember$Rain"', "N0vember$Rain"),
}
FLAG_KEPT = ["mkdir -p 'build'", "mkdir -p 'build output'", "docker run -p '8080:80' app", "mkdir -p '/tmp/x/y'"]


@pytest.mark.parametrize("name", list(FLAG_LEAKS))
def test_a_quoted_short_password_option_is_hidden(name: str) -> None:
    text, secret = FLAG_LEAKS[name]
    assert secret not in redact_text(text)


@pytest.mark.parametrize("text", FLAG_KEPT)
def test_a_quoted_short_option_that_is_no_password_stays(text: str) -> None:
    assert redact_text(text) == text


CONTEXT_LEAKS = {
    # the value first, a pronoun pointing back at it, then the name
    "that's the password": ("Tr0mb0ne!Glacier - that's the password", "Tr0mb0ne!Glacier"),
    "that is the new password": ("sunflower, that is the new password", "sunflower"),
    "this is the pin": ("4821, this is the pin for the door", "4821"),
    # a dictionary word holding until a time
    "password stays X until": ("the password stays sunflower until monday", "sunflower"),
    "pin is X till": ("the pin is 4821 till the card arrives", "4821"),
    # a code's digits glued to its name
    "pin1234": ("card pin1234 accepted", "1234"),
    "OTP glued": ("OTP482913 sent by SMS", "482913"),
}
CONTEXT_KEPT = [
    "the password stays valid until monday",
    "the password is changed after each login",
    "this, that is the password policy",
    "reset - that is the password reset form",
    "pin2 is wired to ground; pin13 drives the LED",
    "the pin that is the default stays",
]


@pytest.mark.parametrize("name", list(CONTEXT_LEAKS))
def test_a_secret_read_around_its_name_is_hidden(name: str) -> None:
    text, secret = CONTEXT_LEAKS[name]
    assert secret not in redact_text(text)


@pytest.mark.parametrize("text", CONTEXT_KEPT)
def test_words_around_a_name_that_hold_no_secret_stay(text: str) -> None:
    assert redact_text(text) == text


def test_a_phone_after_a_five_digit_trunk_code_is_hidden_in_prompt_text() -> None:
    # the UK's mobiles and many landlines: a trunk 0 and four digits, then six ("07700 900462")
    for text in ("call me at 07700 900462", "Tel: 01632 960983", "mobile=07700-900462"):
        out = redact_text(text, emails=True)
        assert "900462" not in out and "960983" not in out, out


@pytest.mark.parametrize("text", ["part number 12345 678901", "zip 07700 area", "batch 07700 of 900462 rows"])
def test_five_digit_groups_without_a_trunk_code_stay(text: str) -> None:
    assert redact_text(text, emails=True) == text


BIRTH = {
    "DOB: 1985-03-14": "1985-03-14",
    "date of birth 14/03/1985": "14/03/1985",
    '{"birthdate": "03/14/1985"}': "03/14/1985",
    "born on March 14, 1985 in Lyon": "March 14, 1985",
    "Geburtsdatum: 14.03.1985": "14.03.1985",
    "fecha de nacimiento: 14/03/1985": "14/03/1985",
}


@pytest.mark.parametrize("text", list(BIRTH))
def test_a_labelled_birth_date_is_hidden_in_prompt_text(text: str) -> None:
    assert BIRTH[text] not in redact_text(text, emails=True)


@pytest.mark.parametrize(
    "text", ["shipped on 2026-03-14", "created_at: 1985-03-14", "born-again release 1.9.85", "the DOB field is a date"]
)
def test_a_date_not_named_a_birth_date_stays(text: str) -> None:
    assert redact_text(text, emails=True) == text
