"""A secret written as hex of the text that names it (attack18).

Base64 of a secret (``cGFzc3dvcmQ9...``) is decoded and read by the rules; the same text in hex
(``70617373776f72643d...``, what a tool's debug dump or a hex-encoded header writes) was not: before,
5 of 5 forms kept it (``password=...``, ``api_key: ...``, ``user:pw``, upper-case hex, a JSON object).
A run of hex digits that decodes to printable text is now read like a base64 run; a digest, a git
id, a UUID's digits and hex of ordinary text stay.
"""

from __future__ import annotations

import hashlib
import json

import pytest

from skillevo._redaction import redact_text

SECRET = "Quokka7731plumZ"
FORMS = {
    "a pair": f"password={SECRET}".encode().hex(),
    "a colon pair": f"api_key: {SECRET}".encode().hex(),
    "user and password": f"ana:{SECRET}".encode().hex(),
    "upper case": f"password={SECRET}".encode().hex().upper(),
    "a json object": json.dumps({"token": SECRET}).encode().hex(),
}


@pytest.mark.parametrize("form", list(FORMS))
def test_hex_of_a_named_secret_is_hidden(form: str) -> None:
    shown = redact_text(f"debug dump: {FORMS[form]} (end)")
    assert FORMS[form] not in shown and "[REDACTED" in shown and shown.endswith("(end)"), shown


@pytest.mark.parametrize(
    "value",
    [
        hashlib.sha256(b"x").hexdigest(),
        "0129edd4a1f2b3c4d5e6f708192a3b4c5d6e7f80",
        "9b2c4f1ee0b54d7c8a6f3e2d1c0b9a87",
        b"hello world, the order shipped".hex(),
    ],
)
def test_other_hex_stays(value: str) -> None:
    text = f"debug dump: {value} (end)"
    assert redact_text(text) == text
