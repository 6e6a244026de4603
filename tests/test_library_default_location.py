"""`SkillLibrary()` with no location opens the library the command line acts on: ``./skillevo.toml``'s
``[library].db`` when the file is there, else ``$SKILLEVO_DB``, else ``./skillevo.db``. Before
2026-12-07 it opened ``./skillevo.db`` whatever the file or the variable said (the variable chose
only the backend: a PostgreSQL URL there raised ``TypeError``), so an agent wrote one library and
``skillevo ls`` read another."""

from __future__ import annotations

from pathlib import Path

import pytest

from skillevo import LibraryError, SkillLibrary
from skillevo.cli import main


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SKILLEVO_DB", raising=False)
    return tmp_path


def _add_skill(lib: SkillLibrary, folder: Path) -> None:
    skill = folder / "vendor" / "iso-dates"
    skill.mkdir(parents=True)
    (skill / "SKILL.md").write_text("---\nname: iso-dates\ndescription: Dates.\n---\nSend dates as YYYY-MM-DD.\n")
    lib.import_skills(folder / "vendor")


def test_no_location_reads_skillevo_db_from_the_environment(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SKILLEVO_DB", str(folder / "env.db"))
    with SkillLibrary() as lib:
        assert Path(lib.location) == folder / "env.db"
    assert not (folder / "skillevo.db").exists()


def test_no_location_opens_the_library_skillevo_toml_names(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder / "data").mkdir()
    (folder / "skillevo.toml").write_text('[library]\ndb = "data/prod.db"\n', encoding="utf-8")
    monkeypatch.setenv("SKILLEVO_DB", str(folder / "env.db"))  # the file comes first, as for the CLI
    with SkillLibrary() as lib:
        assert Path(lib.location) == folder / "data" / "prod.db"
        _add_skill(lib, folder)
    assert not (folder / "skillevo.db").exists() and not (folder / "env.db").exists()
    assert main(["ls", "--json"]) == 0
    assert "iso-dates" in capsys.readouterr().out  # the CLI lists what the agent's library holds


def test_a_location_given_wins(folder: Path) -> None:
    (folder / "skillevo.toml").write_text('[library]\ndb = "prod.db"\n', encoding="utf-8")
    with SkillLibrary(folder / "mine.db") as lib:
        assert Path(lib.location) == folder / "mine.db"
    assert not (folder / "prod.db").exists()


def test_a_postgresql_url_in_the_environment_is_opened(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Port 1: nothing listens there. The library tries that URL (a LibraryError saying so), not a TypeError.
    monkeypatch.setenv("SKILLEVO_DB", "postgresql://127.0.0.1:1/nowhere")
    with pytest.raises(LibraryError):
        SkillLibrary(timeout=1)
