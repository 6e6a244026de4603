"""``skillevo diff OLD_DB`` reads the older library without changing it.

Opening a SQLite library migrates it in place. ``OLD_DB`` is a snapshot (a backup, a copy kept for
audit): on main ``skillevo diff old.db`` upgraded a snapshot of an older schema to this skillevo's
(its bytes rewritten, schema 4 -> 6), so the release that wrote it could no longer open its own
backup, and made a library of an empty file named by mistake. Now an older snapshot is read from a
migrated private copy, and a file with no skillevo tables is one line of error; both files are left
byte for byte.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

import skillevo._sqlite as sqlite_backend
from skillevo import SkillLibrary, Strategy, Trigger, TriggerKind, VersionStatus
from skillevo.cli import main


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_an_older_snapshot_is_compared_and_left_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = tmp_path / "yesterday.db", tmp_path / "live.db"
    with monkeypatch.context() as m:  # a library written by a release four migrations in
        m.setattr(sqlite_backend, "MIGRATIONS", sqlite_backend.MIGRATIONS[:4])
        SkillLibrary(old).close()
    with SkillLibrary(new) as lib:
        lib.add_skill("fix-date", Trigger(kind=TriggerKind.TOOL_ERROR, tool="book"),
                      Strategy(guidance="Send dates as YYYY-MM-DD."), status=VersionStatus.ACTIVE)
    before = _digest(old)
    assert main(["diff", str(old), "--db", str(new), "--json"]) == 0
    out = capsys.readouterr().out
    assert "fix-date@1" in out  # the comparison was made
    assert _digest(old) == before  # ... and the snapshot not migrated
    assert not Path(f"{old}-wal").exists() or Path(f"{old}-wal").stat().st_size == 0


def test_a_file_that_is_no_library_is_refused_and_left_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    new, empty = tmp_path / "live.db", tmp_path / "typo.db"
    SkillLibrary(new).close()
    empty.touch()
    assert main(["diff", str(empty), "--db", str(new)]) == 1
    err = capsys.readouterr().err
    assert "not a skill library" in err and len(err.strip().splitlines()) == 1
    assert empty.stat().st_size == 0
