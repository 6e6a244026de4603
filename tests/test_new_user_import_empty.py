"""A folder that holds no skill is not an import that found "nothing new". A new user pointing
``skillevo import`` at the wrong folder (an empty one, the parent of an unzipped download, a folder
of loose files) got ``imported 0 version(s): nothing new``, exit 0, and, with a ``--db`` that did
not exist yet, a new empty library file left behind (2 of 2 such folders, each with a new 118 KB
library). A folder with no ``SKILL.md`` in it or in any subfolder is now a one-line
``SkillFormatError`` (exit 1) that names it, read before any library is opened, so nothing is
created; the Python API says the same."""

from __future__ import annotations

from pathlib import Path

import pytest

from skillevo import SkillFormatError, SkillLibrary
from skillevo.cli import main


def _no_skill_folder(tmp_path: Path, kind: str) -> Path:
    folder = tmp_path / "download"
    folder.mkdir()
    if kind == "loose files":
        (folder / "README.txt").write_text("unzip me\n", encoding="utf-8")
        (folder / "notes.md").write_text("# notes\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize("kind", ["empty", "loose files"])
def test_importing_a_folder_without_skills_says_so_and_creates_no_library(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _no_skill_folder(tmp_path, kind)
    db = tmp_path / "new.db"
    assert main(["import", str(folder), "--db", str(db)]) == 1
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert err.startswith("error: ") and "\n" not in err
    assert "SKILL.md" in err and str(folder) in " ".join(err.split())
    assert "imported" not in captured.out
    assert not db.exists()


def test_the_python_api_raises_the_same_error(tmp_path: Path) -> None:
    folder = _no_skill_folder(tmp_path, "loose files")
    lib = SkillLibrary(":memory:")
    with pytest.raises(SkillFormatError, match=r"no SKILL\.md"):
        lib.import_skills(folder)
    assert lib.skills() == []
