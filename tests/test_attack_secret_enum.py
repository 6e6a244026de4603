"""A tool error that lists the values a *secret* argument accepts ("Invalid value for 'pin': must be
one of 4821, 9930, 1177", a password's or an API key's accepted values): the structured-error rule
listed them in guidance, so every later prompt of every session carried the valid PINs, and the
library file (and so every export) stored them. The schema road already refused to list a secret's
declared values; the error-message road must hold the same line, whatever the values look like:
the argument's name is what makes them secret. Each error is seen in four episodes (mining runs);
no prompt, no stored version and no export (`skillevo export`) may hold a listed value. An ordinary
argument's declared values are still listed (the control)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the shared harness, leak_harness.py
from leak_harness import error_outputs

CASES: dict[str, tuple[dict[str, Any], str, tuple[str, ...]]] = {
    "a PIN's valid values": (
        {"door": "a", "pin": "0000"}, "Invalid value for 'pin': must be one of 4821, 9930, 1177.",
        ("4821", "9930", "1177"),
    ),
    "a password's valid values": (
        {"user": "ana", "password": "guess"},
        "Invalid value for 'password': must be one of Summer2024, Winter2025.", ("Summer2024", "Winter2025"),
    ),
    "an API key's valid values": (
        {"q": "x", "api_key": "abc"},
        "Invalid value for 'api_key': must be one of key_live_9f8e7d6c, key_test_1a2b3c4d.",
        ("key_live_9f8e7d6c", "key_test_1a2b3c4d"),
    ),
    "a secret answer's valid values": (
        {"user": "ana", "secret_answer": "x"},
        "Invalid value for 'secret_answer': must be one of fluffy, rex.", ("fluffy", "rex"),
    ),
    "a list the error attributes to no argument, on a call sending a PIN": (
        {"pin": "0000"}, "Invalid value: must be one of 4821, 9930, 1177.", ("4821", "9930", "1177"),
    ),
    "a list that another argument's value could also be, on a call sending a PIN": (
        {"door": "1234", "pin": "0000"}, "Invalid value: must be one of 4821, 9930, 1177.", ("4821", "9930", "1177"),
    ),
    "a PIN's valid values in the wrong case (a case repair's example)": (
        {"door": "a", "otp": "abcd"}, "Invalid value for 'otp': must be one of ABCD, QRST.", ("ABCD", "QRST"),
    ),
}


def _run(folder: Path, args: dict[str, Any], message: str, correct: dict[str, Any] | None = None) -> tuple[str, str]:
    """(every prompt's guidance, every stored version as JSON) after four episodes seeing `message`."""
    prompts, stored, _ = error_outputs(folder, "unlock", args, message, correct, task="unlock the door")
    return prompts, stored


@pytest.mark.parametrize("case", list(CASES))
def test_a_secret_arguments_listed_values_reach_no_prompt_and_no_export(case: str, tmp_path: Path) -> None:
    args, message, values = CASES[case]
    prompts, stored = _run(tmp_path, args, message)
    for value in values:
        assert value not in prompts
        assert value not in stored


def test_an_agent_correcting_a_password_to_a_listed_value_stores_none_of_the_list(tmp_path: Path) -> None:
    message = "Invalid value for 'password': must be one of Summer2024, Winter2025."
    prompts, stored = _run(tmp_path, {"user": "ana", "password": "guess"}, message,
                           correct={"user": "ana", "password": "Winter2025"})
    for value in ("Summer2024", "Winter2025"):
        assert value not in prompts
        assert value not in stored


def test_an_ordinary_arguments_declared_values_are_still_listed(tmp_path: Path) -> None:
    prompts, _ = _run(tmp_path, {"city": "Oslo", "unit": "kelvin"}, "Invalid value for 'unit': must be one of C, F.")
    assert "`C`, `F`" in prompts


def test_a_list_another_arguments_value_is_a_member_of_is_still_listed_beside_a_token(tmp_path: Path) -> None:
    """The list names no argument, but the call's cabin is one of its members in another case: it
    is the cabin's list, not the token's (a tool taking a token keeps its other arguments' lists)."""
    args = {"cabin": "Economy", "access_token": "tok-8f7e6d5c4b"}
    prompts, _ = _run(tmp_path, args, "Invalid value: must be one of economy, business, first.")
    assert "`economy`" in prompts
