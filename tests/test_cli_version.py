"""`skillevo --version` names the release and the library schema version it reads and writes: what an
operator checks on every host before and after an upgrade (docs/deploy.md, "Upgrading skillevo";
an older release refuses a library with "schema version 6, newer than this skillevo knows (5)").
Before 2026-12-07 it was "error: No such option: --version", exit 2."""

from __future__ import annotations

import pytest

import skillevo
from skillevo._sqlite import MIGRATIONS
from skillevo.cli import main


def test_version_prints_the_release_and_the_schema_it_knows(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    out = capsys.readouterr().out.strip()
    assert out == f"skillevo {skillevo.__version__} (library schema {len(MIGRATIONS)})"


def test_version_needs_no_command_and_no_library(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(str(tmp_path))
    monkeypatch.setenv("SKILLEVO_DB", "postgresql://nobody@127.0.0.1:1/none")
    assert main(["--version"]) == 0 and capsys.readouterr().err == ""
