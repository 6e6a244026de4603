"""An episode's own secret, echoed by a tool where no rule reads it: the value was sent under a secret
key, so the episode knows it, but the echo did not match the value as sent. Two forms broke: a
secret sent as a JSON number (``{"otp": 48219377}``: only strings were remembered) and a secret the
tool echoed in another case (``"no account for hunter2-..."``: a tool lower-casing its input). Each
is sent, then echoed bare in the error (twice, so mining runs) and in the result; the library file
must not hold it. A number that was not sent under a secret key keeps its value."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from skillevo._redaction import redact

sys.path.insert(0, str(Path(__file__).parent))  # the shared harness, leak_harness.py
from leak_harness import echo_episodes

PASSWORD = "Hunter2-Correct-Staple"


def _run(folder: Path, args: dict[str, Any], echo: str) -> bytes:
    return echo_episodes(folder / "lib.db", args, echo)


CASES: dict[str, tuple[dict[str, Any], str]] = {
    "an OTP sent as a number": ({"user": "ana", "otp": 48219377}, "48219377"),
    "a password sent as a number": ({"user": "ana", "password": 20250917123}, "20250917123"),
    "a PIN as a float": ({"user": "ana", "pin": 9182736.0}, "9182736.0"),
    "a password echoed lower-cased": ({"user": "ana", "password": PASSWORD}, PASSWORD.lower()),
    "a password echoed upper-cased": ({"user": "ana", "password": PASSWORD}, PASSWORD.upper()),
    "an API key echoed lower-cased, in a nested value": (
        {"user": "ana", "auth": {"api_key": "AbCdEf123456GhIjKl"}},
        "abcdef123456ghijkl",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_an_echo_of_the_episodes_own_secret_is_not_stored(case: str, tmp_path: Path) -> None:
    args, echo = CASES[case]
    data = _run(tmp_path, args, echo)
    assert echo.encode() not in data
    assert b"no match for" in data  # the error was stored, without the value


def test_a_number_under_an_ordinary_key_keeps_its_value() -> None:
    known: set[str] = set()
    redacted = redact({"order": 48219377, "otp": 99887766}, known=known)
    assert redacted["order"] == 48219377
    assert redact("order 48219377 shipped, code 99887766", known=known) == (
        "order 48219377 shipped, code [REDACTED:secret]"
    )
    # echoed back as a number under an ordinary key, or alone in a list
    assert redact({"attempted": 99887766, "order": 48219377, "codes": [99887766]}, known=known) == {
        "attempted": "[REDACTED:secret]",
        "order": 48219377,
        "codes": ["[REDACTED:secret]"],
    }
