"""`skillevo export DIR` into a folder someone else prepared (a shared checkout, a pulled repository,
an earlier import's folder): links, hard links and FIFOs planted under DIR must never make the export
write, truncate or block on anything but its own files inside DIR. Each planted entry is replaced by
the file export writes (never written through), or the skill is refused with one line."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from skillevo import SkillLibrary
from skillevo._errors import SkillevoError
from skillevo._models import Strategy, Trigger, TriggerKind

USER = "the user's own file\n"


def _library(path: Path) -> Path:
    with SkillLibrary(path) as lib:
        lib.add_skill("date-fix", Trigger(kind=TriggerKind.TOOL_ERROR, tool="book"),
                      Strategy(guidance="Send dates as YYYY-MM-DD."), description="dates")
        lib.add_skill("code-fix", Trigger(kind=TriggerKind.TOOL_ERROR, tool="book"),
                      Strategy(code="def repair(tool, args, error):\n    return args\n"), description="code")
    return path


def _file_link(rel: str) -> Callable[[Path, Path, Path], None]:
    def plant(out: Path, victim: Path, _elsewhere: Path) -> None:
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).symlink_to(victim)
    return plant


def _hard_link(out: Path, victim: Path, _elsewhere: Path) -> None:
    (out / "date-fix").mkdir(parents=True)
    os.link(victim, out / "date-fix" / "SKILL.md")


def _folder_link(out: Path, victim: Path, elsewhere: Path) -> None:
    out.mkdir()
    (out / "date-fix").symlink_to(elsewhere)
    (elsewhere / "SKILL.md").symlink_to(victim)


def _scripts_link(out: Path, victim: Path, elsewhere: Path) -> None:
    (out / "code-fix").mkdir(parents=True)
    (out / "code-fix" / "scripts").symlink_to(elsewhere)
    (elsewhere / "repair.py").write_text(USER)


def _fifo(out: Path, victim: Path, _elsewhere: Path) -> None:
    (out / "date-fix").mkdir(parents=True)
    os.mkfifo(out / "date-fix" / "SKILL.md")


ATTACKS = {
    "SKILL.md linked to a file outside": _file_link("date-fix/SKILL.md"),
    "skillevo.json linked to a file outside": _file_link("date-fix/skillevo.json"),
    "scripts/repair.py linked to a file outside": _file_link("code-fix/scripts/repair.py"),
    "SKILL.md a hard link of a file outside": _hard_link,
    "the skill's folder linked to a folder outside": _folder_link,
    "scripts/ linked to a folder outside": _scripts_link,
    "a FIFO as SKILL.md": _fifo,
}


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_planted_entry_under_dir_never_makes_export_write_outside(tmp_path: Path, attack: str) -> None:
    db = _library(tmp_path / "lib.db")
    out, victim, elsewhere = tmp_path / "out", tmp_path / "victim.txt", tmp_path / "elsewhere"
    victim.write_text(USER)
    elsewhere.mkdir()
    ATTACKS[attack](out, victim, elsewhere)
    before = {p: p.read_text() for p in elsewhere.iterdir() if p.is_file() and not p.is_symlink()}
    outcome: list[object] = []

    def export() -> None:
        try:
            with SkillLibrary(db) as lib:
                outcome.append(lib.export_skills(out, all_statuses=True))
        except SkillevoError as exc:
            outcome.append(exc)

    worker = threading.Thread(target=export, daemon=True)
    worker.start()
    worker.join(20)
    if worker.is_alive():  # unblock the writer so the test process can end
        fd = os.open(out / "date-fix" / "SKILL.md", os.O_RDONLY | os.O_NONBLOCK)
        os.close(fd)
        pytest.fail("export blocked on a FIFO")
    assert victim.read_text() == USER
    assert {p: p.read_text() for p in before} == before
    assert outcome and (isinstance(outcome[0], list) or "\n" not in str(outcome[0]))
    if isinstance(outcome[0], list):  # exported: what it wrote is its own regular files inside DIR
        for rel in ("date-fix/SKILL.md", "date-fix/skillevo.json", "code-fix/scripts/repair.py"):
            path = out / rel
            assert path.is_file() and not path.is_symlink() and os.stat(path).st_nlink == 1
            assert not os.access(path, os.X_OK)
        assert "YYYY-MM-DD" in (out / "date-fix" / "SKILL.md").read_text()


def test_export_into_dir_keeps_the_users_other_files_and_rewrites_its_own(tmp_path: Path) -> None:
    db = _library(tmp_path / "lib.db")
    out = tmp_path / "out"
    (out / "notes").mkdir(parents=True)
    (out / "notes" / "todo.md").write_text(USER)
    with SkillLibrary(db) as lib:
        lib.export_skills(out, all_statuses=True)
        first = (out / "date-fix" / "SKILL.md").read_bytes()
        lib.export_skills(out, all_statuses=True)
    assert (out / "date-fix" / "SKILL.md").read_bytes() == first
    assert (out / "notes" / "todo.md").read_text() == USER
    assert sorted(p.name for p in (out / "date-fix").iterdir()) == ["SKILL.md", "skillevo.json"]


GRPO_PLANTS = ["manifest.json", "episodes.jsonl", "episodes.jsonl.tmp", "skill_generator.jsonl"]


@pytest.mark.parametrize("entry", GRPO_PLANTS)
@pytest.mark.parametrize("how", ["symlink", "hardlink"])
def test_the_grpo_export_never_writes_through_a_planted_entry(tmp_path: Path, entry: str, how: str) -> None:
    from skillevo import Evolver
    from skillevo._grpo import export_grpo

    with SkillLibrary(tmp_path / "lib.db") as lib:
        evo = Evolver(lib, seed=0)
        with evo.episode(task="book a flight") as ep:
            ep.finish(reward=1.0)
    out, victim = tmp_path / "out", tmp_path / "victim.txt"
    victim.write_text(USER)
    out.mkdir()
    (out / entry).symlink_to(victim) if how == "symlink" else os.link(victim, out / entry)
    with SkillLibrary(tmp_path / "lib.db") as lib:
        export_grpo(lib, out)
    assert victim.read_text() == USER
    for name in ("manifest.json", "episodes.jsonl", "skill_generator.jsonl"):
        assert not (out / name).is_symlink() and os.stat(out / name).st_nlink == 1


@pytest.mark.parametrize("entry", ["latest.md", "latest.md.tmp", "latest.html.tmp"])
def test_the_train_report_never_writes_through_a_planted_entry(tmp_path: Path, entry: str) -> None:
    """`train.report_dir` is often a shared or published folder: a link named like a report file
    (or its temporary file) must be replaced, not written through."""
    from skillevo import run_train
    from skillevo._config import config_from_dict

    SkillLibrary(tmp_path / "lib.db").close()
    folder, victim = tmp_path / "reports", tmp_path / "victim.txt"
    victim.write_text(USER)
    folder.mkdir()
    (folder / entry).symlink_to(victim)
    cfg = config_from_dict({
        "library": {"db": str(tmp_path / "lib.db")}, "miner": {"rule": False},
        "train": {"settle_s": 0, "report_dir": str(folder), "formats": ["md", "html"]},
    })
    run_train(cfg)
    assert victim.read_text() == USER
    assert (folder / "latest.md").is_file() and not (folder / "latest.md").is_symlink()
