"""A secret's name spelled so a reader still reads it, as a dict key and as a pair's label (redact22).

A key is judged on its words. Before, these named no secret, and the value under them was kept
(probe counts: a dict key, a ``key=value``, a JSON text and a ``key: value`` each):

* look-alike letters of another script mixed into a Latin key (``pаssword``, Cherokee ``ꮪ``,
  letterlike ``℮``): 26 of 128 kept; an escape in a dict key (``pass\\u0077ord``, ``p&#97;ssword``,
  ``t\\x6fken``): 25 of 60;
* Latin letters the confusables table does not fold (small capitals ``ᴘᴀꜱꜱᴡᴏʀᴅ``, ``ɑ``, dotless
  ``ı``): 96 of 96;
* a space inside the name (``pass word``, a no-break or thin space) or an accent on a letter
  (``pássword``, precomposed or combining): 157 of 312.

Now a key is judged as written and as read in ASCII (`_secret_fold`: NFD with its combining marks
dropped, TR39's confusables, a Latin letter's Unicode name), its escapes decoded; a pair's label is
read with the words spaced before it. Ordinary keys and labels in any script stay.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from pathlib import Path

import pytest

from skillevo._redaction import redact, redact_text
from skillevo._secret_keys import is_secret_key

sys.path.insert(0, str(Path(__file__).parent))
from leak_harness import db_bytes, run_two_episodes

SECRET = "Quokka7731plumZ"

MIXED_SCRIPT = [
    "pa\ua4e2sword",  # Lisu "ꓢ"
    "pa\uabaasword",  # Cherokee small letter "ꮪ"
    "\u2ca3ass\u051dord",  # Coptic "ⲣ", Cyrillic "ԝ"
    "tok\u212en",  # letterlike estimated sign "℮"
    "t\u0585k\u04bdn",  # Armenian "օ", Cyrillic "ҽ"
    "sec\u1d26et",  # Greek small capital gamma, read as "r"
    "\u0430pi_key",  # Cyrillic "а"
    "access_t\u03bfken",  # Greek "ο"
    "client_s\u0435cret",  # Cyrillic "е"
    "pa\u0455\u0455phrase",  # Cyrillic "ѕ"
]
ESCAPED = [
    "pass\\u0077ord",
    "p\\x61ssword",
    "p&#97;ssword",
    "p&#x61;ssword",
    "t\\u{6f}ken",
    "sec\\u0072et",
    "api\\u005fkey",
    "pass\\167ord",
]
LATIN_LOOK_ALIKES = [
    "\u1d18\u1d00\ua731\ua731\u1d21\u1d0f\u0280\u1d05",  # small capitals
    "p\u0251ssword",  # Latin alpha
    "p\u0131n",  # dotless i
    "\u1d1b\u1d0f\u1d0b\u1d07\u0274",  # small capitals
    "s\u1d07\u1d04r\u1d07t",
    "\u1d00pi_key",
    "\u0261\u026a\u1d1b",  # not a secret's name: a control below
]
SPACED = [
    "pass word",
    "pass\u00a0word",
    "pass\u2009phrase",
    "pass\u202fcode",
    "api key",
    "api\u3000key",
    "secret\u00a0key",
    "access token",
]
ACCENTED = [
    "p\u00e1ssword",
    "pa\u0301ssword",
    "passw\u00f3rd",
    "s\u00e9cret",
    "to\u0303ken",
    "a\u0308pi_key",
    "client_s\u00e8cret",
    "passphr\u00e2se",
]
SECRET_NAMES = [k for k in MIXED_SCRIPT + ESCAPED + LATIN_LOOK_ALIKES + SPACED + ACCENTED if k != "\u0261\u026a\u1d1b"]


@pytest.mark.parametrize("key", SECRET_NAMES)
def test_a_respelled_secret_name_hides_its_value_as_a_dict_key(key: str) -> None:
    assert SECRET not in json.dumps(redact({"user": "ana", key: SECRET}), ensure_ascii=False), key
    assert redact({"user": "ana", key: SECRET})["user"] == "ana"


@pytest.mark.parametrize("key", SECRET_NAMES)
@pytest.mark.parametrize("sep", ["=", ": "])
def test_a_respelled_secret_name_hides_its_value_in_a_text(key: str, sep: str) -> None:
    for text in (f"request rejected: {key}{sep}{SECRET} (end)", "rejected: " + json.dumps({key: SECRET})):
        assert SECRET not in redact_text(text), text


@pytest.mark.parametrize(
    "key",
    [
        "p\u0251ssword",
        "\u1d18\u1d00\ua731\ua731\u1d21\u1d0f\u0280\u1d05",
        "pass\\u0077ord",
        "pa\u0301ssword",
        "pass\u00a0word",
    ],
)
def test_a_respelled_secret_name_reaches_no_file(tmp_path: Path, key: str) -> None:
    db = tmp_path / "lib.db"
    run_two_episodes(db, {"user": "ana", key: SECRET}, ensure_ascii=False)
    data = db_bytes(db)
    assert SECRET.encode() not in data and b"ana" in data


ORDINARY_KEYS = [
    "\u0438\u043c\u044f",
    "\u0433\u043e\u0440\u043e\u0434",
    "\u0391\u0392\u0393",
    "caf\u00e9",
    "na\u00efve",
    "kullan\u0131c\u0131",
    "Stra\u00dfe",
    "r\u00e9sum\u00e9",
    "pass rate",
    "pass_count",
    "order\u00a0id",
    "\u0261\u026a\u1d1b",
    "\u1d00\u1d18\u1d18 \u1d20\u1d07\u0280\ua731\u026a\u1d0f\u0274",
    "p\u00e1gina",
    "se\u00f1al",
]


@pytest.mark.parametrize("key", ORDINARY_KEYS)
def test_ordinary_keys_in_any_script_stay(key: str) -> None:
    assert not is_secret_key(key)
    assert redact({key: "ORD-2024-7731"}) == {key: "ORD-2024-7731"}
    assert redact_text(f"{key}: 2024-05-01, status=shipped") == f"{key}: 2024-05-01, status=shipped"


@pytest.mark.parametrize(
    "text",
    [
        "Z\u00fcrich caf\u00e9 na\u00efve: 42",
        "pass rate: 90%",
        "boarding pass number: 12",
        "error code: E42",
        "zip code: 94107",
        "kullan\u0131c\u0131 ad\u0131: ali",
        "Stra\u00dfe: Hauptstra\u00dfe 5",
        "the key: shipped",
        "r\u00e9sum\u00e9: attached",
        unicodedata.normalize("NFD", "se\u00f1al: verde"),
    ],
)
def test_ordinary_labels_stay(text: str) -> None:
    assert redact_text(text) == text


def test_a_secret_word_two_words_back_names_its_own_value() -> None:
    # "SET PASSWORD FOR ana = PASSWORD('...')": "ana" is the account, its password the call's argument
    assert (
        redact_text("SET PASSWORD FOR ana = PASSWORD('x9Yq2LmP')")
        == "SET PASSWORD FOR ana = PASSWORD('[REDACTED:secret]')"
    )
