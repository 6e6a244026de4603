"""The one line for a missing library names the config key as the config file spells it, `[library] db`:
"library.db in skillevo.toml" read as a file named library.db (before 2026-12-07)."""

from __future__ import annotations

from pathlib import Path

import pytest

from skillevo.cli import main


def test_the_hint_names_the_config_key_not_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SKILLEVO_DB", raising=False)
    assert main(["ls"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: no skill library at skillevo.db") and "[library] db in skillevo.toml" in err
    assert "library.db" not in err
