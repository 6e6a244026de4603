"""Secrets in forms beyond ``key=value`` never reach the library file (round three, 2026-12-05).

A fresh attacker's pass found each of these stored verbatim in the SQLite file: a secret *named by a
sibling* (HTTP headers as ``{"name", "value"}`` entries or ``[name, value]`` pairs, a container's
environment), JSON inside a JSON string (escaped quotes), a query inside a URL parameter
(percent-encoded ``=``), command-line options (``--password=...``, ``--api-key ...``), XML elements,
key names written in full-width letters or split by a zero-width character, a card number sent
as a JSON integer, a request signature (presigned URLs, SAS tokens, webhook HMACs), and key names
meaning "password" in other languages or scripts (a Cyrillic or CJK key had no words at all, and
JSON's ASCII escapes hid one in an error message quoting the call), and base64 wrapping a
credential (``user:password`` without the ``Basic`` word, a JSON body holding a password), and a
quoted value right after its name (SQL's ``IDENTIFIED BY '...'``, ``ALTER ROLE ... PASSWORD
'...'``). Each case runs two episodes through the `Evolver` (the secret in the arguments, echoed in
the error and the result) and reads every byte of the database files. Ordinary values of the same
shapes survive.
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from skillevo import EventKind, Evolver, SkillLibrary
from skillevo._redaction import redact, redact_text

sys.path.insert(0, str(Path(__file__).parent))  # the shared harness, leak_harness.py
from leak_harness import db_bytes, run_two_episodes

SECRET = "Hunter2-Very-Secret-Pw9"
CARD = 4111111111111111

LEAKS: dict[str, dict[str, Any]] = {
    "header entries": {"headers": [{"name": "Authorization", "value": f"Token {SECRET}"}]},
    "container environment": {"env": [{"name": "DB_PASSWORD", "value": SECRET}, {"name": "MODE", "value": "x"}]},
    "tag entries (Key/Value)": {"tags": [{"Key": "api-key", "Value": SECRET}]},
    "header pairs": {"headers": [["Accept", "json"], ["X-Api-Key", SECRET]]},
    "JSON inside a JSON string": {"body": json.dumps(json.dumps({"user": "ana", "password": SECRET}))},
    "percent-encoded query in a parameter": {"url": f"https://h/login?next=%2Fhome%3Fpassword%3D{SECRET}"},
    "long option with =": {"cmd": f"mysql -u root --password={SECRET} shop"},
    "long option and a space": {"cmd": f"deploy --api-key {SECRET} --verbose"},
    "XML element": {"body": f"<login><user>ana</user><ns:Password>{SECRET}</ns:Password></login>"},
    "full-width key": {"ｐａｓｓｗｏｒｄ": SECRET},
    "zero-width in a key": {"pass\u200bword": SECRET},
    "bidi control in a key": {"api\u202e_key": SECRET},
    "long s in a key": {"ſecret": SECRET},
    # a request's signature grants what its credential grants (presigned URLs, SAS tokens, webhooks)
    "S3 presigned URL": {"url": f"https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature={SECRET}"},
    "Azure SAS URL": {"url": f"https://a.blob.core.windows.net/c/f?sv=2021-08-06&sp=r&sig={SECRET}"},
    "GCS signed URL": {"url": f"https://storage.googleapis.com/b/o?X-Goog-Signature={SECRET}"},
    "webhook signature header": {"headers": f"X-Hub-Signature-256: sha256={SECRET}"},
    "signature and hmac keys": {"X-Signature": SECRET, "webhook_signature": SECRET, "hmac_key": SECRET},
    "numbered copies of secret keys": {"password2": SECRET, "api_key_2": SECRET, "token_1": SECRET},
    # key names in other languages and scripts
    "German and Portuguese keys": {"Passwort": SECRET, "senha": SECRET, "mot_de_passe": SECRET},
    "Cyrillic and CJK keys": {"пароль": SECRET, "密码": SECRET},
    "Cyrillic key in text": {"log": f"вход: логин=ana пароль={SECRET}"},
    # a quoted value right after its name: SQL, and prose in an error
    "SQL IDENTIFIED BY": {"sql": f"CREATE USER 'app'@'%' IDENTIFIED BY '{SECRET}';"},
    "SQL role PASSWORD": {"sql": f"ALTER ROLE app PASSWORD '{SECRET}'; SET PASSWORD = PASSWORD('{SECRET}')"},
    "quoted after its name in prose": {"note": f'password "{SECRET}" is too short'},
}
#: base64 wrapping a credential: HTTP Basic's user:password without its word, a JSON body.
ENCODED = {
    "base64 of user:password": base64.b64encode(f"admin:{SECRET}".encode()).decode(),
    "base64 JSON": base64.b64encode(json.dumps({"password": SECRET}).encode()).decode(),
    "URL-safe base64 JSON": base64.urlsafe_b64encode(json.dumps({"note": "x", "api_key": SECRET}).encode()).decode(),
}
#: What the encoded forms must not hide: base64 of text without a secret.
B64_PLAIN = [
    base64.b64encode(b"hello world, this is plain text").decode(),
    base64.b64encode(json.dumps({"page": 2, "after": "o-1"}).encode()).decode(),  # a pagination cursor
    base64.b64encode(b"https://example.com/callback").decode(),  # a URL is no user:password
    base64.b64encode(bytes(range(64))).decode(),  # binary
]


@pytest.mark.parametrize("name", sorted(ENCODED))
def test_a_secret_wrapped_in_base64_never_reaches_the_database(tmp_path: Path, name: str) -> None:
    blob = ENCODED[name]
    run_two_episodes(tmp_path / "lib.db", {"blob": blob, "note": f"state={blob}&x=1"})
    data = db_bytes(tmp_path / "lib.db")
    assert blob.encode() not in data
    assert blob.rstrip("=")[:24].encode() not in data


@pytest.mark.parametrize("name", sorted(LEAKS))
def test_a_secret_in_another_form_never_reaches_the_database(tmp_path: Path, name: str) -> None:
    args = LEAKS[name]
    db = tmp_path / "lib.db"
    run_two_episodes(db, args)  # closed: whatever the WAL held is in the file now
    assert SECRET.encode() not in db_bytes(db)


def test_a_card_number_sent_as_an_integer_never_reaches_the_database(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    lib = SkillLibrary(str(db))
    with Evolver(lib).episode(task="t") as ep:
        ep.on_tool_result("pay", ep.before_tool("pay", {"card": CARD, "items": [CARD]}), {"charged": CARD})
        ep.finish(reward=1.0)
    lib.close()
    assert str(CARD).encode() not in db_bytes(db)


def test_ordinary_values_of_the_same_shapes_survive() -> None:
    # a product named like a secret keeps its other fields; an entry naming no secret keeps its value
    assert redact({"name": "cookie", "qty": 3, "price": "2.50"}) == {"name": "cookie", "qty": 3, "price": "2.50"}
    assert redact({"name": "Alice", "value": "gold"}) == {"name": "Alice", "value": "gold"}
    assert redact([["Accept", "json"], ["token", None]]) == [["Accept", "json"], ["token", None]]
    assert redact(["ana", "bob"]) == ["ana", "bob"]
    # a millisecond timestamp, an order number and an id are not card numbers
    assert redact({"since": 1796512691079, "order": 12345678, "n": 4111111111111112}) == {
        "since": 1796512691079,
        "order": 12345678,
        "n": 4111111111111112,
    }
    assert redact_text("deploy --verbose true --region eu-west-1") == "deploy --verbose true --region eu-west-1"
    assert redact_text("<order><name>Ana</name><qty>3</qty></order>") == "<order><name>Ana</name><qty>3</qty></order>"
    assert redact_text(json.dumps(json.dumps({"user": "ana"}))) == json.dumps(json.dumps({"user": "ana"}))
    # what describes a signature is no signature; words holding "sig" are not the word
    described = {"signature_method": "HMAC-SHA1", "X-Amz-Algorithm": "AWS4-HMAC-SHA256", "design": "flat"}
    described |= {"signature": "v2:status must be one of", "error_signature": "x", "key2": "k", "sha256": "ab12"}
    assert redact({**described, "assignee": "ana", "имя": "Анна"}) == {**described, "assignee": "ana", "имя": "Анна"}
    assert redact_text('the field "name" is required; key "region" missing') == (
        'the field "name" is required; key "region" missing'
    )
    for blob in B64_PLAIN:
        assert redact_text(f"cursor {blob} next") == f"cursor {blob} next"


def test_the_forms_keep_the_text_readable() -> None:
    assert redact_text(json.dumps(json.dumps({"password": SECRET}))) == json.dumps(
        json.dumps({"password": "[REDACTED:secret]"})
    )
    assert redact_text(f'run --token "{SECRET}" now') == 'run --token "[REDACTED:secret]" now'
    assert redact_text(f"<pin>{SECRET}</pin>") == "<pin>[REDACTED:secret]</pin>"


@pytest.mark.parametrize("args", [{"q": f"password={SECRET}"}, {"cmd": f"--password={SECRET}"}])
def test_a_secret_found_in_text_is_hidden_where_it_is_echoed_bare(tmp_path: Path, args: dict[str, Any]) -> None:
    # before: only values under secret *keys* were remembered; "password=..." inside a string was
    # hidden there and stored where the error echoed it without its name
    db = tmp_path / "lib.db"
    lib = SkillLibrary(str(db))
    with Evolver(lib).episode(task="t") as ep:
        ep.on_tool_error("login", ep.before_tool("login", args), ValueError(f"bad value {SECRET}"))
        ep.finish(reward=1.0)
    lib.close()
    assert SECRET.encode() not in db_bytes(db)


def test_a_word_found_after_a_secret_name_is_not_hidden_elsewhere(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    lib = SkillLibrary(str(db))
    with Evolver(lib).episode(task="t") as ep:
        sent = ep.before_tool("signup", {"form": "password: required"})
        ep.on_tool_error("signup", sent, ValueError("email: required"))
        ep.finish(reward=1.0)
    errors = [e.data["error"] for e in lib.events(kind=EventKind.TOOL_ERROR)]
    lib.close()
    assert errors == ["email: required"]
