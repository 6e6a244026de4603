"""A process refused for running a weaker review mode (or a larger canary share) than the library's
mark is told the command that lowers it, `skillevo review mode ... --reason ...`: the operator who
meets the error is at a shell (`skillevo train` with a stale config). Before 2026-12-07 the one line
named only a private Python function, `skillevo._review_mode.set_review_mode(lib, ...)`."""

from __future__ import annotations

from pathlib import Path

import pytest

from skillevo import SkillLibrary
from skillevo._review_mode import set_review_mode
from skillevo.cli import main


@pytest.mark.parametrize(
    ("mark", "config", "command"),
    [
        ({"mode": "required"}, 'review = "auto"', "skillevo review mode auto --reason"),
        ({"mode": "canary", "canary_share": 0.02}, 'review = "canary"\ncanary_share = 0.5',
         "skillevo review mode canary --canary-share 0.5 --reason"),
    ],
    ids=["weaker-mode", "larger-share"],
)
def test_the_refusal_names_the_command_that_changes_the_mark(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mark: dict[str, object], config: str, command: str
) -> None:
    db = tmp_path / "lib.db"
    with SkillLibrary(db) as lib:
        set_review_mode(lib, mark["mode"], canary_share=mark.get("canary_share"), reason="team rule", actor="ops")
    toml = tmp_path / "skillevo.toml"
    toml.write_text(f'[library]\ndb = "{db}"\n[lifecycle]\n{config}\n[train]\nsettle_s = 0\n'
                    f'report_dir = "{tmp_path / "reports"}"\n')
    assert main(["train", "--config", str(toml), "--quiet"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and command in err
