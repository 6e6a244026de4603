"""The episode's own secret echoed in a changed spelling: a tool that normalises what it was sent (a
card-style key with its dashes dropped, a passphrase with its spaces removed or a space put between
groups, another case on top) or encodes it (base64, hex, URL-safe base64 of ``user:secret`` at any
offset). The episode knew the value, sent under a secret key, but hid it only as sent, JSON-escaped
or percent-encoded, so each echo reached the library file. Values sent under ordinary keys, and
short words, keep what they are."""

from __future__ import annotations

import base64
import sys
from pathlib import Path
from typing import Any

import pytest

from skillevo._redaction import redact

sys.path.insert(0, str(Path(__file__).parent))  # the shared harness, leak_harness.py
from leak_harness import echo_episodes

KEY = "ABCD-EF12-3456-7890-WXYZ"
PHRASE = "correct horse battery staple"
PW = "Hunter2-Zq9x"


def _run(db: Path, args: dict[str, Any], echo: str) -> bytes:
    return echo_episodes(db, args, echo, raw=True)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


CASES: dict[str, tuple[dict[str, Any], str]] = {
    "dashes dropped": ({"user": "ana", "license_key": KEY}, KEY.replace("-", "")),
    "dashes dropped, lower case": ({"user": "ana", "license_key": KEY}, KEY.replace("-", "").lower()),
    "dashes turned to spaces": ({"user": "ana", "license_key": KEY}, KEY.replace("-", " ")),
    "spaces removed": ({"user": "ana", "passphrase": PHRASE}, PHRASE.replace(" ", "")),
    "spaces inserted": ({"user": "ana", "api_key": "k9f8s7d6f5g4h3j2"}, "k9f8 s7d6 f5g4 h3j2"),
    "dots between characters": ({"user": "ana", "password": PW}, ".".join(PW.replace("-", ""))),
    "base64": ({"user": "ana", "password": PW}, _b64(PW)),
    "base64 of user:secret (HTTP Basic without its word)": ({"user": "ana", "password": PW}, _b64(f"ana:{PW}")),
    "base64 at another offset, URL-safe, no padding": (
        {"user": "ana", "password": PW},
        base64.urlsafe_b64encode(f"xy:{PW}".encode()).decode().rstrip("="),
    ),
    "hex": ({"user": "ana", "password": PW}, PW.encode().hex()),
    "hex, upper case": ({"user": "ana", "password": PW}, PW.encode().hex().upper()),
}


def _variants_of(echo: str) -> list[str]:
    """The echo and the 12-character runs inside it (a partly hidden echo leaves none)."""
    return [echo] + [echo[i : i + 12] for i in range(0, max(1, len(echo) - 11), 4)]


@pytest.mark.parametrize("case", list(CASES))
def test_a_changed_spelling_of_the_episodes_secret_is_not_stored(case: str, tmp_path: Path) -> None:
    args, echo = CASES[case]
    data = _run(tmp_path / "lib.db", args, echo)
    for part in _variants_of(echo):
        assert part.encode() not in data, part
    assert b"no match for" in data


def test_ordinary_values_keep_their_spelling() -> None:
    known: set[str] = set()
    redact({"user": "ana", "license_key": KEY, "order": "W-6067-464"}, known=known)
    text = "order W6067464 for ana shipped; ref ABCD EF12 is a product code, 2024-05-01"
    out = redact(text, known=known)
    assert "W6067464" in out and "2024-05-01" in out and "ana" in out
    # a word of the secret alone is not the secret
    assert redact("ABCD and EF12 are codes", known=known) == "ABCD and EF12 are codes"
