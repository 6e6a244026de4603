"""A tool error that states the value(s) a *secret* argument accepts: "Invalid value for 'pin': must be
one of 4821, 9930, 1177", "password should be Summer2024", "otp not in [..]". Guidance no longer lists
them (`test_attack_secret_enum.py`), but the error's raw text was stored in the `tool_error` event, so
the valid PINs, passwords and keys reached the library file (and every export reading it). The rule:
a secret's name (any name the key-word rule knows), a short connecting phrase, then a value or a list
of values, is the secret's value(s), whatever the phrase. The same errors about an ordinary argument
keep their values (a miner reads them)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the shared harness, leak_harness.py
from leak_harness import db_bytes

from skillevo import Evolver, SkillLibrary
from skillevo._redaction import redact_text

LEAKED: dict[str, tuple[str, tuple[str, ...]]] = {
    "must be one of": ("Invalid value for 'pin': must be one of 4821, 9930, 1177.", ("4821", "9930", "1177")),
    "password must be one of": (
        "Invalid value for 'password': must be one of Summer2024, Winter2025.",
        ("Summer2024", "Winter2025"),
    ),
    "api key, double quotes": (
        'Invalid value for "api_key": must be one of key_live_9f8e7d6c, key_test_1a2b3c4d',
        ("key_live_9f8e7d6c", "key_test_1a2b3c4d"),
    ),
    "expected": ("otp mismatch: expected 482913, got 000000", ("482913",)),
    "api key expected": ("api_key expected key_live_9f8e7d6c", ("key_live_9f8e7d6c",)),
    "valid values are": ("pin: valid values are 4821, 9930", ("4821", "9930")),
    "allowed:": ("Invalid pin. Allowed: 4821, 9930 or 1177", ("4821", "9930", "1177")),
    "should be": ("The password should be Summer2024!", ("Summer2024",)),
    "not in [..]": ("otp not in [7731, 5580]", ("7731", "5580")),
    "must be in (..)": ("passcode must be in ('A1B2', 'C3D4')", ("A1B2", "C3D4")),
    "quoted members": ('Invalid "secret_answer": expected one of "fluffy", "rex"', ("fluffy", "rex")),
    "pipe-separated": ("pin must be one of 4821|9930|1177", ("4821", "9930", "1177")),
    "a list after a colon": ("cvv: one of: 123, 456", ("123", "456")),
    "did you mean": ("Unknown access token tok_8f7e6d5c4b; did you mean tok_8f7e6d5c4a?", ("tok_8f7e6d5c4a",)),
    "security answer, words": (
        "Invalid value for 'security_answer': must be one of fluffy, rex.",
        ("fluffy", "rex"),
    ),
    "maiden name": ("mothers_maiden_name must be one of Moreau, Dubois", ("Moreau", "Dubois")),
    "camel case key": ("apiKey: accepted values are key_a1b2c3, key_d4e5f6", ("key_a1b2c3", "key_d4e5f6")),
}
KEPT = [
    "Invalid value for 'unit': must be one of C, F.",
    "Invalid value for 'cabin': expected one of economy, business, first",
    "token_type: must be one of bearer, mac",
    "Invalid unit. Allowed: C, F",
    "status should be active",
    "password: required",
    "password must be at least 8 characters",
    "pin must be 4 digits",
    "password: expected a string, got int",
    "The password should be stronger.",
    "password: should be a valid string",
    "token: must be one of the following formats",
    "Invalid value for 'grant_type' in the token request: must be one of client_credentials, refresh",
]


@pytest.mark.parametrize("case", list(LEAKED))
def test_a_secret_arguments_stated_values_are_hidden(case: str) -> None:
    text, values = LEAKED[case]
    out = redact_text(text)
    for value in values:
        assert value not in out, out


@pytest.mark.parametrize("text", KEPT)
def test_an_ordinary_arguments_values_and_descriptions_are_kept(text: str) -> None:
    assert redact_text(text) == text


def test_the_connecting_phrases_stay_readable() -> None:
    out = redact_text("Invalid value for 'pin': must be one of 4821, 9930, 1177.")
    assert out.startswith("Invalid value for 'pin': must be one of ")
    assert ", got [REDACTED" in redact_text("otp mismatch: expected 482913, got 000000")
    assert redact_text("pin must be one of: 4821; unit must be one of C, F").endswith("; unit must be one of C, F")


@pytest.mark.parametrize(
    "case", ["must be one of", "password must be one of", "quoted members", "security answer, words"]
)
def test_the_values_reach_no_library_file(case: str, tmp_path: Path) -> None:
    text, values = LEAKED[case]
    db = tmp_path / "lib.db"
    with SkillLibrary(str(db)) as lib:
        evo = Evolver(lib, seed=0, mining="inline")
        for _ in range(3):
            with evo.episode(task="unlock the door") as ep:
                sent = ep.before_tool("unlock", {"door": "a", "pin": "0000"})
                ep.on_tool_error("unlock", sent, ValueError(text))
                ep.finish(reward=0.0)
        lib.flush()
        exported = "\n".join(p.read_text() for p in lib.export_skills(tmp_path / "export") if p.is_file())
    data = db_bytes(db)
    for value in values:
        assert value.encode() not in data
        assert value not in exported
