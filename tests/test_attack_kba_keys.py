"""Knowledge-based authentication answers are secrets: a security question's answer, a mother's
maiden name, a bank's "memorable word" sign a customer in like a password. Their keys
(``security_answer``, ``security_question_answer``, ``mothers_maiden_name``, ``memorable_word``) were
not secret keys, so their values reached the library file. The question itself, an ordinary answer
and a person's name stay readable."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the shared harness, leak_harness.py
from leak_harness import db_bytes, run_two_episodes

from skillevo._redaction import redact
from skillevo._secret_keys import is_secret_key

SECRET = [
    "security_answer", "securityAnswer", "security_question_answer", "SecurityQuestionAnswer", "secret_answer",
    "challenge_answer", "recovery_answer", "kba_answer", "security_answers", "security_answer_2",
    "mothers_maiden_name", "mother_maiden_name", "maiden_name", "motherMaidenName", "mothersmaidenname",
    "memorable_word", "memorable_information", "memorableInfo", "memorable_date", "memorable_phrase",
]  # fmt: skip
PLAIN = [
    "answer", "security_question", "question", "question_answer", "quiz_answer", "first_name", "last_name",
    "mother_name", "security_level", "answer_count", "security_answer_hint", "memorable_word_hint",
    "security_question_id", "maiden_voyage",
]  # fmt: skip


@pytest.mark.parametrize("key", SECRET)
def test_a_knowledge_based_answers_key_is_secret(key: str) -> None:
    assert is_secret_key(key)


@pytest.mark.parametrize("key", PLAIN)
def test_other_keys_are_not(key: str) -> None:
    assert not is_secret_key(key)


def test_the_question_stays_readable_beside_its_hidden_answer() -> None:
    out = redact({"security_question": "Name of your first pet?", "security_answer": "Fluffy1987"})
    assert out == {"security_question": "Name of your first pet?", "security_answer": "[REDACTED:secret]"}


@pytest.mark.parametrize(
    "key", ["security_answer", "security_question_answer", "mothers_maiden_name", "memorable_word"]
)
def test_the_answer_reaches_no_library_file(key: str, tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    run_two_episodes(db, {"user": "ana", key: "Quokka-Tamarind"})
    assert b"Quokka-Tamarind" not in db_bytes(db)
