"""A passphrase written bare after its key in an error (redact22).

``password: correct horse battery staple``: the pair rule read one token as the value, so the
stored text and the error's signature kept three of the four words. Before: 50 of 50 probes (a key
naming a secret, ``: `` or `` = ``, at the start, mid-sentence, in brackets, before a line break)
kept a word after the first. Now a value whose first word is all letters, after a space, runs on
over the words spaced after it on its line, to a punctuation mark, the line's end or the next
label; a token (``hunter2``), a word glued to ``=`` (a DSN's or a query's) and a status word
(``token: expired for ana``) end where they did.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from skillevo._detect import error_signature
from skillevo._redaction import redact_text

sys.path.insert(0, str(Path(__file__).parent))
from leak_harness import db_bytes, error_outputs

PHRASE = "correct horse battery staple"
LATER = ["horse", "battery", "staple"]
TEXTS = [
    f"password: {PHRASE}",
    f"Error: login failed for ana, password: {PHRASE}",
    f"passphrase = {PHRASE}",
    f"invalid Password: {PHRASE}\nretry later",
    f"auth error (pwd = {PHRASE}) for ana",
    f"security answer: {PHRASE}, user: ana",
    f"api_key: {PHRASE} host: db1",
]


@pytest.mark.parametrize("text", TEXTS)
def test_every_word_of_a_bare_passphrase_is_hidden(text: str) -> None:
    for shown in (redact_text(text), error_signature(text)):
        assert not any(w in shown for w in LATER) and "correct" not in shown, shown


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        (f"auth error (pwd = {PHRASE}) for ana", ") for ana"),
        (f"security answer: {PHRASE}, user: ana", ", user: ana"),
        (f"api_key: {PHRASE} host: db1", "host: db1"),
        (f"invalid Password: {PHRASE}\nretry later", "\nretry later"),
        (f"password: {PHRASE}. Please retry", ". Please retry"),
    ],
)
def test_what_follows_the_phrase_stays(text: str, kept: str) -> None:
    assert redact_text(text).endswith(kept)


@pytest.mark.parametrize(
    "text",
    [
        "token: expired for user ana",
        "password: required for order 1234",
        "order_id: ORD-2024-7731 status: shipped date: 2024-05-01",
        "password=hunter and the hunter left",
        "status: pending review by the carrier",
    ],
)
def test_a_status_a_glued_value_and_ordinary_pairs_keep_their_words(text: str) -> None:
    assert "hunter left" in redact_text(text) if "hunter" in text else redact_text(text) == text


def test_a_token_ends_at_its_space() -> None:
    assert redact_text("password: hunter2 for user ana") == "password: [REDACTED:secret] for user ana"


def test_a_bare_passphrase_reaches_no_prompt_file_or_report(tmp_path: Path) -> None:
    message = f"login failed for ana, password: {PHRASE}"
    prompts, stored, report = error_outputs(tmp_path, "sign_in", {"user": "ana"}, message, {"user": "ana"})
    data = db_bytes(tmp_path / "lib.db").decode("utf-8", "replace")
    for where in (prompts, stored, report, data):
        assert not any(w in where for w in LATER)
