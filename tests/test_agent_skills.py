"""Plain Agent Skills folders both ways: import any spec-valid folder, export what a validator and loaders accept."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from skillevo import EventKind, SkillLibrary, Strategy, Trigger, TriggerKind, VersionStatus
from skillevo._models import ArgCondition, Repair, SetArg
from skillevo._review_gate import mark_gated

DATA = Path(__file__).parent / "data" / "agent_skills"

try:
    from skills_ref import validate as spec_validate
except ImportError:  # pragma: no cover - the dev extra installs it
    spec_validate = None

needs_validator = pytest.mark.skipif(spec_validate is None, reason="skills-ref (the reference validator) not installed")


def _imported(tmp_path: Path) -> tuple[SkillLibrary, list[str]]:
    lib = SkillLibrary(tmp_path / "lib.db")
    written = lib.import_skills(DATA)
    return lib, written


def _learned_library() -> SkillLibrary:
    lib = SkillLibrary(":memory:")
    lib.add_skill(
        "iso-dates", Trigger(tool="book_flight", error_type="ValidationError"),
        Strategy(guidance="Send dates as YYYY-MM-DD.\nDO: 2024-05-01 DON'T: 01/05/2024"),
        description="Dates in ISO 8601 for the booking tool", status=VersionStatus.ACTIVE,
    )
    lib.add_skill(
        "pad-codes", Trigger(tool="lookup", pattern=r"code \d+ too short"),
        Strategy(repair=Repair(ops=[SetArg(arg="region", value={"nested": ["eu", 1]})],
                               precondition=[ArgCondition(arg="code", regex=r"\d{1,4}")])),
        status=VersionStatus.TESTING,
    )
    lib.add_skill(
        "upper-ids", Trigger(kind=TriggerKind.TOOL_ERROR, tool="get_*"),
        Strategy(code="def repair(tool, args, error):\n    return dict(args, id=str(args.get('id', '')).upper())\n"),
        description="Upper-case ids: ünïcode, \"quotes\" and: colons",
    )
    return lib


# --------------------------------------------------------------------------- import of plain folders


@needs_validator
def test_the_test_folders_are_spec_valid() -> None:
    assert spec_validate is not None
    for folder in sorted(DATA.iterdir()):
        assert spec_validate(folder) == [], folder.name


def test_plain_folders_import_as_candidates(tmp_path: Path) -> None:
    lib, written = _imported(tmp_path)
    assert written.refused == []
    assert sorted(written) == ["date-normaliser-iso-dates@1", "date-normaliser@1", "pdf-forms@1", "release-notes@1"]
    assert {lib.version(v).status for v in written} == {VersionStatus.CANDIDATE}
    assert {lib.version(v).origin.miner for v in written} == {"import"}


def test_the_body_becomes_capped_guidance_without_hidden_text_or_link_targets(tmp_path: Path) -> None:
    lib, _ = _imported(tmp_path)
    pdf = lib.version("pdf-forms@1").strategy.guidance or ""
    assert "Fill each field by its exact name" in pdf
    assert "the field reference" in pdf and "references/FIELDS.md" not in pdf  # link text kept, target dropped
    assert "```" not in pdf and "##" not in pdf
    notes = lib.version("release-notes@1").strategy.guidance or ""
    assert "Group the changes" in notes
    assert "Maintainers" not in notes  # an HTML comment hides text from a reader: never guidance
    assert "banner" not in notes and "<details>" not in notes
    for version in ("pdf-forms@1", "release-notes@1", "date-normaliser@1"):
        assert len(lib.version(version).strategy.guidance or "") <= 600


def test_a_long_body_is_cut_on_a_line_and_says_so(tmp_path: Path) -> None:
    folder = tmp_path / "long-guide"
    folder.mkdir()
    steps = "\n".join(f"{i}. Step number {i} of the long procedure, done with care." for i in range(1, 60))
    (folder / "SKILL.md").write_text(f"---\nname: long-guide\ndescription: A long procedure.\n---\n{steps}\n")
    lib = SkillLibrary(":memory:")
    lib.import_skills(folder)
    guidance = lib.version("long-guide@1").strategy.guidance or ""
    assert len(guidance) <= 600 and guidance.endswith("(more in the skill's SKILL.md)")
    assert guidance.splitlines()[-1].startswith(tuple("0123456789"))  # whole lines only


def test_the_trigger_comes_from_the_description(tmp_path: Path) -> None:
    lib, _ = _imported(tmp_path)
    trigger = lib.skill("pdf-forms").trigger
    assert trigger.kind is TriggerKind.TASK_START and trigger.task_pattern is not None
    assert trigger.matches(task="Fill in the W-9 PDF for the new supplier")
    assert trigger.matches(task="Extract the tables of these documents")
    assert not trigger.matches(task="Book a flight to Lisbon on Friday")


def test_a_description_without_distinctive_words_fires_on_every_task(tmp_path: Path) -> None:
    folder = tmp_path / "generic"
    folder.mkdir()
    (folder / "SKILL.md").write_text("---\nname: generic\ndescription: Use this when you need it.\n---\nBe careful.\n")
    lib = SkillLibrary(":memory:")
    lib.import_skills(folder)
    trigger = lib.skill("generic").trigger
    assert trigger.kind is TriggerKind.TASK_START and trigger.task_pattern is None


def test_a_script_with_repair_becomes_a_sandboxed_code_skill(tmp_path: Path) -> None:
    lib, _ = _imported(tmp_path)
    skill = lib.skill("date-normaliser-iso-dates")
    assert skill.trigger.kind is TriggerKind.TOOL_ERROR and skill.trigger.tool == "*"
    code = skill.versions[0].strategy.code or ""
    assert "def repair(tool, args, error)" in code
    # A helper script without repair() (pdf-forms/scripts/list_fields.py) is not a skill.
    assert not any(s.name.startswith("pdf-forms-") for s in lib.skills())
    from skillevo import ProcessSandbox

    assert ProcessSandbox().run_repair(code, "book", {"start_date": "01/02/2024"}, "bad date") == {
        "start_date": "2024-02-01"
    }


def test_an_optional_skillevo_file_gives_the_trigger(tmp_path: Path) -> None:
    folder = tmp_path / "retry-rates"
    shutil.copytree(DATA / "release-notes", folder)
    text = (folder / "SKILL.md").read_text().replace("name: release-notes", "name: retry-rates")
    (folder / "SKILL.md").write_text(text + "\n## Strategy\n\nWait and call again when rate-limited.\n")
    (folder / "skillevo.json").write_text(json.dumps({
        "format": "skillevo.skill/1", "name": "retry-rates",
        "trigger": {"kind": "tool_error", "tool": "search", "error_type": "rate_limit"},
        "strategy": {"repair": {"ops": [{"op": "retry", "max_attempts": 2}]}},
    }))
    lib = SkillLibrary(":memory:")
    lib.import_skills(folder)
    skill = lib.skill("retry-rates")
    assert skill.trigger == Trigger(kind=TriggerKind.TOOL_ERROR, tool="search", error_type="rate_limit")
    version = skill.versions[0]
    assert version.strategy.repair is not None and version.strategy.guidance == "Wait and call again when rate-limited."


# --------------------------------------------------------------------------- export


def _front(skill_md: Path) -> dict[str, object]:
    text = skill_md.read_text()
    data = yaml.safe_load(text.split("---\n", 2)[1])
    assert isinstance(data, dict)
    return data


@needs_validator
def test_export_is_spec_valid_and_metadata_maps_strings_to_strings(tmp_path: Path) -> None:
    assert spec_validate is not None
    folders = _learned_library().export_skills(tmp_path, all_statuses=True)
    assert len(folders) == 3
    for folder in folders:
        assert spec_validate(folder) == [], folder.name
        front = _front(folder / "SKILL.md")
        assert set(front) <= {"name", "description", "license", "compatibility", "metadata", "allowed-tools"}
        metadata = front["metadata"]
        assert isinstance(metadata, dict)
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items())
        data = json.loads((folder / "skillevo.json").read_text())
        assert data["name"] == folder.name and "trigger" in data and "posterior" in data["version"]
    assert (tmp_path / "upper-ids" / "scripts" / "repair.py").is_file()
    assert "repair" in json.loads((tmp_path / "pad-codes" / "skillevo.json").read_text())["strategy"]


@needs_validator
def test_round_trip_export_validate_import(tmp_path: Path) -> None:
    assert spec_validate is not None
    source = _learned_library()
    source.export_skills(tmp_path, all_statuses=True)
    assert all(spec_validate(folder) == [] for folder in tmp_path.iterdir())
    copy = SkillLibrary(":memory:")
    written = copy.import_skills(tmp_path)
    assert len(written) == 3 and written.refused == []
    for skill in source.skills():
        other = copy.skill(skill.name)
        assert other.trigger == skill.trigger
        # An empty description is exported as one made from the trigger (the specification wants one).
        assert other.description == (skill.description or other.description) and other.description
        assert other.versions[0].strategy == skill.versions[0].strategy
        assert other.versions[0].status is VersionStatus.CANDIDATE


def test_plain_folders_survive_import_export_import(tmp_path: Path) -> None:
    lib, _ = _imported(tmp_path)
    out = tmp_path / "out"
    lib.export_skills(out, all_statuses=True)
    again = SkillLibrary(":memory:")
    written = again.import_skills(out)
    assert written.refused == []
    for skill in lib.skills():
        assert again.skill(skill.name).versions[0].strategy == skill.versions[0].strategy
        assert again.skill(skill.name).trigger == skill.trigger


def test_crewai_native_skills_load_an_exported_skill(tmp_path: Path) -> None:
    loader = pytest.importorskip("crewai.skills.loader")
    lib = _learned_library()
    # By default only what skillevo itself would use: the active skill, not the one under test nor
    # the candidate (CrewAI loads every SKILL.md in the folder, whatever its skillevo-status).
    lib.export_skills(tmp_path)
    assert {s.name for s in loader.load_skill(tmp_path)} == {"iso-dates"}
    lib.export_skills(tmp_path, all_statuses=True)
    skills = {s.name: s for s in loader.load_skill(tmp_path)}
    assert set(skills) == {"iso-dates", "pad-codes", "upper-ids"}
    assert skills["iso-dates"].description == "Dates in ISO 8601 for the booking tool"
    assert "Send dates as YYYY-MM-DD." in (skills["iso-dates"].instructions or "")


def test_deepagents_skills_middleware_loads_an_exported_skill(tmp_path: Path) -> None:
    skills_mw = pytest.importorskip("deepagents.middleware.skills")
    backends = pytest.importorskip("deepagents.backends.filesystem")
    _learned_library().export_skills(tmp_path, all_statuses=True)
    middleware = skills_mw.SkillsMiddleware(backend=backends.FilesystemBackend(root_dir=tmp_path), sources=["/"])
    update = middleware.before_agent({}, None, {})
    assert update["skills_load_errors"] == []
    loaded = {s["name"]: s for s in update["skills_metadata"]}
    assert set(loaded) == {"iso-dates", "pad-codes", "upper-ids"}
    assert loaded["iso-dates"]["metadata"]["skillevo-kind"] == "guidance"
    assert loaded["upper-ids"]["description"].startswith("Upper-case ids")


def test_plain_metadata_that_is_not_all_strings_is_tolerated(tmp_path: Path) -> None:
    folder = tmp_path / "loose-meta"
    folder.mkdir()
    (folder / "SKILL.md").write_text(
        "---\nname: loose-meta\ndescription: Invoices in euros.\nmetadata:\n  version: 1.0\n  tags: [a, b]\n---\n"
        "Amounts are in euros, two decimals.\n"
    )
    lib = SkillLibrary(":memory:")
    assert list(lib.import_skills(folder)) == ["loose-meta@1"]
    assert lib.version("loose-meta@1").strategy.guidance == "Amounts are in euros, two decimals."


def test_start_tests_hands_each_candidate_to_the_lifecycle(tmp_path: Path) -> None:
    # An imported text reaches no prompt on its author's word (`skillevo._probation.text_unvouched`):
    # under "auto" a guidance-only import waits for a person; on a library review holds back, its
    # test starts in shadow, where a reviewer sees it.
    waiting = SkillLibrary(":memory:")
    [held] = waiting.import_skills(DATA / "release-notes", start_tests=True)
    assert waiting.version(held).status is VersionStatus.CANDIDATE
    lib = SkillLibrary(":memory:")
    mark_gated(lib)
    written = lib.import_skills(DATA / "release-notes", start_tests=True)
    assert lib.version(written[0]).status is VersionStatus.TESTING
    trail = [e.data.get("reason") for e in lib.events(kind=EventKind.LIFECYCLE, version_id=written[0])]
    assert trail[-1] == "test started"
    # A second version of the same skill waits while the first is under test, as a mined one would.
    changed = tmp_path / "release-notes"
    shutil.copytree(DATA / "release-notes", changed)
    (changed / "SKILL.md").write_text((changed / "SKILL.md").read_text().replace("newest first", "oldest first"))
    again = lib.import_skills(changed, start_tests=True)
    assert lib.version(again[0]).status is VersionStatus.CANDIDATE
