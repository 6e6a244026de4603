"""A credential's *shape* in skillevo's own error messages (2026-12-06, eleventh attacker's pass).

Every `SkillevoError` masked the URLs of its message (`tests/test_secret_errors.py`), but a token
quoted without a URL around it stayed: a key passed where a mode belongs (`Evolver(lib,
mining=os.environ["OPENAI_API_KEY"]`, a careless swap), a folder or a skill named by a token, a
private key or a card number in a message. The exception carries its message into the
application's logs, tracebacks and error trackers. Before: 6 of 6 attacks below kept the token.
Now every message also hides what the shape rules find (vendor tokens, JWTs, AWS keys, private
keys, card numbers, IBANs), and only those: the key-word rules, which would read ``api_key: Input
should be ...`` as a pair and hide the reason, are left to the CLI, as before.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from skillevo import ConfigError, Evolver, LibraryError, SkillevoError, SkillLibrary, Strategy, Trigger

OPENAI = "sk-proj-Ab3Cd9Ef2Gh7Ij4Kl1Mn8Op5Qr0St6Uv2Wx9"
GITHUB = "ghp_R2l0SHViVG9rZW5UaGF0SXNSZWFsbHlMb25nMQ"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbmEiLCJyb2xlIjoiYWRtaW4ifQ.c2lnbmF0dXJlLXBhcnQtb2YtdGhlLWp3dA"


def _raised(fn: Any) -> SkillevoError:
    with pytest.raises(SkillevoError) as info:
        fn()
    return info.value


def _texts(exc: BaseException) -> str:
    return "\n".join((str(exc), repr(exc), *map(str, exc.args)))


@pytest.mark.parametrize(
    ("make", "secret"),
    [
        pytest.param(
            lambda d: Evolver(SkillLibrary(str(d / "a.db")), mining=OPENAI), OPENAI, id="a-key-as-mining-mode"
        ),
        pytest.param(lambda d: SkillLibrary(str(d / OPENAI / "x.db")), OPENAI, id="a-folder-named-by-a-key"),
        pytest.param(
            lambda d: SkillLibrary(str(d / "b.db")).add_skill(GITHUB, Trigger(tool="x"), Strategy(guidance="g")),
            GITHUB,
            id="a-skill-named-by-a-token",
        ),
        pytest.param(lambda d: (_ for _ in ()).throw(ConfigError(f"bad token {JWT}")), JWT, id="a-jwt"),
        pytest.param(
            lambda d: (_ for _ in ()).throw(LibraryError("cannot read -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkq")),
            "MIIEvQIBADANBgkq",
            id="a-private-key",
        ),
        pytest.param(
            lambda d: (_ for _ in ()).throw(SkillevoError("card 4111 1111 1111 1111 refused")), "4111 1111", id="a-card"
        ),
    ],
)
def test_an_error_does_not_carry_a_credentials_shape(make: Any, secret: str, tmp_path: Path) -> None:
    exc = _raised(lambda: make(tmp_path))
    assert secret not in _texts(exc)
    assert "[REDACTED:" in str(exc)


@pytest.mark.parametrize(
    "message",
    [
        "miner.api_key: Input should be a valid string",
        "skills/credentials: cannot read",
        "password: field required",
        "mining: expected 'background' or 'inline' (got 'sometimes')",
        "cannot create /tmp/lib/x.db: folder /tmp/lib does not exist",
    ],
)
def test_an_error_naming_a_secret_keeps_its_reason(message: str) -> None:
    assert str(ConfigError(message)) == message
