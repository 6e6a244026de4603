"""A private key's body whose lines were joined by spaces, and an OpenSSH key's body (attack17).

A PEM body pasted into a one-line field, or logged by a tool that joins lines, keeps its 64-character
lines with a space or a tab between them; the DER-body rule hid the first line and read its
continuation only over line breaks, so every later line stayed (2 of 2 joinings). An OpenSSH
private key's body (``b3BlbnNzaC1rZXktdjE...``: ``openssh-key-v1``, what ``ssh-keygen`` writes and
CI secrets hold) is no DER structure, so without its armor all of it stayed (2 of 2 forms).
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from skillevo._redaction import redact_text

serialization = pytest.importorskip("cryptography.hazmat.primitives.serialization")
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa  # noqa: E402

# Fixed keys: a fresh random key's base64 sometimes holds a run another rule rightly reads as a
# secret (a 44-character token after "key"), which made these tests pass or fail by chance.
DATA = Path(__file__).parent / "data"
RSA = serialization.load_pem_private_key((DATA / "test_rsa_1024.pem").read_bytes(), password=None)
assert isinstance(RSA, rsa.RSAPrivateKey)
DER = base64.b64encode(RSA.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption())).decode()
LINES = [DER[i : i + 64] for i in range(0, len(DER), 64)]
SSH_PEM = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32))).private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
).decode()
SSH_LINES = SSH_PEM.strip().splitlines()[1:-1]


def _pieces(lines: list[str]) -> list[str]:
    return [line[8:40] for line in lines if len(line) >= 40]


@pytest.mark.parametrize("sep", [" ", "\t"])
def test_a_key_body_with_its_lines_joined_is_hidden_whole(sep: str) -> None:
    shown = redact_text("deploy failed, key material: " + sep.join(LINES) + " (rejected)")
    assert not [p for p in _pieces(LINES) if p in shown], shown
    assert "deploy failed" in shown and "(rejected)" in shown


@pytest.mark.parametrize("joined", ["\n", ""])
def test_an_openssh_key_body_without_its_armor_is_hidden(joined: str) -> None:
    shown = redact_text("ssh: cannot load key, material was " + joined.join(SSH_LINES))
    assert not [p for p in _pieces(SSH_LINES) if p in shown], shown
    assert "ssh: cannot load key" in shown


def test_base64_words_after_other_base64_stay() -> None:
    public = base64.b64encode(RSA.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).decode()
    text = f"public part {public} then failed twice with status unavailable"
    assert redact_text(text) == text
