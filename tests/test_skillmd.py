"""Agent Skills format: byte-identical round trips, clear errors, nothing partial."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skillevo import SkillFormatError, SkillLibrary, Strategy, Trigger, TriggerKind, VersionStatus
from skillevo._models import Affix, ArgCondition, ChangeCase, Pad, ReformatDate, Repair, Retry, SetArg
from skillevo._skillmd import parse_skill_md


def _generated_library(n: int, seed: int = 0) -> SkillLibrary:
    rng = random.Random(seed)
    lib = SkillLibrary(":memory:")
    kinds = list(TriggerKind)
    op_makers = [
        lambda i: SetArg(arg=f"a{i}", value={"n": i, "l": [1, "x"]}),
        lambda i: Affix(op="add_prefix", arg="id", text=f"ID-{i}"),
        lambda i: ChangeCase(arg="status", to="lower"),
        lambda i: Pad(arg="code", width=6),
        lambda i: ReformatDate(arg="date", from_format="%d/%m/%Y"),
        lambda i: Retry(max_attempts=3),
    ]
    for i in range(n):
        trigger = Trigger(kind=rng.choice(kinds), tool=rng.choice(["*", "book_flight", "get_*"]),
                          error_type=rng.choice([None, "ValidationError"]),
                          pattern=rng.choice([None, r"date \d+"]))
        guidance = rng.choice([None, f"When booking #{i}, send dates as YYYY-MM-DD.\nDO: 2024-05-01 DON'T: 01/05/2024"])
        repair = None
        code = None
        if guidance is None or rng.random() < 0.4:
            if rng.random() < 0.2:
                code = f"def repair(tool, args, error):\n    return dict(args, n={i})\n"
            else:
                repair = Repair(ops=[rng.choice(op_makers)(i)],
                                precondition=rng.choice([None, [ArgCondition(arg="date", regex=r"\d+/\d+/\d+")]]))
        if guidance is None and repair is None and code is None:
            guidance = "fallback guidance"
        status = rng.choice([VersionStatus.ACTIVE, VersionStatus.TESTING, VersionStatus.CANDIDATE])
        lib.add_skill(f"skill-{i:03d}", trigger, Strategy(guidance=guidance, repair=repair, code=code),
                      description=f"Skill number {i}: ünïcode ok", status=status)
    return lib


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _without_state(tree: dict[str, bytes]) -> dict[str, bytes]:
    """The exported files less what an import never carries over: status, posteriors, history, miner."""
    out = {}
    for path, data in tree.items():
        if path.endswith("skillevo.json"):
            doc = json.loads(data)
            del doc["version"], doc["history"], doc["origin"]["miner"]
            data = json.dumps(doc, sort_keys=True).encode()
        elif path.endswith("SKILL.md"):
            data = b"\n".join(line for line in data.split(b"\n") if not line.startswith(b"  skillevo-status:"))
        out[path] = data
    return out


def test_export_import_export_round_trips(tmp_path: Path) -> None:
    lib = _generated_library(50)
    first = tmp_path / "first"
    assert len(lib.export_skills(first, all_statuses=True)) == 50
    other = SkillLibrary(":memory:")
    written = other.import_skills(first)
    assert len(written) == 50 and written.refused == []
    # Whatever the file said, every imported version is a candidate with a fresh posterior.
    assert {other.version(v).status for v in written} == {VersionStatus.CANDIDATE}
    assert {(other.version(v).alpha, other.version(v).beta) for v in written} == {(1.0, 1.0)}
    second = tmp_path / "second"
    other.export_skills(second, all_statuses=True)
    assert _without_state(_tree(first)) == _without_state(_tree(second))
    # From then on export is a fixed point: export -> import -> export is byte-identical.
    third_lib = SkillLibrary(":memory:")
    third_lib.import_skills(second)
    third = tmp_path / "third"
    third_lib.export_skills(third, all_statuses=True)
    assert _tree(second) == _tree(third)
    # Importing the same folders again changes nothing.
    assert other.import_skills(first) == []


def test_changed_strategy_imports_as_a_new_candidate_version(tmp_path: Path) -> None:
    lib = SkillLibrary(":memory:")
    lib.add_skill("dates", Trigger(tool="book"), Strategy(guidance="old advice"), status=VersionStatus.ACTIVE)
    lib.export_skills(tmp_path)
    md = tmp_path / "dates" / "SKILL.md"
    md.write_text(md.read_text().replace("old advice", "new advice"))
    assert lib.import_skills(tmp_path) == ["dates@2"]
    v = lib.version("dates@2")
    assert v.strategy.guidance == "new advice" and v.status is VersionStatus.CANDIDATE and v.parent == "dates@1"


def _write_skill(root: Path, name: str, text: str, repair: str | None = None) -> None:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "SKILL.md").write_text(text)
    if repair is not None:
        (folder / "repair.json").write_text(repair)


GOOD = """---
name: {name}
description: d
metadata:
  skillevo:
    trigger: {{kind: tool_error, tool: book}}
    status: candidate
---
## Strategy

Do it right.
"""


@pytest.mark.parametrize(
    ("text", "repair", "field"),
    [
        ("no front matter", None, "front matter"),
        ("---\nname: x\n", None, "front matter"),
        ("---\nname: [unclosed\n---\n", None, "front matter"),
        ("---\nname: Bad_Name\n---\n## Strategy\nx\n", None, "name"),
        ("---\nname: good\nmetadata: {skillevo: {trigger: {kind: sometimes}}}\n---\n## Strategy\nx\n", None,
         "metadata.skillevo.trigger.kind"),
        ("---\nname: good\nmetadata: {skillevo: {status: alive}}\n---\n## Strategy\nx\n", None,
         "metadata.skillevo.status"),
        ("---\nname: good\nmetadata: {skillevo: {}}\n---\nno strategy section\n", None, "Strategy"),
        (GOOD.format(name="good"), '{"ops": [{"op": "explode", "arg": "a"}]}', "repair.ops.0"),
        (GOOD.format(name="good"), "{not json", "repair"),
    ],
)
def test_malformed_skill_names_file_and_field(tmp_path: Path, text: str, repair: str | None, field: str) -> None:
    _write_skill(tmp_path, "good", text, repair)
    with pytest.raises(SkillFormatError) as info:
        SkillLibrary(":memory:").import_skills(tmp_path)
    assert info.value.field is not None and info.value.field.startswith(field)
    assert "good" in info.value.path
    assert "\n" not in str(info.value)


def test_a_bad_folder_means_nothing_is_written(tmp_path: Path) -> None:
    _write_skill(tmp_path, "aaa-good", GOOD.format(name="aaa-good"))
    _write_skill(tmp_path, "zzz-bad", GOOD.format(name="zzz-bad").replace("tool_error", "nonsense"))
    lib = SkillLibrary(":memory:")
    with pytest.raises(SkillFormatError, match="zzz-bad"):
        lib.import_skills(tmp_path)
    assert lib.skills() == []
    assert lib.count_events() == 0


def test_folder_name_must_match_skill_name(tmp_path: Path) -> None:
    _write_skill(tmp_path, "folder", GOOD.format(name="other"))
    with pytest.raises(SkillFormatError, match="folder name"):
        SkillLibrary(":memory:").import_skills(tmp_path)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.text(max_size=400),
        st.builds(lambda a, b: f"---\n{a}\n---\n## Strategy\n{b}\n", st.text(max_size=200), st.text(max_size=100)),
        st.builds(
            lambda name, kind, body: f"---\nname: {name}\nmetadata:\n  skillevo:\n    trigger: {{kind: {kind}}}\n"
            f"---\n{body}",
            st.text(max_size=20),
            st.text(max_size=20),
            st.text(max_size=60),
        ),
    ),
    st.one_of(st.none(), st.text(max_size=80)),
)
def test_fuzzed_skill_md_raises_only_our_error(text: str, repair_json: str | None) -> None:
    try:
        doc = parse_skill_md(text, "fuzz/SKILL.md", repair_json=repair_json)
    except SkillFormatError:
        return
    assert doc.name and doc.strategy is not None
