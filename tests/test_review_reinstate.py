"""A reviewer can undo a decision: `skillevo review reinstate VERSION --reason` brings back a retired
or rejected version (active again, approved, the skill's active version retired), as a logged review
decision. Before 2026-12-07 nothing could: a version rejected by a slip of the keyboard, or an
incumbent retired by an approval that turned out wrong, stayed gone (`approve` refuses both, on
purpose: an approval never brings back a version decided meanwhile), so the skill had no active
version, or only the bad one, for good."""

from __future__ import annotations

from pathlib import Path

import pytest

from skillevo import EventKind, SkillLibrary, VersionStatus
from skillevo._lifecycle import Lifecycle
from skillevo._models import Strategy, Trigger, TriggerKind
from skillevo._review_gate import is_approved
from skillevo._review_mode import set_review_mode
from skillevo._selection import ThompsonSelector
from skillevo.cli import main


def _library(path: Path) -> tuple[str, str]:
    with SkillLibrary(path) as lib:
        set_review_mode(lib, "required", reason="the team reviews every skill", actor="ops")
        v1 = lib.add_skill("dates", Trigger(kind=TriggerKind.TOOL_ERROR, tool="book"),
                           Strategy(guidance="Write dates as YYYY-MM-DD."), status=VersionStatus.ACTIVE).id
        v2 = lib.add_version("dates", Strategy(guidance="Write dates as DD.MM.YYYY."), parent=v1,
                             status=VersionStatus.TESTING).id
        return v1, v2


def _status(path: Path, vid: str) -> VersionStatus:
    with SkillLibrary(path) as lib:
        return lib.version(vid).status


def test_an_approval_that_turned_out_wrong_is_rolled_back(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "lib.db"
    v1, v2 = _library(db)
    assert main(["review", "approve", v2, "--reason", "shadow looked fine", "--db", str(db)]) == 0
    assert (_status(db, v1), _status(db, v2)) == (VersionStatus.RETIRED, VersionStatus.ACTIVE)
    capsys.readouterr()
    assert main(["review", "reinstate", v1, "--reason", "v2 broke bookings", "--actor", "alice", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert f"{v1}: retired -> active" in out and f"{v2}: active -> retired" in out
    with SkillLibrary(db) as lib:
        assert lib.version(v1).status is VersionStatus.ACTIVE and lib.version(v2).status is VersionStatus.RETIRED
        assert is_approved(lib, lib.version(v1))  # a person's decision: it acts under "required"
        assert v1 not in [v.id for v in Lifecycle(lib, ThompsonSelector()).pending()]
        last = lib.events(kind=EventKind.REVIEW, version_id=v1)[-1]
        assert last.data["actor"] == "alice" and "v2 broke bookings" in str(last.data["reason"])


def test_a_rejection_made_by_mistake_is_undone(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    v1, _ = _library(db)
    assert main(["review", "reject", v1, "--reason", "wrong row", "--db", str(db)]) == 0
    assert main(["review", "approve", v1, "--reason", "undo", "--db", str(db)]) == 1  # approve still refuses it
    assert main(["review", "reinstate", v1, "--reason", "rejected the wrong one", "--db", str(db)]) == 0
    assert _status(db, v1) is VersionStatus.ACTIVE


def test_reinstating_what_is_not_retired_or_rejected_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "lib.db"
    v1, v2 = _library(db)
    assert main(["review", "reinstate", v2, "--reason", "x", "--db", str(db)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and "retired or rejected" in err
    assert main(["review", "reinstate", "dates", "--reason", "x", "--db", str(db)]) == 1
    assert "none was retired or rejected" in capsys.readouterr().err
    assert main(["review", "reinstate", v1, "--reason", " ", "--db", str(db)]) == 2
    assert (_status(db, v1), _status(db, v2)) == (VersionStatus.ACTIVE, VersionStatus.TESTING)
