"""Secrets in the messages of skillevo's own errors (gate3's pass; each broke before the fix).

A user's mistake can put a credential into the value an error quotes: a database URL passed where a
library belongs, a URL with its password typed into the wrong key of ``skillevo.toml``. The CLI
printed such errors masked, but the exception itself carried the password into the application's
logs, tracebacks and error trackers. Every message of skillevo's error types now has its URLs
masked (`mask_urls_in`, what the CLI shows) when the error is made.
"""

from __future__ import annotations

from typing import Any

import pytest

from skillevo import ConfigError, Evolver, LibraryError, SandboxError, SkillevoError, SkillFormatError
from skillevo._config import config_from_dict

PASSWORD = "Hunter2-Correct-Horse"
DSN = f"postgresql://app:{PASSWORD}@db.internal:5432/skills"


def _raised(fn: Any) -> SkillevoError:
    with pytest.raises(SkillevoError) as info:
        fn()
    return info.value


def _clean(exc: BaseException) -> None:
    for text in (str(exc), repr(exc), *map(str, exc.args)):
        assert PASSWORD not in text, text
        assert PASSWORD[:8] not in text, text


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: Evolver(DSN), id="a-dsn-passed-as-the-library"),
        pytest.param(lambda: config_from_dict({"library": {"db": [DSN]}}), id="toml-db-as-a-list"),
        pytest.param(
            lambda: config_from_dict({"miner": {"llm": f"https://u:{PASSWORD}@x.io/v1"}}), id="toml-url-as-llm"
        ),
        pytest.param(lambda: config_from_dict({"library": {"db": {"password": PASSWORD}}}), id="toml-db-as-a-table"),
    ],
)
def test_an_error_quoting_a_credential_does_not_carry_it(make: Any) -> None:
    exc = _raised(make)
    assert isinstance(exc, ConfigError)
    _clean(exc)
    assert "\n" not in str(exc)


@pytest.mark.parametrize("kind", [ConfigError, LibraryError, SandboxError, SkillevoError])
def test_every_error_type_masks_what_it_is_given(kind: type[SkillevoError]) -> None:
    exc = kind(f"cannot use {DSN} nor https://db.internal/x?password={PASSWORD}&sslmode=require")
    _clean(exc)
    assert "postgresql://app:***@db.internal:5432/skills" in str(exc)


def test_a_format_error_masks_its_message_and_keeps_its_fields() -> None:
    exc = SkillFormatError("skills/a/SKILL.md", "description", f"links to https://bot:{PASSWORD}@git.example/x")
    _clean(exc)
    assert (exc.path, exc.field) == ("skills/a/SKILL.md", "description")
    assert str(exc) == "skills/a/SKILL.md: description: links to https://bot:***@git.example/x"


@pytest.mark.parametrize(
    "text",
    [
        "review: must be 'auto', 'canary' or 'required' (got 'sometimes')",
        "config: miner.api_key: Input should be a valid string (got 5)",  # a secret key named as a place
        "skills/credentials: cannot read: Not a directory",
    ],
)
def test_ordinary_messages_are_unchanged(text: str) -> None:
    assert str(ConfigError(text)) == text
    assert ConfigError(text).args == (text,)
