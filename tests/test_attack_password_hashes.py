"""A password hash in the modular crypt format reaches no disk (secrets7's held-out pass, 2026-12-07).

An ``htpasswd`` line, a ``/etc/shadow`` entry, a user row a tool dumps or a framework's error quoting
``password_digest`` hold a salted hash that an offline attack turns back into the password (bcrypt,
APR1-MD5, SHA-crypt, yescrypt, argon2, scrypt, PBKDF2 in passlib's and Django's notation). Before: 7
of 7 forms were stored as sent when no secret-named key stood before them (``admin:<hash>``, a shadow
line, a dumped row). Now the crypt format's ``$id$`` prefix and a salt-and-hash run after it are a
password hash wherever they stand (`_secret_shapes.EXTRA_RULES`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from leak_harness import echo_episodes

from skillevo._redaction import redact_text

HASHES = {
    "htpasswd bcrypt": ("ops:$2y$10$Cq3vE8nWlZ0pA7bR1tK5ueT2xM9hJ4gD6sF0aQ8wL3yN1oP5iU7Ke", "Cq3vE8nWlZ0pA7bR1tK5ue"),
    "htpasswd apr1": ("deploy:$apr1$Zx81mQpa$Hk2Lw9Vb3Nc7Rt5Yq1Ds0/", "Hk2Lw9Vb3Nc7Rt5Yq1Ds0/"),
    "a shadow line": (
        "root:$6$Rw3pLq9x$Yt7Bm2Vn8Kc4Hj1Gf6Ds5Ae0Zq3Wx9Lp2Mn7Bv4Cx8Kj1Hg5Fd3Sa6Qw0Er9Ty2Ui7Op4As1Df8Gh5Jk3L"
        ":19700:0:99999:7:::",
        "Yt7Bm2Vn8Kc4Hj1Gf6Ds5Ae0",
    ),
    "yescrypt": (
        "user ana hash $y$j9T$Fq2Lm8Pw3Zx0Vb$Tr5Yn1Kc7Hd4Gs9Ja2Lq6Wm3Xp8Zv0Bn5Ct1Ek7Rf4 in the dump",
        "Tr5Yn1Kc7Hd4Gs9Ja2Lq6Wm3",
    ),
    "argon2id": (
        "row: {'email_verified': true, 'hash': '$argon2id$v=19$m=65536,t=3,p=4$Qk1zV3h5Wm9yTGE"
        "$Hs4Jd8Lq2Pw6Zx0Cv5Bn9Mk3Ry7Tf1Eg'}",
        "Hs4Jd8Lq2Pw6Zx0Cv5Bn9Mk3",
    ),
    "django pbkdf2": (
        "stored pbkdf2_sha256$600000$Lq8Zp3Vw1Xn6Bm$Tt2Yq9Hd4Kc7Gs0Ja5Lw1Xm8Zp3Vn6Bc2=",
        "Tt2Yq9Hd4Kc7Gs0Ja5Lw1Xm8",
    ),
    "md5-crypt": ("legacy $1$Ab3Cd5Ef$Gh7Ij9Kl1Mn3Op5Qr7St9/ from ldap", "Gh7Ij9Kl1Mn3Op5Qr7St9/"),
}


@pytest.mark.parametrize("name", list(HASHES))
def test_a_password_hash_is_hidden(name: str, tmp_path: Path) -> None:
    text, secret = HASHES[name]
    assert secret not in redact_text(text)
    data = echo_episodes(tmp_path / "lib.db", {"line": text}, text, raw=True)
    assert secret.encode() not in data


@pytest.mark.parametrize(
    "text",
    [
        "total $25.00 and $6.50 tax",
        "echo $1 $2 $HOME",
        "regex ^\\$2[aby]\\$ matches bcrypt",
        "price $5$ per unit",
        "SELECT $1, $2 FROM t WHERE id = $3",
    ],
)
def test_dollar_signs_that_are_no_hash_stay(text: str) -> None:
    assert redact_text(text) == text
