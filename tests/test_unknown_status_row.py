"""A version row whose status this skillevo does not know (written by a newer release, or edited by
hand) was left out of ``ls`` / ``stats`` with the reason "a corrupt versions row (id ...):
ValueError", and ``show`` and ``export`` failed with the same words: nothing told the operator which
field was wrong or what it may hold (1 of 1 such rows). The reason now names the field and the
statuses this release knows (still never the stored value, which may be anything)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from skillevo import LibraryError, SkillLibrary, Strategy, Trigger, VersionStatus
from skillevo.cli import main


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "lib.db")
    with SkillLibrary(path) as lib:
        version = lib.add_skill(
            "iso-dates",
            Trigger(tool="book_flight"),
            Strategy(guidance="Send dates as YYYY-MM-DD."),
            status=VersionStatus.ACTIVE,
        ).id
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE versions SET status = 'quarantined' WHERE id = ?", (version,))
    return path


def test_the_reason_names_the_field_and_the_known_statuses(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    with SkillLibrary(db) as lib, pytest.raises(LibraryError) as err:
        lib.skill("iso-dates")
    message = str(err.value)
    assert "status" in message and all(s.value in message for s in VersionStatus)
    assert "quarantined" not in message
    assert main(["show", "iso-dates", "--db", db]) == 1
    line = capsys.readouterr().err.strip()
    assert "\n" not in line and "status" in line and "active" in line
