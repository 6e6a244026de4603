"""Attack: bound values of a secret column that the SQL rule did not find.

ORMs and drivers log the bound values as a JSON or Python *list* (TypeORM ``-- PARAMETERS:
["...", 3]``, Prisma and node-postgres ``Params: [...]``), not only as a tuple; and PostgreSQL's
``$N`` placeholder names its parameter by number (``SET name = $2, password = $1``), not by its
place in the statement. The password reached the stored event in both; the other values stay.
"""

from __future__ import annotations

import pytest

from skillevo._redaction import redact_text

PW = "Tr0ub4dor&3xq"


@pytest.mark.parametrize(
    "text",
    [
        f'query failed: UPDATE "users" SET "password" = $1 WHERE "id" = $2 -- PARAMETERS: ["{PW}",3]',
        f"UPDATE users SET password = ? WHERE id = ? params: ['{PW}', 3]",
        f'INSERT INTO "users"("name", "password") VALUES ($1, $2) -- PARAMETERS: ["ana","{PW}"]',
        f"UPDATE users SET name = $2, password = $1 WHERE id = $3 params=('{PW}', 'ana', 3)",
        f"INSERT INTO users (password, name) VALUES ($2, $1) params=('ana', '{PW}')",
    ],
)
def test_a_bound_secret_is_hidden(text: str) -> None:
    out = redact_text(text)
    assert PW not in out
    assert "ana" in out or "ana" not in text


def test_the_other_bound_values_stay() -> None:
    out = redact_text(f"UPDATE users SET name = $2, password = $1 WHERE id = $3 params=('{PW}', 'ana', 3)")
    assert "'ana'" in out and "3)" in out
    out = redact_text('UPDATE "users" SET "note" = $1 WHERE "id" = $2 -- PARAMETERS: ["hello there",3]')
    assert "hello there" in out
