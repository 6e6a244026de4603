"""What the write-behind queue prints on stderr when records cannot be written (at exit, at SIGTERM)
is redacted like any log record: a store error may quote what it could not write."""

from __future__ import annotations

from pathlib import Path

import pytest

from skillevo import Episode, LibraryError, SkillLibrary, _writebehind

SECRET = "hunter2hunter2Zq9"


def _failing(lib: SkillLibrary, monkeypatch: pytest.MonkeyPatch) -> None:
    lib._behind.linger_s = 3600.0
    lib.record_episode(Episode(id="queued", task="t"))

    def drain(**_: object) -> None:  # (as called: with the exit's deadline)
        raise LibraryError(f"could not write: connect password={SECRET} refused")

    monkeypatch.setattr(lib._behind, "drain", drain)


def test_records_lost_at_exit_are_reported_without_the_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lib = SkillLibrary(tmp_path / "lib.db")
    _failing(lib, monkeypatch)
    _writebehind._drain_all()
    err = capsys.readouterr().err
    assert "queued records were lost at exit" in err and "connect password" in err and SECRET not in err


def test_records_not_written_at_sigterm_are_reported_without_the_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lib = SkillLibrary(tmp_path / "lib.db")
    _failing(lib, monkeypatch)
    lib._behind.write_for_exit(1.0)
    err = capsys.readouterr().err
    assert "1 queued records were lost on SIGTERM" in err and "connect password" in err and SECRET not in err
