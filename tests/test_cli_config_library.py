"""In a folder with a ``skillevo.toml`` that names the library (``[library].db``), ``skillevo
train``, ``diff`` and ``review`` opened that library while ``ls``, ``show``, ``stats``, ``export``
and ``import`` opened ``./skillevo.db``: the reading commands said "no skill library" next to a
working one, and ``import`` created a new, empty ``./skillevo.db`` and put the skills there, where
no agent or nightly job reads them (5 of 5 library commands ignored the file). Every command now
finds the library the same way: ``--db``, else ``./skillevo.toml``'s ``[library].db``, else
``$SKILLEVO_DB``, else ``./skillevo.db``."""

from __future__ import annotations

from pathlib import Path

import pytest

from skillevo import SkillLibrary
from skillevo.cli import main


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "data").mkdir()
    (tmp_path / "skillevo.toml").write_text('[library]\ndb = "data/prod.db"\n', encoding="utf-8")
    folder = tmp_path / "vendor" / "iso-dates"
    folder.mkdir(parents=True)
    (folder / "SKILL.md").write_text("---\nname: iso-dates\ndescription: Dates.\n---\nSend dates as YYYY-MM-DD.\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SKILLEVO_DB", raising=False)
    return tmp_path


def test_every_library_command_opens_the_library_skillevo_toml_names(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", "vendor"]) == 0
    assert not (project / "skillevo.db").exists()  # no stray library beside the configured one
    with SkillLibrary(project / "data" / "prod.db") as lib:
        assert [s.name for s in lib.skills()] == ["iso-dates"]
    for argv in (["ls"], ["show", "iso-dates"], ["stats"], ["export", "--all", "out"], ["review", "list"]):
        assert main(argv) == 0, argv
    assert (project / "out" / "iso-dates" / "SKILL.md").is_file()
    assert "prod.db" in capsys.readouterr().out


def test_db_still_wins_over_the_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = project / "other.db"
    SkillLibrary(other).close()
    assert main(["ls", "--json", "--db", str(other)]) == 0
    assert "other.db" in capsys.readouterr().out


def test_a_bad_skillevo_toml_is_one_line(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "skillevo.toml").write_text("[library]\ndb = 5\n", encoding="utf-8")
    assert main(["ls"]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "skillevo.toml" in lines[0]
