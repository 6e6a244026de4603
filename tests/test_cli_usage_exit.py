"""Usage mistakes the CLI checks itself exited 1, as a bad value does, where the README promises 2
for usage (and typer's own usage errors, a missing argument or an unknown option, give 2): ``export
grpo`` without OUT, ``export DIR EXTRA`` and ``diff`` given both OLD_DB and ``--since`` (3 of 3
exited 1). A script telling "fix the command line" from "fix the input" now can; each is still one
line on stderr that names the command's --help."""

from __future__ import annotations

from pathlib import Path

import pytest

from skillevo import SkillLibrary
from skillevo.cli import main


@pytest.mark.parametrize(
    "argv",
    [["export", "grpo"], ["export", "out", "extra"], ["diff", "OLD", "--since", "1d"]],
    ids=["grpo-without-out", "extra-argument", "diff-two-baselines"],
)
def test_a_usage_mistake_exits_2_with_one_line(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "lib.db"
    SkillLibrary(str(db)).close()
    argv = [str(db) if a == "OLD" else a for a in argv]
    assert main([*argv, "--db", str(db)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and "--help" in err
