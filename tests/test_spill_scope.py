"""Two PostgreSQL libraries never share a spill journal (`skillevo._spill`).

The world: one database holds two libraries in two schemas, chosen with ``SkillLibrary(url,
schema=...)`` (not in the URL). Before 2026-12-07 the journal folder was keyed by the URL alone, so
both libraries had the same one: the records one process journaled for schema ``a`` and left when
it was killed were replayed by the next process that opened schema ``b``, into ``b`` (1 of 1
journaled episodes written into the other library). Now the key holds the schema: 0 of 1.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest

from skillevo import SkillLibrary


def test_two_schemas_of_one_database_have_their_own_journals(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SKILLEVO_JOURNAL_DIR", str(tmp_path / "state"))
    base, schema = pg_url.rsplit("?schema=", 1)
    other = schema + "_b"
    a = SkillLibrary(base, schema=schema)
    folder = a._behind._journal.folder  # type: ignore[union-attr]
    a.close()
    row = ["only-in-a", "task", None, None, 1.0, 2.0, 1.0, ["[]"], ["{}"]]
    event = [1.5, "tool_call", "only-in-a", "login", None, [json.dumps({"args": {}})]]
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    dead = folder / "1-00000000.jsonl"  # what a process of library `a` left when it was killed
    dead.write_text(json.dumps({"r": {"e": row, "v": [event], "k": uuid.uuid4().hex}}) + "\n")
    os.chmod(dead, 0o600)
    try:
        with SkillLibrary(base, schema=other) as b:
            assert [e.id for e in b.episodes()] == []
    finally:
        import psycopg

        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{other}" CASCADE')
    with SkillLibrary(base, schema=schema) as again:
        assert [e.id for e in again.episodes()] == ["only-in-a"]
