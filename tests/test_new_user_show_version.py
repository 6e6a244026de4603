"""``skillevo show`` given a version id. ``skillevo review list`` and ``ls``'s *current* column print
version ids (``iso-dates@2``) and say "details: skillevo show SKILL"; a new user who pasted the id
got ``error: no skill named 'iso-dates@2'`` for a skill that exists (1 of 1 pasted ids). The error
now names the skill the version belongs to and the command to run; an id of no version, and a
name of no skill, are still the plain "no skill named" error."""

from __future__ import annotations

from pathlib import Path

import pytest

from skillevo import SkillLibrary, Strategy, Trigger, TriggerKind, VersionStatus
from skillevo.cli import main


def _library(tmp_path: Path) -> Path:
    db = tmp_path / "lib.db"
    with SkillLibrary(str(db)) as lib:
        lib.add_skill("iso-dates", Trigger(kind=TriggerKind.TOOL_ERROR, tool="book"),
                      Strategy(guidance="Write dates as YYYY-MM-DD."), status=VersionStatus.ACTIVE)
    return db


def test_a_version_id_given_to_show_names_its_skill(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = _library(tmp_path)
    assert main(["show", "iso-dates@1", "--db", str(db)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err
    assert "skillevo show iso-dates " in err + " " and "version" in err


@pytest.mark.parametrize("name", ["iso-dates@7", "nosuch@1", "nosuch"])
def test_an_unknown_name_or_version_is_still_no_skill(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _library(tmp_path)
    assert main(["show", name, "--db", str(db)]) == 1
    err = capsys.readouterr().err.strip()
    assert err == f"error: no skill named {name!r}"
