"""A user and a password written as a ``user / password`` pair after a login's name, or handed over
with "use ... to get in", reach no disk (secrets7's held-out pass, 2026-12-07).

Before: "my login: <user> / <password>", "sign-in is <user> / <password>", "credentials: <user> / <pw>"
and "use <user> / <password> to get in" were stored as sent: the pair rule reads ``user:password``
only, the user-pair rule needs a "pass" word between the two, and a login verb's object is read only
right after the verb. The slash alone proves nothing ("input / output", "read / write"): the pair is
read only after a login's name or before a login verb, and its second half only when it reads as a
credential (`_judged`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from leak_harness import echo_episodes

from skillevo._redaction import redact_text

PAIRS = {
    "my login": ("my login: tvaldez / Hq4$nLw82x", "Hq4$nLw82x"),
    "a sign-in is": ("the sign-in is deploy / Ocelot-5519", "Ocelot-5519"),
    "credentials": ("credentials: svc_report / pX7!vbQ2", "pX7!vbQ2"),
    "creds with no space": ("creds = backup/Rm93kd!aa", "Rm93kd!aa"),
    "use ... to get in": ("use root / Juniper88# to get in", "Juniper88#"),
    "use ... to log in": ("try guest / Kestrel2031 to log in", "Kestrel2031"),
}


@pytest.mark.parametrize("name", list(PAIRS))
def test_a_login_pair_is_hidden(name: str, tmp_path: Path) -> None:
    text, secret = PAIRS[name]
    assert secret not in redact_text(text)
    data = echo_episodes(tmp_path / "lib.db", {"note": text}, text, raw=True)
    assert secret.encode() not in data


@pytest.mark.parametrize(
    "text",
    [
        "login: read / write access granted",
        "my login page shows input / output errors",
        "use 2024 / 2025 to compare",
        "credentials are rotated by cron / systemd timers",
        "use tcp / udp to get in through the firewall",
        "login: ana / required",
    ],
)
def test_slashes_that_are_no_login_pair_stay(text: str) -> None:
    assert redact_text(text) == text
