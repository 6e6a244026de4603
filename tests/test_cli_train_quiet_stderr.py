"""`skillevo train` run by cron or a systemd unit (stderr not a terminal) writes nothing to stderr when
it succeeds, `--quiet` or not, and an error is exactly one line there. Before 2026-12-07 the progress
display, transient on a terminal, left a blank line on a log or pipe: cron mails whatever a job
writes to stderr, so every good night sent a mail, and an error came as two lines."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from skillevo import SkillLibrary
from skillevo.cli import main

from .train_world import write_config


def test_a_good_run_writes_nothing_to_stderr_and_an_error_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "lib.db"
    SkillLibrary(db).close()
    config = write_config(tmp_path / "skillevo.toml", db)
    assert main(["train", "--config", str(config)]) == 0
    assert capsys.readouterr().err == ""
    with sqlite3.connect(db) as conn:  # a library a newer release wrote: refused in the run
        conn.execute("INSERT INTO schema_version (version) VALUES (999)")
    assert main(["train", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
