"""A secret's name written as two words (attack18): ``pass_phrase``, ``passWord``, ``access_tok``.

Key names are judged on their words (snake, kebab and camel case split them). A secret word that a
case style splits in two (``pass_phrase``, ``PassPhrase``, ``pass-word``, ``user_pass_word``,
``pass_wd``) left two words neither of which names a secret, and ``tok`` (a token abbreviated,
``access_tok``) named none: before, 12 of 12 keys kept their value in an argument dict, and in a
``key=value`` text. Two adjacent words that spell a secret word together now name it, and ``tok``
after a token's modifiers is a token; ``pass_through``, ``max_tokens``, ``stock_id``,
``pass_word_count`` stay.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from skillevo._redaction import redact, redact_text
from skillevo._secret_keys import is_secret_key

sys.path.insert(0, str(Path(__file__).parent))
from leak_harness import db_bytes, run_two_episodes

SECRET = "Quokka7731plumZ"
SPLIT = ["pass_phrase", "pass-phrase", "passPhrase", "PassPhrase", "pass_word", "passWord", "user_pass_word",
         "pass_wd", "access_tok", "refresh_tok", "id_tok", "session_tok"]
PLAIN = ["pass_through", "max_tokens", "stock_id", "pass_word_count", "word_count", "passenger", "pass_rate",
         "token_type", "compass_word", "tok_count"]


@pytest.mark.parametrize("key", SPLIT)
def test_a_split_secret_name_hides_its_value(key: str) -> None:
    assert is_secret_key(key)
    assert SECRET not in str(redact({"user": "ana", key: SECRET}))
    assert SECRET not in redact_text(f"request failed: {key}={SECRET}&user=ana")


@pytest.mark.parametrize("key", PLAIN)
def test_ordinary_names_stay(key: str) -> None:
    assert not is_secret_key(key)
    assert redact({key: "economy"}) == {key: "economy"}


def test_a_split_secret_name_reaches_no_file(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    run_two_episodes(db, {"user": "ana", "passPhrase": SECRET})
    data = db_bytes(db)
    assert SECRET.encode() not in data and b"ana" in data
