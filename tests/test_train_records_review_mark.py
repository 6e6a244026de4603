"""`skillevo train` run under ``[lifecycle] review = "required"`` (or ``"canary"``) records that mode on
the library, as an `Evolver` running it does: the report, `skillevo diff` and every process started
later without a mode then agree with the nightly job. Before 2026-12-07 the job decided under
``required`` but left the library marked ``auto``: its report said "Review mode: auto" and
"Awaiting your review: 0" while `skillevo review list` listed the versions it held back, and an agent
built without a mode let those versions act."""

from __future__ import annotations

from pathlib import Path

from skillevo import Evolver, SkillevoConfig, SkillLibrary, VersionStatus, run_train
from skillevo._config import config_from_dict
from skillevo._models import Strategy, Trigger, TriggerKind
from skillevo._review_mode import library_review, library_share


def _library(path: Path) -> str:
    with SkillLibrary(path) as lib:
        return lib.add_skill("pace", Trigger(kind=TriggerKind.TOOL_ERROR, tool="book"),
                             Strategy(guidance="When calling `book`: slow down."), status=VersionStatus.TESTING).id


def _config(tmp_path: Path, **lifecycle: object) -> SkillevoConfig:
    return config_from_dict({"library": {"db": str(tmp_path / "lib.db")}, "lifecycle": lifecycle,
                             "train": {"settle_s": 0, "report_dir": str(tmp_path / "reports")}})


def test_a_run_under_required_marks_the_library_and_its_report_lists_what_it_holds_back(tmp_path: Path) -> None:
    vid = _library(tmp_path / "lib.db")
    report = run_train(_config(tmp_path, review="required"))
    with SkillLibrary(tmp_path / "lib.db") as lib:
        assert library_review(lib) == "required"
        assert Evolver(lib, miner=None).review == "required"  # a later agent built without a mode
        assert lib.version(vid).status is VersionStatus.TESTING
    text = report.report_markdown or ""
    assert "## Review mode: required" in text
    assert "| Awaiting your review | 1 |" in text and vid in text


def test_a_run_under_canary_marks_the_library_with_its_share(tmp_path: Path) -> None:
    vid = _library(tmp_path / "lib.db")
    report = run_train(_config(tmp_path, review="canary", canary_share=0.02))
    with SkillLibrary(tmp_path / "lib.db") as lib:
        assert library_review(lib) == "canary" and library_share(lib) == 0.02
    text = report.report_markdown or ""
    assert "| Awaiting your review | 1 |" in text and vid in text


def test_a_dry_run_reports_the_mark_it_would_record_and_writes_nothing(tmp_path: Path) -> None:
    _library(tmp_path / "lib.db")
    report = run_train(_config(tmp_path, review="required"), dry_run=True)
    assert "## Review mode: required" in (report.report_markdown or "")
    with SkillLibrary(tmp_path / "lib.db") as lib:
        assert library_review(lib) == "auto"


def test_a_run_with_no_review_line_leaves_the_mark_as_it_is(tmp_path: Path) -> None:
    _library(tmp_path / "lib.db")
    run_train(_config(tmp_path))
    with SkillLibrary(tmp_path / "lib.db") as lib:
        assert library_review(lib) == "auto"
