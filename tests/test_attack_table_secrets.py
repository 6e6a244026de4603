"""Secrets in a table a tool returns: a database or spreadsheet tool answers with CSV, TSV or a
Markdown table, where the secret's name is a column header and its value sits lines below, with no
``:`` or ``=`` between them. No rule read a header, so every row's password or key reached the
library file. A column whose header names a secret (the key-word rule) is hidden in every row of
the table, and so is a value column beside a label column naming a secret (``name,value`` rows, as
`named_secret_fields` reads a dict); other columns and other tables keep their values."""

from __future__ import annotations

from pathlib import Path

import pytest

from skillevo import Evolver, SkillLibrary
from skillevo._redaction import redact_text

PW1, PW2 = "Hunter2-Zq9x!", "Tr0ub4dor&3xx"
KEY = "Zq4Lr7Mx2Nb9Vc6Kd1Hf8Jg3"

TABLES = {
    "CSV": (f"id,user,email,password\n1,ana,ana@x.io,{PW1}\n2,bob,bob@x.io,{PW2}\n", [PW1, PW2]),
    "CSV with quoted cells": (f'user,"api_key",note\n"ana","{KEY}","a, b"\n', [KEY]),
    "TSV": (f"user\tpassword\tteam\nana\t{PW1}\tops\nbob\t{PW2}\tdev", [PW1, PW2]),
    "Markdown table": (f"| user | api_key |\n|---|---|\n| ana | {KEY} |\n| bob | {PW2} |", [KEY, PW2]),
    "semicolons, after a title line": (f"Users:\nuser;pwd\nana;{PW1}", [PW1]),
    "name,value rows": (f"name,value\nhost,db.internal\nDB_PASSWORD,{PW1}\n", [PW1]),
}


@pytest.mark.parametrize("form", list(TABLES))
def test_a_secret_column_is_redacted_in_every_row(form: str) -> None:
    table, secrets = TABLES[form]
    out = redact_text(table)
    for secret in secrets:
        assert secret not in out, out
    assert "ana" in out or "db.internal" in out  # the other columns keep their values
    assert out.count("\n") == table.count("\n")


def test_a_table_of_secrets_reaches_no_file(tmp_path: Path) -> None:
    table, secrets = TABLES["CSV"]
    with SkillLibrary(str(tmp_path / "lib.db")) as lib:
        evo = Evolver(lib, seed=0)
        with evo.episode(task="list the users") as ep:
            sent = ep.before_tool("sql_query", {"query": "select * from users"})
            ep.on_tool_result("sql_query", sent, table)
            ep.finish(reward=1.0)
        lib.flush()
        data = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert all(s.encode() not in data for s in secrets)
    # The rest of the table is kept, a customer's e-mail only as its shape (customer values never
    # reach disk: docs/security.md "Customer values").
    assert b"bob@x.io" not in data and b"xxx@x.xx" in data
    assert b"id,user,email,password" in data


@pytest.mark.parametrize(
    "text",
    [
        "id,user,email,role\n1,ana,ana@x.io,admin\n2,bob,bob@x.io,dev",
        "| setting | value |\n|---|---|\n| timeout | 30 |\n| retries | 3 |",
        "name,value\nhost,db.internal\nport,5432",
        "Reset the password, then log in.\nCall support, they will help.",  # prose, not a header
        "user,password_policy\nana,strict",
        "the password field, the email field\nboth are required, see docs",
    ],
)
def test_other_tables_keep_their_values(text: str) -> None:
    assert redact_text(text) == text
