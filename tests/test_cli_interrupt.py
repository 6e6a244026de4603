"""Ctrl-C (SIGINT) in the middle of a command. ``skillevo train`` and ``skillevo demo`` stopped
with exit 130 and not a word on either stream (2 of 2 interrupted runs silent): the user could not
tell whether the library was half-written or what to do next. Now one line on stderr says it was
interrupted; ``train`` names the stage it stopped in and that the finished stages are kept and the
next run resumes (docs/train.md, "Resumable"). The exit status stays 130."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from skillevo import SkillLibrary, _train_stages
from skillevo.cli import main


def _interrupt(*_: Any, **__: Any) -> Any:
    raise KeyboardInterrupt


def test_an_interrupted_train_says_where_it_stopped_and_that_it_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "lib.db"
    SkillLibrary(str(db)).close()
    monkeypatch.setattr(_train_stages, "estimate", _interrupt)
    assert main(["train", "--quiet", "--db", str(db)]) == 130
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith("interrupted:")
    assert "stage estimate" in err and "resumes" in err


def test_an_interrupted_command_says_so_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "lib.db"
    SkillLibrary(str(db)).close()
    monkeypatch.setattr(SkillLibrary, "skills", _interrupt)
    assert main(["ls", "--db", str(db)]) == 130
    err = capsys.readouterr().err.strip()
    assert err.startswith("interrupted") and "\n" not in err
