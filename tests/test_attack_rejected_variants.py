"""A rejected idea must stay rejected: a version reviewers rejected may not come back as a new version
whose guidance differs only in how it is written (case, spacing, punctuation, full-width letters).
Before the fix each of these imported as a new candidate of the rejected skill (under
``review="auto"`` the lifecycle then tests it in live prompts; under ``required`` the reviewer is
asked again), because a duplicate was a byte-equal guidance. A guidance that says something else
is still a new version."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from skillevo import Evolver, SkillLibrary, Strategy, Trigger, VersionStatus
from skillevo._mining import Proposal, check_proposal
from skillevo._models import TriggerKind

REJECTED = "When calling `book`: confirm the booking twice before you send it."
TRIGGER = Trigger(kind=TriggerKind.TOOL_ERROR, tool="book")

VARIANTS = {
    "case": "when calling `book`: Confirm the booking TWICE before you send it.",
    "spacing": "When  calling `book`:\tconfirm the booking twice before you send it",
    "punctuation": "When calling `book` - confirm the booking twice, before you send it!",
    "full-width letters": "When calling `book`: confirm the booking ｔｗｉｃｅ before you send it.",
    "no code span": "When calling book: confirm the booking twice before you send it.",
}


def _rejected_library(path: Path) -> SkillLibrary:
    lib = SkillLibrary(str(path))
    version = lib.add_skill("confirm-twice", TRIGGER, Strategy(guidance=REJECTED), status=VersionStatus.TESTING)
    Evolver(lib, seed=0).lifecycle.reject(version.id, "makes the agent book twice")
    return lib


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_a_rejected_guidance_does_not_come_back_reworded_by_import(variant: str, tmp_path: Path) -> None:
    with _rejected_library(tmp_path / "lib.db") as lib:
        lib.export_skills(tmp_path / "out", all_statuses=True)  # a rejected skill is left out unless asked
        folder = tmp_path / "in" / "confirm-twice"
        shutil.copytree(tmp_path / "out" / "confirm-twice", folder)
        skill_md = folder / "SKILL.md"
        skill_md.write_text(skill_md.read_text().replace(REJECTED, VARIANTS[variant]))
        imported = lib.import_skills(tmp_path / "in")
        assert list(imported) == []
        assert [v.status for v in lib.skill("confirm-twice").versions] == [VersionStatus.REJECTED]


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_a_rejected_guidance_reworded_is_refused_on_every_road(variant: str, tmp_path: Path) -> None:
    with _rejected_library(tmp_path / "lib.db") as lib:
        proposal = Proposal(name="confirm-twice-again", trigger=TRIGGER, strategy=Strategy(guidance=VARIANTS[variant]))
        check = check_proposal(proposal, lib)
        assert not check.ok and "rejected before" in check.reason


def test_a_guidance_saying_something_else_is_a_new_version(tmp_path: Path) -> None:
    with _rejected_library(tmp_path / "lib.db") as lib:
        other = "When calling `book`: confirm the booking once before you send it."
        proposal = Proposal(name="confirm-twice", trigger=TRIGGER, strategy=Strategy(guidance=other))
        assert check_proposal(proposal, lib).ok
