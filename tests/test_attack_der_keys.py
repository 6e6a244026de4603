"""A private key's body without its armor (2026-12-07, attack16's pass): base64 of a DER key names
nothing and has no armor for the private-key rules, so its lines stayed (7 of 7 lines of a key in
each of 4 forms: a field holding the body, the body pasted without its header lines, the body in
another value than its armor, the body on one line). Now a base64 run whose decoded head is a
private key's structure is hidden with its continuation lines; a certificate, a public key and
other base64 data stay."""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import pytest

from skillevo._redaction import redact, redact_text

sys.path.insert(0, str(Path(__file__).parent))
from leak_harness import db_bytes, run_two_episodes

serialization = pytest.importorskip("cryptography.hazmat.primitives.serialization")
from cryptography.hazmat.primitives.asymmetric import ec, rsa  # noqa: E402


def _der(key: object, fmt: object) -> str:
    der = key.private_bytes(serialization.Encoding.DER, fmt, serialization.NoEncryption())  # type: ignore[attr-defined]
    return base64.b64encode(der).decode()


# Fixed keys, so that which base64 runs a key's body holds does not change from run to run.
DATA = Path(__file__).parent / "data"
RSA = serialization.load_pem_private_key((DATA / "test_rsa_1024.pem").read_bytes(), password=None)
EC = serialization.load_pem_private_key((DATA / "test_ec_p256.pem").read_bytes(), password=None)
assert isinstance(RSA, rsa.RSAPrivateKey) and isinstance(EC, ec.EllipticCurvePrivateKey)
BODIES = {
    "PKCS#8 RSA": _der(RSA, serialization.PrivateFormat.PKCS8),
    "PKCS#1 RSA": _der(RSA, serialization.PrivateFormat.TraditionalOpenSSL),
    "SEC1 EC": _der(EC, serialization.PrivateFormat.TraditionalOpenSSL),
    "PKCS#8 EC": _der(EC, serialization.PrivateFormat.PKCS8),
}


def _lines(body: str) -> list[str]:
    return [body[i : i + 64] for i in range(0, len(body), 64)]


def _pieces(body: str) -> list[str]:
    return [line[8:40] for line in _lines(body) if len(line) >= 40]


@pytest.mark.parametrize("name", list(BODIES))
def test_a_private_keys_body_without_armor_is_hidden(name: str) -> None:
    body = BODIES[name]
    forms = [
        {"material": body},
        {"material": "\n".join(_lines(body))},
        {"note": "key material:\n" + "\n".join(_lines(body)) + "\nrotate it"},
        {"a": "-----BEGIN PRIVATE KEY-----", "b": "\n".join(_lines(body)), "c": "-----END PRIVATE KEY-----"},
        {"msg": "upload failed for " + body},
    ]
    for form in forms:
        for shown in (json.dumps(redact(form)), redact_text(json.dumps(form))):
            assert not [p for p in _pieces(body) if p in shown], shown


def test_a_keys_body_reaches_no_file(tmp_path: Path) -> None:
    body = BODIES["PKCS#8 RSA"]
    run_two_episodes(tmp_path / "lib.db", {"account": "A-1", "material": "\n".join(_lines(body))})
    data = db_bytes(tmp_path / "lib.db")
    assert not [p for p in _pieces(body) if p.encode() in data]


def test_public_keys_and_other_base64_stay() -> None:
    public = RSA.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    texts = [
        "pub " + base64.b64encode(public).decode(),
        "img " + base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(range(256))).decode(),
        "zip " + base64.b64encode(b"PK\x03\x04" + bytes(range(200))).decode(),
    ]
    for text in texts:
        assert redact_text(text) == text
