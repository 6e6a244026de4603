"""Secrets spelled letter by letter, passphrases in prose or glued to "=", and words that are no
secret under a secret-sounding label (attack25, 2026-12-07).

Before, through `redact_text`, the error's signature, an `Evolver` episode's library file, guidance,
export, diff report and `LLMMiner` prompt:

* a secret's name or value spelled one character at a time (``p a s s w o r d = ...``, ``t-o-k-e-n:``,
  ``p.a.s.s.w.o.r.d=``, ``s k _ l i v e _ ...``): 8 of 8 kept the value (no key word, no shape);
* a passphrase after "is" in prose (``my password is correct horse battery staple``): 6 of 6 kept it;
* a passphrase glued to ``=`` (``password=correct horse battery staple``): 5 of 5 kept three words;
* harmless words under a label that names a secret alone or reads as one (``first pass: complete``,
  ``session: started at noon``, ``token: the request needs one``): 11 of 14 were hidden.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from skillevo._detect import error_signature
from skillevo._redaction import redact_text

sys.path.insert(0, str(Path(__file__).parent))
from leak_harness import db_bytes, error_outputs
from test_attack_customer_prompts import _prompts

KEY = "Qz7bXk9LmP4rT8"
SPELLED = [
    f"p a s s w o r d = {KEY}",
    f"p-a-s-s-w-o-r-d: {KEY}",
    f"P A S S W O R D: {KEY}",
    f"a p i _ k e y = {KEY}",
    f"t o k e n : {KEY}",
    f"p.a.s.s.w.o.r.d={KEY}",
    f"p_a_s_s_w_o_r_d={KEY}",
    f"s\u00a0e\u00a0c\u00a0r\u00a0e\u00a0t: {KEY}",
]
SPELLED_STRIPE = "s k _ l i v e _ 4 e C 3 9 H q L y j W D a r j t T 1 z d p 7 d c"

PHRASE = "correct horse battery staple"
LATER = ("horse", "battery", "staple")
PROSE = [
    f"my password is {PHRASE}",
    f"the passphrase is {PHRASE}",
    f"Your new password is {PHRASE}.",
    f"login failed: the password for ana is {PHRASE}",
    f"password was changed to {PHRASE}",
    f"the api key is {PHRASE} for prod",
]
GLUED = [
    f"password={PHRASE}",
    f"password={PHRASE} rejected",
    f"login(password={PHRASE}) failed",
    f"db_password={PHRASE} host=db1",
    f"passphrase={PHRASE}; retry",
]
BENIGN = [
    "first pass: complete",
    "second pass: skipped, retry later",
    "boarding pass: printed at gate 12",
    "hall pass: issued to room 12",
    "session: started at noon",
    "session: closed by user",
    "session: resumed from checkpoint",
    "token: the request needs one",
    "token: was not accepted by the upstream",
    "credentials: loaded from environment",
    "auth: failed because the user is unknown",
    "cookie: not sent by the browser",
    "the password is case sensitive",
    "the api key is read from the environment",
    "the session is still running",
    "the secret is kept in a sealed store",
    "before this session one miner rule read the allowed values",  # no linking word: no passphrase
    "letters that spell a secret word together name it",
]


@pytest.mark.parametrize("text", SPELLED)
def test_a_spelled_secret_name_hides_its_value(text: str) -> None:
    for shown in (redact_text(text), error_signature(text)):
        assert KEY not in shown, shown


def test_a_spelled_vendor_key_is_hidden_with_its_spaces() -> None:
    shown = redact_text(f"key spelled: {SPELLED_STRIPE}")
    assert "4 e C" not in shown and "s k _" not in shown and shown.startswith("key spelled: ")


@pytest.mark.parametrize("text", PROSE + GLUED)
def test_every_word_of_a_passphrase_in_prose_or_glued_is_hidden(text: str) -> None:
    for shown in (redact_text(text), error_signature(text)):
        assert "correct" not in shown and not any(w in shown for w in LATER), shown


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        (f"the api key is {PHRASE} for prod", " for prod"),
        (f"password={PHRASE} rejected", " rejected"),
        (f"db_password={PHRASE} host=db1", " host=db1"),
        ("password=hunter and the hunter left", " and the hunter left"),
        ("PASSWORD=hunter ./deploy.sh", " ./deploy.sh"),
    ],
)
def test_a_phrase_ends_where_the_sentence_or_the_next_pair_starts(text: str, kept: str) -> None:
    assert redact_text(text).endswith(kept)


@pytest.mark.parametrize("text", BENIGN)
def test_harmless_words_under_a_secret_sounding_label_stay(text: str) -> None:
    assert redact_text(text) == text


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("password: hunter", "hunter"),
        ("pass: hunter2", "hunter2"),
        ("first pass: Quokka7731plumZ", "Quokka7731plumZ"),
        ("session: 8f2a9c7d1e4b6a3f", "8f2a9c7d1e4b6a3f"),
        ("security answer: fluffy the cat", "fluffy"),
        ("the password is required; password: maple river stone", "river"),
    ],
)
def test_a_secret_under_the_same_labels_is_still_hidden(text: str, secret: str) -> None:
    assert secret not in redact_text(text)


def test_spelled_and_prose_secrets_reach_no_file_prompt_export_or_report(tmp_path: Path) -> None:
    message = f"login failed for ana: p a s s w o r d = {KEY}; my password is {PHRASE}; token={PHRASE} rejected"
    prompts, stored, report = error_outputs(tmp_path, "sign_in", {"user": "ana"}, message, {"user": "ana"})
    data = db_bytes(tmp_path / "lib.db").decode("utf-8", "replace")
    for where in (prompts, stored, report, data):
        assert KEY not in where and not any(w in where for w in LATER)


def test_spelled_and_prose_secrets_reach_no_miner_prompt(tmp_path: Path) -> None:
    error = f"amount must be an integer; t-o-k-e-n: {KEY}; the passphrase is {PHRASE}"
    seen, rows = _prompts(tmp_path, error, {"amount": "3", "invoice": "INV-2291"})
    assert seen, "the miner was asked"
    for where in [*seen, rows]:
        assert KEY not in where and not any(w in where for w in LATER)
    assert all("amount must be an integer" in p for p in seen)


def test_harmless_label_words_reach_the_miner_prompt(tmp_path: Path) -> None:
    seen, _ = _prompts(
        tmp_path,
        "first pass: complete; session: started at noon; amount must be an integer",
        {"amount": "3", "invoice": "INV-2291"},
    )
    assert seen and all("first pass: complete" in p and "started at noon" in p for p in seen)


@pytest.mark.parametrize(
    "text",
    [
        f"reset my account; my password is {PHRASE}",
        f"log in with p a s s w o r d = {KEY}",
        f"use password={PHRASE} now",
    ],
)
def test_task_text_arguments_and_results_keep_no_such_secret_in_the_file(text: str, tmp_path: Path) -> None:
    from skillevo import Evolver, SkillLibrary

    with SkillLibrary(str(tmp_path / "lib.db")) as lib:
        with Evolver(lib, seed=0, mining="inline").episode(task=text) as ep:
            sent = ep.before_tool("sign_in", {"note": text})
            ep.on_tool_result("sign_in", sent, {"echo": text})
            ep.finish(reward=1.0)
        lib.flush()
    data = db_bytes(tmp_path / "lib.db").decode("utf-8", "replace")
    assert KEY not in data and not any(w in data for w in LATER)
