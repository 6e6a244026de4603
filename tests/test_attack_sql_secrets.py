"""Secrets in SQL text a tool runs or logs: ``INSERT INTO users (name, password) VALUES ('bob',
'...')`` names the secret in its column list and holds its value, by position, in a row of
``VALUES`` lines away, with no ``=`` or ``:`` between them for the pair rule to read (an ``UPDATE
... SET password = '...'`` was hidden, an ``INSERT`` never). A driver's log prints the statement with
``?`` or ``%s`` placeholders and the bound values after it (SQLAlchemy's ``[parameters: (...)]``),
where the column list still names each position. Every row's value under a secret column reached
the library file; the other columns must keep theirs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from skillevo._redaction import redact_text

sys.path.insert(0, str(Path(__file__).parent))  # the shared harness, leak_harness.py
from leak_harness import db_bytes, run_two_episodes

PW1, PW2 = "Tr0ub4dor&3xq", "S3cr3tPa55wd"
KEY = "k9f8s7d6f5g4h3j2"

LEAKED: dict[str, tuple[str, list[str]]] = {
    "insert, one row": (f"INSERT INTO users (name, password) VALUES ('bob', '{PW1}')", [PW1]),
    "insert, several rows": (
        f"insert into users(name,password,team) values ('bob','{PW1}','ops'), ('ana', '{PW2}', 'dev');",
        [PW1, PW2],
    ),
    "insert, quoted identifiers, a number beside": (
        f'INSERT INTO "creds" ("id", "api_key", "note") VALUES (7, \'{KEY}\', \'rotated, twice\')',
        [KEY],
    ),
    "insert over lines, backticks": (
        f"INSERT INTO `users`\n  (`user`, `pwd`)\nVALUES\n  ('bob', \"{PW1}\"),\n  ('ana', \"{PW2}\")",
        [PW1, PW2],
    ),
    "insert, unquoted value": ("INSERT INTO pins (user, pin) VALUES ('bob', 48213377)", ["48213377"]),
    "qmark placeholders, bound values logged": (
        f"INSERT INTO users (name, password) VALUES (?, ?) params=('bob', '{PW1}')",
        [PW1],
    ),
    "SQLAlchemy log line": (
        f"[SQL: INSERT INTO users (name, password) VALUES (%s, %s)]\n[parameters: ('bob', '{PW1}')]",
        [PW1],
    ),
    "named placeholders": (
        f"INSERT INTO users (name, secret) VALUES (:name, :secret) {{'name': 'bob', 'secret': '{PW1}'}}",
        [PW1],
    ),
    "upsert's update clause": (
        f"INSERT INTO t (id, token) VALUES (1, '{KEY}') ON CONFLICT (id) DO UPDATE SET token = '{PW1}'",
        [KEY, PW1],
    ),
    "update with bound values": (
        f"UPDATE users SET password = %s, name = %s WHERE id = %s\n[parameters: ('{PW1}', 'bob', 4)]",
        [PW1],
    ),
    "SQL inside a JSON string (escaped quotes)": (
        f'{{"q": "INSERT INTO users (name, password) VALUES (\\"bob\\", \\"{PW1}\\")"}}',
        [PW1],
    ),
    "executemany rows": (
        f"cur.executemany(\"INSERT INTO users (name, api_key) VALUES (%s, %s)\", [('bob', '{PW1}'), ('ana', '{PW2}')])",
        [PW1, PW2],
    ),
    "a function of the secret": (f"UPDATE users SET password = crypt('{PW1}', gen_salt('bf')) WHERE id = 1", [PW1]),
    "mysql's drawn result table": (
        "+------+---------------+\n| name | password      |\n+------+---------------+\n"
        f"| bob  | {PW1} |\n+------+---------------+",
        [PW1],
    ),
    "update, several columns": (f"UPDATE users SET name = 'bob', api_key = '{KEY}' WHERE id = 4", [KEY]),
}

KEPT = {
    "insert of nothing secret": "INSERT INTO orders (id, customer, total) VALUES (17, 'ana', 129.99)",
    "a secret's count or date": (
        "INSERT INTO stats (user, password_changed_at, api_key_count) VALUES ('bob', '2024-05-01', 3)"
    ),
    "a column named like a secret, the value a placeholder": "INSERT INTO users (name, password) VALUES (?, ?)",
    "a select": "SELECT name, password_policy FROM users WHERE name = 'bob'",
}


@pytest.mark.parametrize("form", list(LEAKED))
def test_a_secret_column_value_is_hidden(form: str) -> None:
    sql, secrets = LEAKED[form]
    out = redact_text(sql)
    for secret in secrets:
        assert secret not in out, out
    assert any(word in out for word in ("bob", "users", "creds", "pins", "CONFLICT"))  # the rest stays


@pytest.mark.parametrize("form", list(KEPT))
def test_sql_of_nothing_secret_is_unchanged(form: str) -> None:
    assert redact_text(KEPT[form]) == KEPT[form]


def test_sql_secrets_reach_no_library_file(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    sql = LEAKED["insert, several rows"][0] + "\n" + LEAKED["SQLAlchemy log line"][0]
    run_two_episodes(db, {"query": sql, "database": "shop"})
    data = db_bytes(db)
    for secret in (PW1, PW2):
        assert secret.encode() not in data
    assert b"INSERT" in data and b"shop" in data
