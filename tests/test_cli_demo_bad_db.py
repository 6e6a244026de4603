"""``skillevo demo`` with a ``--db`` it cannot use (a URL scheme it does not know, a library that
already holds skills) said so in one line, and left the ``--out`` folder it had just created behind,
empty (2 of 2 refused runs left a folder). A refused run now removes the folder it created, and
only that: a folder that was there before is left as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from skillevo import SkillLibrary, Strategy, Trigger, TriggerKind, VersionStatus
from skillevo.cli import main


def _full_library(tmp_path: Path) -> str:
    db = tmp_path / "full.db"
    with SkillLibrary(str(db)) as lib:
        lib.add_skill("iso-dates", Trigger(kind=TriggerKind.TOOL_ERROR, tool="book"),
                      Strategy(guidance="Write dates as YYYY-MM-DD."), status=VersionStatus.ACTIVE)
    return str(db)


@pytest.mark.parametrize("which", ["unknown scheme", "library with skills"])
def test_a_refused_db_leaves_no_output_folder(which: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = "mysql://localhost/x" if which == "unknown scheme" else _full_library(tmp_path)
    out = tmp_path / "demo-out"
    assert main(["demo", "--episodes", "10", "--db", db, "--out", str(out)]) == 1
    assert capsys.readouterr().err.startswith("error: ")
    assert not out.exists()


def test_a_folder_that_was_there_is_kept(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    assert main(["demo", "--episodes", "10", "--db", "mysql://localhost/x", "--out", str(out)]) == 1
    assert out.is_dir()
