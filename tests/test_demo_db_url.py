"""`skillevo demo --db` takes a library URL like every other command's --db: the option was a
`Path`, which folded ``postgresql://host/db`` into ``postgresql:/host/db``, and the demo failed with
"cannot create postgresql:/127.0.0.1:5432/...: folder ... does not exist"."""

from __future__ import annotations

from pathlib import Path

import pytest

from skillevo import SkillLibrary
from skillevo.cli import main


def test_the_demo_runs_on_a_postgresql_url(pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "demo"
    assert main(["demo", "--episodes", "10", "--block", "5", "--out", str(out), "--db", pg_url]) == 0
    assert "error" not in capsys.readouterr().err
    with SkillLibrary(pg_url) as lib:
        assert lib.count_episodes() > 0
    assert not any(p.name.startswith("postgresql") for p in tmp_path.rglob("*"))
