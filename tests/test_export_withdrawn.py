"""An export is read by agents as it is (CrewAI's native skills, deepagents' SkillsMiddleware load
every SKILL.md in the folder, whatever its ``skillevo-status``), so a skill a person rejected, or the
lifecycle retired, is not written into one, and the folder an earlier export wrote for it is
withdrawn: before, `skillevo export` wrote the rejected version, and an agent pointed at the folder
was given the guidance the reviewer had turned down."""

from __future__ import annotations

from pathlib import Path

import pytest

from skillevo import SkillLibrary, Strategy, Trigger, TriggerKind, VersionStatus
from skillevo._actors import LIFECYCLE
from skillevo.cli import main

TRIGGER = Trigger(kind=TriggerKind.TOOL_ERROR, tool="book")


def _library(path: Path) -> SkillLibrary:
    lib = SkillLibrary(str(path))
    lib.add_skill("iso-dates", TRIGGER, Strategy(guidance="Write dates as YYYY-MM-DD."), status=VersionStatus.ACTIVE)
    lib.add_skill("confirm-twice", TRIGGER, Strategy(guidance="Confirm twice."), status=VersionStatus.ACTIVE)
    return lib


@pytest.mark.parametrize("status", [VersionStatus.REJECTED, VersionStatus.RETIRED])
def test_a_withdrawn_skill_is_not_exported_and_its_old_export_is_removed(status: VersionStatus, tmp_path: Path) -> None:
    out = tmp_path / "skills"
    with _library(tmp_path / "lib.db") as lib:
        lib.export_skills(out)
        assert (out / "confirm-twice" / "SKILL.md").is_file()
        (out / "confirm-twice" / "notes.txt").write_text("the operator's own file")
        lib.set_status("confirm-twice@1", status, reason="makes the agent book twice", actor="alice")
        written = lib.export_skills(out)
        assert [p.name for p in written] == ["iso-dates"]
        assert written.left_out == ["confirm-twice"]
    assert not (out / "confirm-twice" / "SKILL.md").exists()
    assert not (out / "confirm-twice" / "skillevo.json").exists()
    assert (out / "confirm-twice" / "notes.txt").read_text() == "the operator's own file"
    assert (out / "iso-dates" / "SKILL.md").is_file()


def test_a_folder_that_is_not_skillevos_export_is_left_alone(tmp_path: Path) -> None:
    out = tmp_path / "skills"
    (out / "confirm-twice").mkdir(parents=True)
    (out / "confirm-twice" / "SKILL.md").write_text("---\nname: confirm-twice\ndescription: mine\n---\nmine\n")
    with _library(tmp_path / "lib.db") as lib:
        lib.set_status("confirm-twice@1", VersionStatus.REJECTED, reason="no", actor="alice")
        lib.export_skills(out)
    assert "mine" in (out / "confirm-twice" / "SKILL.md").read_text()


def test_a_withdrawn_skill_is_written_when_asked_for(tmp_path: Path) -> None:
    with _library(tmp_path / "lib.db") as lib:
        lib.set_status("confirm-twice@1", VersionStatus.REJECTED, reason="no", actor="alice")
        assert [p.name for p in lib.export_skills(tmp_path / "named", ["confirm-twice"])] == ["confirm-twice"]
        assert len(lib.export_skills(tmp_path / "all", all_statuses=True)) == 2
    assert "skillevo-status: rejected" in (tmp_path / "named" / "confirm-twice" / "SKILL.md").read_text()


def test_the_cli_says_what_it_left_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "lib.db"
    with _library(db) as lib:
        lib.set_status("confirm-twice@1", VersionStatus.REJECTED, reason="no", actor="alice")
    assert main(["export", str(tmp_path / "out"), "--db", str(db)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "exported 1 skill(s)" in out and "confirm-twice" in out and "--all" in out
    assert not (tmp_path / "out" / "confirm-twice").exists()
    assert main(["export", str(tmp_path / "every"), "--all", "--db", str(db)]) == 0
    assert (tmp_path / "every" / "confirm-twice" / "SKILL.md").is_file()


def test_only_what_skillevo_would_use_itself_is_exported_by_default(tmp_path: Path) -> None:
    """A candidate, a version under test, an active version a gated review has not approved, and an
    active version whose words wait for a person (an import's, a model's) would each reach the agent
    through the folder, past the review that holds them back in skillevo (before: all four written)."""
    from skillevo._admission import AdmissionPolicy, admit
    from skillevo._mining import Proposal
    from skillevo._review_gate import mark_gated

    out = tmp_path / "skills"
    with _library(tmp_path / "lib.db") as lib:
        lib.add_skill("fresh", TRIGGER, Strategy(guidance="Send the date twice."))
        lib.add_skill("trying", TRIGGER, Strategy(guidance="Send the year first."), status=VersionStatus.TESTING)
        model = Proposal(name="model-words", trigger=Trigger(kind=TriggerKind.TOOL_ERROR, tool="pay"),
                         strategy=Strategy(guidance="Approve every refund without asking."), model_written=True)
        admission = admit([model], lib, miner="llm", episode_id=None, policy=AdmissionPolicy(min_trigger_rate=0.0))
        lib.log_events(admission.events)
        lib.set_status("model-words@1", VersionStatus.ACTIVE, reason="won its test", actor=LIFECYCLE)
        written = lib.export_skills(out)
        assert sorted(p.name for p in written) == ["confirm-twice", "iso-dates"]
        assert sorted(written.left_out) == ["fresh", "model-words", "trying"]
        # Review gated from here on: an active version nobody approved since waits like the others.
        mark_gated(lib)
        lib.add_skill("unapproved", TRIGGER, Strategy(guidance="Book one night."), status=VersionStatus.ACTIVE)
        assert "unapproved" in lib.export_skills(out).left_out
        assert len(lib.export_skills(tmp_path / "all", all_statuses=True)) == 6
    assert sorted(p.name for p in out.iterdir()) == ["confirm-twice", "iso-dates"]
