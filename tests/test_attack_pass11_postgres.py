"""The eleventh pass's leak forms through a PostgreSQL library: no planted value in any row.

The store boundary scrubs every backend's writes alike; this reads back every row of every table
of the library's schema as text (``row_to_json``) after episodes that send, echo and fail on each
form: a secret in a dict key, a redaction mark keying a password, a long label, a private key under
another armor label, an XML setting, qualified prose, argv and parallel lists.
"""

from __future__ import annotations

import json
import urllib.parse

import pytest

from skillevo import Evolver, SkillLibrary

PW = "Pg11-Planted-Pw-6604"
BODY = "MIIFHzBJBgkqhkiG9w0BBQ0wPDAbBgkqhkiG9w0BBQwwDgQIb3ZlcnJpZGU"
ARGS = {
    "account": "A-1",
    "extra": {"password=" + PW: "x", "[REDACTED:password]": PW},
    "env": "svc_" * 25 + "db_password=" + PW,
    "key": f"-----BEGIN ENCRYPTED PRIVATE KEY-----\n{BODY}\n-----END ENCRYPTED PRIVATE KEY-----",
    "config": f'<entry key="db.password">{PW}</entry>',
    "note": f"the password for ana is {PW}",
    "argv": ["mysql", "--password", PW],
    "table": {"columns": ["user", "password"], "rows": [["ana", PW]]},
}


@pytest.mark.postgres
def test_no_planted_value_reaches_a_postgres_row(pg_url: str) -> None:
    import psycopg

    with SkillLibrary(pg_url) as lib:
        evo = Evolver(lib, seed=0)
        for _ in range(2):
            with evo.episode(task="sync the accounts") as ep:
                sent = ep.before_tool("sync", ARGS)
                ep.on_tool_error("sync", sent, ValueError(f"rejected: {json.dumps(ARGS)}"))
                ep.on_tool_result("sync", sent, {"echo": ARGS})
                ep.finish(reward=1.0)
        lib.flush()
    schema = urllib.parse.parse_qs(urllib.parse.urlparse(pg_url).query)["schema"][0]
    rows: list[str] = []
    with psycopg.connect(pg_url.split("?")[0]) as conn:
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,)
        ).fetchall()
        for (table,) in tables:
            query = f'SELECT row_to_json(t)::text FROM "{schema}"."{table}" t'
            rows.extend(r[0] for r in conn.execute(query).fetchall())  # type: ignore[arg-type]
    text = "\n".join(rows)
    assert "A-1" in text  # the episodes were stored
    assert PW not in text and BODY[:24] not in text
