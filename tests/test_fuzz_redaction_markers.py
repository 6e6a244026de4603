"""Redaction is idempotent: a ``[REDACTED:kind]`` marker names no secret, so redacting again (a
migrate, an export, a train's compaction re-scrub what was stored) loses no value beside it."""

from __future__ import annotations

import pytest

from skillevo._hygiene import redact
from skillevo._secret_keys import is_secret_key

SECRET = "sk_live_" + "Q7w2Er5Ty8Ui1Op4As6Df9Gh"


@pytest.mark.parametrize(
    "value",
    [
        {SECRET: 0},  # a secret used as a key: the key becomes a marker, its value is hidden with it
        {"x": [SECRET, -1304]},  # a [name, value]-looking pair whose first item was a secret
        {"rows": [{"name": SECRET, "value": 42}]},  # a label field holding a secret
    ],
)
def test_redacting_twice_changes_nothing(value: object) -> None:
    once = redact(value)
    assert SECRET not in repr(once)
    assert redact(once) == once


def test_a_marker_is_not_a_secret_key_name() -> None:
    assert not is_secret_key("[REDACTED:secret]")
    assert not is_secret_key("[REDACTED:api_key]")
    assert is_secret_key("[REDACTED:secret]_password")  # the words around a marker still count


def test_a_marker_key_is_no_label_of_its_entry() -> None:
    # "[REDACTED:api_key]" ends in "key", a label field's name ({"key": ..., "value": ...}).
    once = redact({"value": 0, SECRET: "password", "password": None})
    assert once["value"] == 0
    assert redact(once) == once
