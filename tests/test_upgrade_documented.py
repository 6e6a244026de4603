"""Upgrading skillevo was undocumented: nothing in README or docs/ said that the first open by a
newer release migrates a library in place (any command, ``skillevo ls`` included), that an older
release then refuses it, or what to back up first. docs/deploy.md now has "Upgrading skillevo";
these tests hold the behaviour it states: an older library keeps every record through the
migration, and a library from a newer release is one line, exit 1, left byte for byte as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

import skillevo._sqlite as sqlite_backend
from skillevo import SchemaVersionError, SkillLibrary, Strategy, Trigger, VersionStatus
from skillevo.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _old_library(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as m:
        m.setattr(sqlite_backend, "MIGRATIONS", sqlite_backend.MIGRATIONS[:3])
        with SkillLibrary(path) as lib:
            lib.add_skill(
                "iso-dates", Trigger(tool="book"), Strategy(guidance="Use ISO dates."), status=VersionStatus.ACTIVE
            )
            assert lib.schema_version == 3


def test_an_older_library_is_migrated_on_first_open_and_keeps_its_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "old.db"
    _old_library(path, monkeypatch)
    assert main(["ls", "--json", "--db", str(path)]) == 0
    assert "iso-dates" in capsys.readouterr().out
    with SkillLibrary(path) as lib:
        assert lib.schema_version == len(sqlite_backend.MIGRATIONS)
        assert lib.skill("iso-dates").status is VersionStatus.ACTIVE


def test_a_library_from_a_newer_release_is_one_line_and_left_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "new.db"
    SkillLibrary(path).close()
    import sqlite3

    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO schema_version (version) VALUES (999)")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(SchemaVersionError, match="newer than this skillevo knows"):
        SkillLibrary(path)
    assert main(["ls", "--db", str(path)]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "newer than this skillevo knows" in err and "upgrade skillevo" in err
    assert path.read_bytes() == before


def test_deploy_md_tells_an_operator_how_to_upgrade() -> None:
    text = " ".join((ROOT / "docs" / "deploy.md").read_text(encoding="utf-8").split())
    assert "## Upgrading skillevo" in text
    for fact in ("migrates it in place", "newer than this skillevo knows", "SchemaVersionError", "back up"):
        assert fact in text, fact
