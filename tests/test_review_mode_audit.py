"""Changing a library's review mark is a person's decision: it is in the library's own audit trail
and an operator can make it from the command line.

On main `set_review_mode` changed the mark with a line in the process's Python log only: nothing in
the library's event log (the audit trail `skillevo diff` and every host read) said who lowered a
library from ``required`` to ``auto``, when, or why (0 of 1 changes recorded), and the command line
had no way to read or change the mark (``skillevo review mode``: a usage error).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from skillevo import EventKind, SkillLibrary
from skillevo._review_mode import CANARY_SHARE_KEY, REVIEW_MODE_KEY, set_review_mode
from skillevo.cli import main


def _mode_events(lib: SkillLibrary) -> list[dict[str, object]]:
    return [e.data for e in lib.events(kind=EventKind.REVIEW) if e.data.get("what") == "review_mode"]


def test_a_change_of_the_mark_is_an_event_with_who_and_why(tmp_path: Path) -> None:
    with SkillLibrary(tmp_path / "lib.db") as lib:
        set_review_mode(lib, "required", reason="audit season", actor="alice")
        set_review_mode(lib, "auto", reason="audit done", actor="bob")
        events = _mode_events(lib)
    assert [(e["previous"], e["mode"], e["actor"], e["reason"]) for e in events] == [
        ("auto", "required", "alice", "audit season"),
        ("required", "auto", "bob", "audit done"),
    ]


def test_the_cli_reads_and_changes_the_mark(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "lib.db")
    SkillLibrary(db).close()
    assert main(["review", "mode", "--db", db]) == 0
    assert "auto" in capsys.readouterr().out
    assert main(["review", "mode", "canary", "--canary-share", "0.02", "--reason", "trial", "--actor", "carol",
                 "--db", db]) == 0
    capsys.readouterr()
    with SkillLibrary(db) as lib:
        assert lib.get_meta(REVIEW_MODE_KEY) == "canary"
        assert float(lib.get_meta(CANARY_SHARE_KEY) or "nan") == 0.02
        assert [e["actor"] for e in _mode_events(lib)] == ["carol"]
    assert main(["review", "mode", "--json", "--db", db]) == 0
    assert '"canary_share": 0.02' in capsys.readouterr().out


@pytest.mark.parametrize(
    "args",
    [["auto"], ["auto", "--reason", "  "], ["sometimes", "--reason", "x"], ["canary", "--canary-share", "2",
                                                                            "--reason", "x"]],
)
def test_a_bad_change_is_one_line_and_changes_nothing(
    args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "lib.db")
    with SkillLibrary(db) as lib:
        set_review_mode(lib, "required", reason="start", actor="alice")
    capsys.readouterr()
    assert main(["review", "mode", *args, "--db", db]) in (1, 2)
    err = capsys.readouterr().err
    assert err.startswith("error:") and len(err.strip().splitlines()) == 1
    with SkillLibrary(db) as lib:
        assert lib.get_meta(REVIEW_MODE_KEY) == "required"
        assert len(_mode_events(lib)) == 1
