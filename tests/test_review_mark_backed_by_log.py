"""A review mark lowered without a decision in the library's log does not lower it.

Lowering the mark is a person's decision, made through `set_review_mode` and recorded as a ``review``
event (who, why). Before this, the mark was the meta row alone: another process sharing the library
could write ``review.mode = auto`` (or a canary share of 1.0) through the store's ``set_meta`` and
every entry point ran ``auto`` from then on, with nothing in the audit trail (3 of 3 routes below).
The mark read is now the stricter of the row and the newest logged change of it (processes raising
it log the raise too), so a lowering reaches the gate only as a logged decision.
"""

from __future__ import annotations

from pathlib import Path

from skillevo import EventKind, SkillLibrary
from skillevo._review_gate import GATED_SINCE_KEY
from skillevo._review_mode import (
    CANARY_SHARE_KEY,
    REVIEW_MODE_KEY,
    library_review,
    library_share,
    raise_review,
    resolve_review,
    set_review_mode,
)


def test_a_mark_lowered_behind_the_log_reads_as_the_logged_decision(tmp_path: Path) -> None:
    with SkillLibrary(tmp_path / "lib.db") as lib:
        set_review_mode(lib, "required", reason="audit", actor="alice")
        lib.set_meta(REVIEW_MODE_KEY, "auto")  # a co-tenant's write: no decision logged
        assert library_review(lib) == "required"
        assert resolve_review(lib, None) == "required"


def test_a_mark_raised_by_a_process_cannot_be_lowered_silently(tmp_path: Path) -> None:
    with SkillLibrary(tmp_path / "lib.db") as lib:
        raise_review(lib, "required")  # a process running required gates the library
        lib.set_meta(REVIEW_MODE_KEY, "canary")
        lib.set_meta(GATED_SINCE_KEY, "")
        assert library_review(lib) == "required"


def test_a_canary_share_widened_behind_the_log_reads_as_the_logged_one(tmp_path: Path) -> None:
    with SkillLibrary(tmp_path / "lib.db") as lib:
        set_review_mode(lib, "canary", canary_share=0.02, reason="trial", actor="carol")
        lib.set_meta(CANARY_SHARE_KEY, "1.0")
        assert library_review(lib) == "canary"
        assert library_share(lib) == 0.02


def test_a_logged_lowering_still_lowers_it(tmp_path: Path) -> None:
    with SkillLibrary(tmp_path / "lib.db") as lib:
        raise_review(lib, "required")
        set_review_mode(lib, "canary", canary_share=0.1, reason="audit done", actor="bob")
        assert (library_review(lib), library_share(lib)) == ("canary", 0.1)
        set_review_mode(lib, "auto", reason="trusted tools only", actor="bob")
        assert library_review(lib) == "auto"
        raise_review(lib, "canary", 0.05)  # a process gating it again
        assert (library_review(lib), library_share(lib)) == ("canary", 0.05)
        modes = [e.data["mode"] for e in lib.events(kind=EventKind.REVIEW) if e.data.get("what") == "review_mode"]
        assert modes == ["required", "canary", "auto", "canary"]
