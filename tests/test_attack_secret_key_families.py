"""Secret keys the word model missed, by family (attacker's pass, round two).

Each family had a member the redaction engine knew (``cvv``/``cvc``, ``mfa_code``, ``mnemonic``,
``pwd``, ``passcode``, ``access_code``, ``api_key``) and members it did not, whose values reached the
library file as sent: a card's verification value under its other names (``csc``, ``cvn``,
``card_code``, ``card_verification_value``; ``cvd`` is also a disease, left readable), a second
factor's code (``two_factor_code``, ``2fa`` spelled ``twofa``/``two_fa``), a wallet's recovery
words (``seed_phrase``, ``recovery_phrase``, ``wallet_seed``), a password abbreviated (``user_pw``;
``pw`` alone is also the end of a base64 text, ``...Pw==``) or split (``pass_code``,
``keystore_pass``), a physical access code (``door_code``, ``gate_code``, ``alarm_code``) and a
network's shared key (``psk``, ``pre_shared_key``, ``wpa_key``). Ordinary keys around them stay
readable.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the shared harness, leak_harness.py
from leak_harness import db_bytes, run_two_episodes

from skillevo._secret_keys import is_secret_key

SECRET = [
    # a card's verification value
    "csc", "cvn", "card_code", "cardCode", "card_verification_value", "card_verification_code",
    "card_security_code", "cvn2",
    # a second factor's one-time code
    "two_factor_code", "twoFactorCode", "second_factor_code", "two_factor_token", "twofa_code", "two_fa", "twofa",
    "tfa_code",
    # a wallet's recovery words
    "seed_phrase", "seedPhrase", "recovery_phrase", "mnemonic_phrase", "wallet_seed", "secret_phrase",
    "backup_phrase",
    # a password abbreviated or split
    "user_pw", "admin_pw", "pass_code", "keystore_pass", "truststore_pass",
    # a physical access code
    "door_code", "gate_code", "alarm_code", "garage_code", "lockbox_code", "keypad_code",
    # a network's shared key
    "psk", "wifi_psk", "pre_shared_key", "preshared_key", "wpa_key", "wpa_passphrase", "wifi_key",
]  # fmt: skip
PLAIN = [
    "seed", "random_seed", "phrase", "search_phrase", "key_phrase", "factor", "scale_factor", "factor_code",
    "door_number", "gate", "gate_id", "alarm_id", "alarm_time", "card_type", "card_last4", "code", "country_code",
    "status_code", "cid", "cvd_risk", "pw", "pw_policy", "two_factor_enabled", "seed_phrase_length", "door_code_hint",
    "psk_type", "passenger", "password_policy",
]  # fmt: skip


@pytest.mark.parametrize("key", SECRET)
def test_the_key_is_secret(key: str) -> None:
    assert is_secret_key(key)


@pytest.mark.parametrize("key", PLAIN)
def test_other_keys_are_not(key: str) -> None:
    assert not is_secret_key(key)


@pytest.mark.parametrize("key", ["csc", "two_factor_code", "seed_phrase", "user_pw", "door_code", "psk"])
def test_the_value_reaches_no_library_file(key: str, tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    run_two_episodes(db, {"user": "ana", key: "Quokka-Tamarind-4417"})
    assert b"Quokka-Tamarind-4417" not in db_bytes(db)
