"""The library diff report is what a reviewer reads each morning, yet it said nothing about changes
of the library's review mark: a library lowered from ``required`` to ``auto`` overnight (after
which unapproved versions act on calls) gave a report with no trace of it (0 of 2 mark changes
shown in Markdown, HTML or ``--json``), though the log holds who, when and why. The report now has
a "Review mode" section: the mark now, and each change in the compared window with before/after
mode and canary share, actor and reason; ``--json`` carries the same as ``review_mode`` and
``review_mode_changes``. Changes before the window (``--since``) are left out."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from skillevo import SkillLibrary
from skillevo._diff import library_diff
from skillevo._report_html import render_html
from skillevo._review_mode import set_review_mode
from skillevo.cli import main


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "lib.db")
    with SkillLibrary(path) as lib:
        set_review_mode(lib, "required", reason="audit season", actor="alice")
        set_review_mode(lib, "auto", reason="audit done", actor="bob")
    return path


def test_the_markdown_and_html_reports_show_each_change_of_the_mark(db: str) -> None:
    with SkillLibrary(db) as lib:
        diff = library_diff(None, lib)
    text = diff.to_markdown()
    assert "## Review mode" in text
    section = text.split("## Review mode", 1)[1].split("\n## ", 1)[0]
    assert "auto" in section and "required" in section
    assert "alice" in section and "audit season" in section and "bob" in section and "audit done" in section
    assert section.index("audit season") < section.index("audit done")  # oldest first
    page = render_html(diff)
    assert "Review mode" in page and "audit done" in page and "bob" in page


def test_the_json_summary_carries_the_mark_and_its_changes(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "--json", "--db", db]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["review_mode"] == "auto"
    changes = doc["review_mode_changes"]
    assert [(c["previous"], c["mode"], c["actor"], c["reason"]) for c in changes] == [
        ("auto", "required", "alice", "audit season"),
        ("required", "auto", "bob", "audit done"),
    ]
    assert all(isinstance(c["when"], float) for c in changes)


def test_changes_before_the_window_are_left_out(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    time.sleep(0.01)
    since = time.time()
    time.sleep(0.01)
    with SkillLibrary(db) as lib:
        set_review_mode(lib, "canary", reason="trial run", actor="carol", canary_share=0.1)
        diff = library_diff(None, lib, since=since)
    text = diff.to_markdown().split("## Review mode", 1)[1].split("\n## ", 1)[0]
    assert "trial run" in text and "carol" in text and "0.1" in text
    assert "audit done" not in text and "audit season" not in text
    assert not diff.empty  # a change of the mark alone is a change worth a report


def test_an_unchanged_mark_still_says_what_it_is(tmp_path: Path) -> None:
    with SkillLibrary(tmp_path / "lib.db") as lib:
        diff = library_diff(None, lib)
    section = diff.to_markdown().split("## Review mode", 1)[1].split("\n## ", 1)[0]
    assert "auto" in section and "Nothing" in section
    assert diff.empty


def test_against_an_older_copy_only_the_later_changes_are_listed(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = tmp_path / "yesterday.db"
    with SkillLibrary(db) as lib, SkillLibrary(old) as copy:
        copy.load(lib.dump())
        set_review_mode(lib, "required", reason="incident 42", actor="dave")
    assert main(["diff", str(old), "--json", "--db", db]) == 0
    changes = json.loads(capsys.readouterr().out)["review_mode_changes"]
    assert [(c["mode"], c["actor"], c["reason"]) for c in changes] == [("required", "dave", "incident 42")]
