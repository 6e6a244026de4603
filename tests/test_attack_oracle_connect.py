"""An Oracle connect string's password (2026-12-07, attack16's pass): ``user/password@database``
has no scheme and no key word, so the URL and pair rules missed it (3 of 3 forms kept it)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from skillevo._redaction import redact_text

sys.path.insert(0, str(Path(__file__).parent))
from leak_harness import echo_episodes

PW = "Zq8vLw3Kp0Xy"

FORMS = [
    f"jdbc:oracle:thin:scott/{PW}@db:1521/ORCL",
    f"sqlplus scott/{PW}@//db.example.com:1521/ORCL",
    f"ORA-01017: invalid username/password; logon denied (connecting as app_rw/{PW}@PRODDB)",
    f"expdp system/{PW}@ORCL directory=dump",
]


@pytest.mark.parametrize("text", FORMS)
def test_an_oracle_connect_strings_password_is_hidden(text: str) -> None:
    shown = redact_text(text)
    assert PW not in shown, shown
    assert redact_text(shown) == shown


def test_an_oracle_connect_string_in_a_tools_error_reaches_no_file(tmp_path: Path) -> None:
    data = echo_episodes(tmp_path / "lib.db", {"user": "ana"}, f"sqlplus app_rw/{PW}@//db:1521/ORCL")
    assert PW.encode() not in data and b"sign_in" in data


@pytest.mark.parametrize(
    "text",
    [
        "npm i @scope/pkg@1.0 (oracle driver)",
        "docker pull org/app_v2beta3@sha256:abc (oracle image)",
        "sqlplus / as sysdba",
        "sqlplus scott@ORCL",
        "see https://docs.oracle.com/a/b@c",
        "deploy org/app@v1.2 to staging",  # no Oracle named: the shape alone is read as nothing
    ],
)
def test_look_alikes_stay(text: str) -> None:
    assert redact_text(text) == text
