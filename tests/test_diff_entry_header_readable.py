"""A report entry says what happened, not a change that did not: a version still under test reads
"(guidance, testing)", not "(guidance, testing → testing)", and a reason with neither a time nor a
decider ends with the reason, not with "(-)". Before 2026-12-07 every entry of "Awaiting your
review" held back in shadow carried both, in the Markdown and the HTML report."""

from __future__ import annotations

from pathlib import Path

from skillevo import SkillLibrary, VersionStatus, library_diff
from skillevo._models import Strategy, Trigger, TriggerKind
from skillevo._review_mode import set_review_mode


def test_an_entry_still_in_its_status_reads_as_that_status(tmp_path: Path) -> None:
    with SkillLibrary(tmp_path / "old.db") as old, SkillLibrary(tmp_path / "new.db") as new:
        for lib in (old, new):
            lib.add_skill("pace", Trigger(kind=TriggerKind.TOOL_ERROR, tool="book"),
                          Strategy(guidance="When calling `book`: slow down."), status=VersionStatus.TESTING)
        set_review_mode(new, "required", reason="the team reviews", actor="ops")
        diff = library_diff(old, new)
        md, html = diff.to_markdown(), diff.to_html()
    assert [d.version_id for d in diff.sections["pending"]] == ["pace@1"]
    assert "### `pace@1` (guidance, testing)" in md
    assert "testing → testing" not in md and "testing &rarr; testing" not in html
    assert "(-)" not in md and "(-)" not in html
