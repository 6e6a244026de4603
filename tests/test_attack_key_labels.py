"""Secrets that ride in a *label*: a dict key that holds a secret, a key that is already a redaction
mark, and a label too long for the key=value rule (2026-12-06, eleventh attacker's pass).

Before: ``{"password=<pw>": "x"}`` kept its key whole (the value was hidden, the password in the key
was not); ``{"[REDACTED:password]": <pw>}`` and ``{<AWS key id>: <its secret>}`` kept their values
(a mark, or a key that was a credential, names no secret by its words); and a label of more than 80
characters (``<long prefix>_password=<pw>``, ``--<long option>-password <pw>``, ``2024_db_password=``)
was read by no rule, so the value reached the library file, the GRPO export, `LLMMiner`'s prompt
and, as an argument's name, the diff report.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from skillevo._redaction import redact, redact_text

sys.path.insert(0, str(Path(__file__).parent))
from leak_harness import db_bytes, run_two_episodes

PW = "Qz7-Label-Hid-4411"
AWS_ID = "AKIAIOSFODNN7EXAMPLE"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
GITHUB = "ghp_R2l0SHViVG9rZW5UaGF0SXNSZWFsbHlMb25nMQ"
TOKEN = "tK9vLm2QxR7wZp4NbY6cHd"

# ------------------------------------------------------------------------------------ secrets in dict keys

KEY_ATTACKS: dict[str, tuple[dict[str, Any], list[str]]] = {
    "a pair as a key": ({"password=" + PW: "x"}, [PW]),
    "a pair with a space as a key": ({"db password: " + PW: "x"}, [PW]),
    "a header as a key": ({f"Authorization: Bearer {TOKEN}": "ok"}, [TOKEN]),
    "a cookie header as a nested key": ({"headers": {f"Cookie: sid={TOKEN}": "1"}}, [TOKEN]),
    "a redaction mark keying a password": ({"[REDACTED:password]": PW}, [PW]),
    "a redaction mark keying a secret": ({"[REDACTED:secret]": PW, "user": "ana"}, [PW]),
    "a mark inside a longer key": ({"backup [REDACTED:api_key]": PW}, [PW]),
    "an AWS key id keying its secret": ({AWS_ID: AWS_SECRET}, [AWS_SECRET]),
    "a token keying a password": ({GITHUB: PW}, [GITHUB, PW]),
    "a URL with credentials keying a password": ({f"https://svc:{PW}@db.example.com/x": "backup " + PW}, [PW]),
}


@pytest.mark.parametrize("name", list(KEY_ATTACKS))
def test_a_secret_in_a_dict_key_is_hidden_with_its_value(name: str) -> None:
    value, secrets = KEY_ATTACKS[name]
    once = redact(value)
    shown = json.dumps(once)
    assert not [s for s in secrets if s in shown], shown
    assert redact(once) == once  # a second pass (the store boundary, an export) changes nothing


@pytest.mark.parametrize("name", list(KEY_ATTACKS))
def test_a_secret_in_a_dict_key_reaches_no_file(name: str, tmp_path: Path) -> None:
    value, secrets = KEY_ATTACKS[name]
    db = tmp_path / "lib.db"
    run_two_episodes(db, {"account": "A-1", "extra": value})
    data = db_bytes(db)
    assert not [s for s in secrets if s.encode() in data]
    assert b"A-1" in data


def test_keys_that_hold_no_secret_keep_their_values() -> None:
    value = {
        "customer_id": "C-1",
        "Order 7781": "shipped",
        "ana@example.com": "gold tier",  # a customer's address as a key: the key is hidden, not the tier
        "https://shop.example.com/cart": "3 items",
    }
    assert redact(value) == value
    shown = redact(value, emails=True)
    assert "gold tier" in shown.values() and "ana@example.com" not in shown


# ------------------------------------------------------------------------------------------- long labels

PREFIXES = {
    "snake, 81": "s" * 70 + "_service",
    "snake, 120": "svc_" * 28 + "main",
    "dotted, 400": "config." * 56 + "app",
    "kebab, 150": "a-" * 74 + "b",
    "camel, 130": "Service" * 18 + "Main",
    "one word, 100": "x" * 100,
}


def _forms(prefix: str) -> dict[str, str]:
    kebab = prefix.replace("_", "-").replace(".", "-")
    return {
        "pair": f"{prefix}_password={PW}",
        "pair, colon": f"{prefix}.db_password: {PW}",
        "pair, dotted key": f"{prefix}.password = {PW}",
        "JSON key": json.dumps({f"{prefix}_password": PW}),
        "option =": f"deploy --{kebab}-password={PW}",
        "option, space": f"deploy --{kebab}-password {PW}",
        "quoted after its name": f'{prefix}_password "{PW}" is too short',
    }


CASES = [(p, f) for p in PREFIXES for f in _forms("x")]


@pytest.mark.parametrize(("prefix", "form"), CASES, ids=[f"{p}: {f}" for p, f in CASES])
def test_a_long_label_hides_its_value(prefix: str, form: str) -> None:
    text = f"rejected: {_forms(PREFIXES[prefix])[form]} (retry later)"
    once = redact_text(text)
    assert PW not in once, once
    assert "retry later" in once
    assert redact_text(once) == once


@pytest.mark.parametrize(
    "text",
    [f"2024_db_password={PW}", f"1234_password: {PW}", f"v2.0.1_api_key={PW}"],
)
def test_a_label_led_by_digits_hides_its_value(text: str) -> None:
    assert PW not in redact_text(text)


def test_a_long_label_reaches_no_file(tmp_path: Path) -> None:
    label = "svc_" * 28 + "db_password"
    db = tmp_path / "lib.db"
    run_two_episodes(db, {"account": "A-1", "env": f"{label}={PW}", label: PW})
    assert PW.encode() not in db_bytes(db)


@pytest.mark.parametrize(
    "text",
    [
        "s" * 120 + "_count=12",
        "number_of_" + "x" * 90 + "_records=31",
        "config." * 20 + "timeout: 30s",
        "--" + "a-" * 50 + "verbose-level 3",
    ],
)
def test_a_long_label_naming_no_secret_keeps_its_value(text: str) -> None:
    assert redact_text(text) == text
