"""Secret classes the 2026-12-06 pass noticed and left, each closed by a rule for its class (2026-12-07).

Each text below held its secret verbatim after redaction before its rule: a key written with HTML
character references, a session cookie named ``sid`` or ``session``, a password given as a short
option after a command that takes it there (``redis-cli -a``), a one-dash long option
(``keytool -storepass``), a code in Romance word order ("código de verificação", "il codice è"),
a bare code after a determiner, an OAuth authorization code in a redirect URL, a wallet's recovery
phrase, a pair separated by a full-width colon. Every secret here holds no key word of its own
(the 2026-12-06 cases' did, which hid some of these by luck). The ordinary values of the same
shapes survive, and two over-redactions are gone: a status word where a secret's value would be
("password: required") and a postal PIN code beside an address.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from skillevo._redaction import redact, redact_text

sys.path.insert(0, str(Path(__file__).parent))  # the shared harness, leak_harness.py
from leak_harness import db_bytes, run_two_episodes

S = "Zq7rT2wXv9Lm"  # no key stem inside: only the rule for its form can hide it
SEED_12 = "legal winner thank year wave sausage worth useful legal winner thank yellow"
SEED_24 = " ".join(["abandon", "ability", "able", "about", "above", "absent", "absorb", "abstract"] * 3)

LEAKS: dict[str, str] = {
    "a key written with numeric character references": f"pass&#119;ord={S}&next=1 p&#x61;ssword: {S}",
    "quotes written as named references": f"{{&quot;token&quot;: &quot;{S}&quot;}}",
    "an element written with references": f"&lt;password&gt;{S}&lt;/password&gt;",
    "a session cookie named sid or session": f"sid={S}; session={S}; Path=/; HttpOnly",
    "framework session cookies": f"connect.sid={S}; PHPSESSID={S}; JSESSIONID={S}; laravel_session={S}",
    "redis-cli's -a": f"redis-cli -h cache.internal -p 6380 -a {S} ping",
    "mysql's attached -p": f"mysql -u root -p{S} shop",
    "ldapsearch's -w and sqlcmd's -P": f"ldapsearch -x -D cn=admin -w {S} && sqlcmd -S db -U sa -P {S}",
    "one-dash long options": f"keytool -list -storepass {S} -keypass {S}; openssl rsa -passin pass:{S}",
    "long options": f"app --password {S} --pass={S} --auth {S}",
    "Spanish and Portuguese password words": f"la contraseña es {S}; a palavra-passe é {S}",
    "a Romance code with its modifier after it": "o código de verificação é 481516; el código de verificación es 4821",
    "French and Italian codes": "votre code de vérification est 481516, il codice di verifica è 481516",
    "a bare code after a determiner": f"o código é 4821; il codice è {S}; your code is 481516",
    "an OAuth code in a redirect's query": f"https://app.example.com/oauth2/callback?code={S}&state=af0ifjsldkj",
    "an OAuth code before its state": f"GET /cb?state=af0ifjsldkj&code=4/0AX{S} HTTP/1.1",
    "an OAuth code in a fragment": f"https://app.example.com/auth/callback#code={S}",
    "a 12-word recovery phrase": f"my seed phrase is {SEED_12}",
    "a 24-word recovery phrase": f"Recovery phrase:\n{SEED_24}",
    "a mnemonic as a pair": f"mnemonic: {SEED_12}",
    "a full-width colon": f"password：{S}，pin＝4821",
}


@pytest.mark.parametrize("name", sorted(LEAKS))
def test_a_secret_of_a_left_class_is_hidden(name: str) -> None:
    out = redact_text(LEAKS[name])
    for value in (S, "481516", "4821", "legal winner thank", "abandon ability"):
        assert value not in out, out
    assert "[REDACTED:" in out


@pytest.mark.parametrize(
    "name", ["redis-cli's -a", "a key written with numeric character references", "a bare code after a determiner"]
)
def test_these_forms_never_reach_the_database(tmp_path: Path, name: str) -> None:
    db = tmp_path / "lib.db"
    run_two_episodes(db, {"cmd": LEAKS[name]}, ensure_ascii=False)
    assert S.encode() not in db_bytes(db) and b"481516" not in db_bytes(db)


def test_session_keys_hide_their_values() -> None:
    out = redact({"sid": S, "session": {"id": S}, "user_session": S, "_gh_sess": S, "PHPSESSID": S})
    assert S not in json.dumps(out)
    ordinary = {"session_start": "09:00", "session_timeout": 30, "sessions": 4, "inside": "yes", "side": "left"}
    assert redact(ordinary) == ordinary


def test_ordinary_values_of_these_shapes_survive() -> None:
    kept = [
        "ls -a /tmp && cp -a build2 dist && git commit -a -m fix && uname -a",
        "openssl s_client -connect h:443 -key client.pem && redis-cli -n 2 get cart",
        "AT&amp;T &lt;b&gt;bold&lt;/b&gt; &copy; 2026",
        "the status code is 404; o código de status é 404; the code is ready; the code is 200",
        "https://shop.example.com/items?code=SAVE10 and https://h/search?state=CA&zip=94107",
        "keep your recovery phrase offline and never share it with anyone, not even support",
        "session started at 09:00; the session_timeout is 30; inside the side door",
        "code:481516 is the error code",
    ]
    for text in kept:
        assert redact_text(text) == text, text


@pytest.mark.parametrize(
    "text",
    ["password: required", "token: missing", "password: invalid", "pin=required", "password=not set",
     '{"password": "required", "token": "expired"}', "api_key: None", "Password: Required."],
)  # fmt: skip
def test_a_status_word_after_a_secrets_name_is_kept(text: str) -> None:
    # the word describes the argument; before, it was stored as "password: [REDACTED:secret]"
    assert redact_text(text) == text


def test_a_secret_after_its_name_is_still_hidden_beside_status_words() -> None:
    for text in (f"password: {S}", "password: hunter2", "password: Required1", f"token: {S} missing"):
        out = redact_text(text)
        assert "[REDACTED:secret]" in out and S not in out and "hunter2" not in out and "Required1" not in out


def test_a_postal_pin_code_beside_an_address_is_kept() -> None:
    # India's PIN code (Postal Index Number) is a postal code: beside an address it is no PIN
    record: dict[str, Any] = {"name": "A. Rao", "street": "12 MG Road", "city": "Bengaluru", "pincode": "560001"}
    assert redact(record) == record
    assert redact({"shipping_pincode": 560001, "delivery_pin_code": "560 001"}) == {
        "shipping_pincode": 560001,
        "delivery_pin_code": "560 001",
    }
    for text in ("Address: 12 MG Road, Bengaluru, Pincode: 560001", "ship to Flat 4, Andheri, pincode 400053"):
        assert redact_text(text) == text


def test_a_pin_code_without_an_address_is_still_hidden() -> None:
    out = redact({"user": "ana", "pincode": "560001", "pin_code": "4821"})
    assert "560001" not in json.dumps(out) and "4821" not in json.dumps(out)
    assert redact({"city": "Pune", "pincode": "4821"})["pincode"] == "[REDACTED:secret]"  # a PIN's shape
    for text in ("your pincode is 4821", "card pin code: 560001"):
        assert "4821" not in redact_text(text) and "560001" not in redact_text(text), text


def test_the_pre_filter_lets_every_new_form_through() -> None:
    # the new rules run behind the one-search pre-filter and their gates: the result equals every rule's
    from skillevo._redaction import _redact_all_rules

    for text in [*LEAKS.values(), "ls -a /tmp", "the code is 200", "password: required", "AT&amp;T"]:
        assert redact_text(text) == _redact_all_rules(text, False), text
