"""Secrets split across a structure's items (2026-12-06, eleventh attacker's pass).

A secret's name in one list item and its value in the next (a command's argument vector
``["mysql", "--password", <pw>]``, a flat header or field list ``["X-Api-Key", <key>, ...]``), or in
parallel lists (a query tool's ``{"columns": [..., "password"], "rows": [[..., <pw>]]}``), was
read by no rule: each item alone names nothing or holds nothing a shape rule knows, so the value
reached the library file. Before: 8 of 8 attacks below were in the file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from skillevo._redaction import redact

sys.path.insert(0, str(Path(__file__).parent))
from leak_harness import db_bytes, run_two_episodes

PW = "Hq7-argv-Secret-55"

ATTACKS: dict[str, Any] = {
    "an option and its value as argv items": {"argv": ["mysql", "-u", "root", "--password", PW, "shop"]},
    "a short password option as argv items": {"argv": ["mysql", "-u", "root", "-p", PW]},
    "a header name and its value as items": {"cmd": ["curl", "-H", "X-Api-Key", PW, "https://api.example.com"]},
    "an option in a longer argument list": {"args": ["--api-key", PW, "--verbose"]},
    "a flat key/value list": {"hset": ["user:7", "password", PW, "name", "ana"]},
    "columns and rows": {"columns": ["id", "email", "password"], "rows": [[1, "a@example.com", PW], [2, "b", "x"]]},
    "names and values in parallel": {"names": ["user", "password"], "values": ["ana", PW]},
    "fields and a record": {"fields": ["user", "api_key"], "record": ["ana", PW]},
}


@pytest.mark.parametrize("name", list(ATTACKS))
def test_a_secret_split_across_items_is_hidden(name: str) -> None:
    once = redact(ATTACKS[name])
    assert PW not in json.dumps(once), once
    assert redact(once) == once


@pytest.mark.parametrize("name", list(ATTACKS))
def test_a_secret_split_across_items_reaches_no_file(name: str, tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    run_two_episodes(db, {"account": "A-1", **ATTACKS[name]})
    assert PW.encode() not in db_bytes(db)


@pytest.mark.parametrize(
    "value",
    [
        {"argv": ["mkdir", "-p", "build/out"]},
        {"argv": ["ssh", "-p", "2222", "host"]},
        {"argv": ["docker", "run", "-p", "8080:80", "nginx"]},
        {"argv": ["git", "commit", "-m", "rotate the password policy"]},
        {"tags": ["password-reset", "urgent", "token", "billing"]},
        {"columns": ["id", "password_policy", "token_count"], "rows": [[1, "strict", 3]]},
        {"columns": ["id", "name"], "rows": [[1, "ana"], [2, "bob"]]},
        {"item_ids": ["1008292230", "1008292231"], "names": ["lamp", "desk"]},
    ],
)
def test_lists_naming_no_secret_keep_their_items(value: dict[str, Any]) -> None:
    assert redact(value) == value


# ------------------------------------------------------------------------------- what a code skill is handed

SEALED = {
    "an option and its value as argv items": ({"argv": ["mysql", "--password", PW]}, PW),
    "a header name and its value as items": ({"cmd": ["curl", "-H", "X-Api-Key", PW]}, PW),
    "columns and rows": ({"columns": ["user", "password"], "rows": [["ana", PW]]}, PW),
    "a redaction mark keying a password": ({"extra": {"[REDACTED:password]": PW}}, PW),
    "a form-encoded nested key": ({"body": f"user[email]=ana&user[password]={PW}"}, PW),
}


@pytest.mark.parametrize("name", list(SEALED))
def test_a_code_skill_is_never_handed_a_secret_the_redaction_hides(name: str) -> None:
    """A code skill could hand back what it is shown reversed, where no rule knows it: every value
    `redact` hides is sealed from it (and put back in what it returns)."""
    from skillevo._code_seal import run_sealed

    args, secret = SEALED[name]
    seen: list[str] = []

    def skill(code: str, tool: str, sealed: dict[str, Any], error: str) -> dict[str, Any]:
        seen.append(json.dumps(sealed))
        return sealed

    assert run_sealed(skill, "", "t", {"n": 1, **args}, "") == {"n": 1, **args}
    assert secret not in seen[0] and secret[::-1] not in seen[0]
