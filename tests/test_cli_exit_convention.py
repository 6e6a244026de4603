"""One exit-code rule for every command: 2 when the command line itself is wrong (an unknown option,
a missing argument, or a value an option or argument does not accept), 1 when the command line is
fine but the world is not (no library there, no such skill, a check refused). On main, a value
typer checks (``demo --episodes 3``, ``--min-group-size x``) exited 2 while the same kind of mistake
checked by the command exited 1: ``ls --status bogus``, ``review mode sometimes``, ``--canary-share
2``, ``diff --since 'last tuesday'``, a blank ``--reason``, ``review mode required`` without
``--reason`` (where ``review approve`` without it exits 2) and ``migrate X X`` (7 of 7 exited 1).
A script could not tell "fix the command" from "fix the library". Each is still one line on stderr
that names the command's --help, and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from skillevo import EventKind, SkillLibrary
from skillevo.cli import main


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "lib.db")
    SkillLibrary(path).close()
    return path


@pytest.mark.parametrize(
    "argv",
    [
        ["ls", "--status", "bogus", "--db", "DB"],
        ["review", "mode", "sometimes", "--reason", "x", "--db", "DB"],
        ["review", "mode", "canary", "--canary-share", "2", "--reason", "x", "--db", "DB"],
        ["review", "mode", "required", "--db", "DB"],
        ["review", "mode", "required", "--reason", "  ", "--db", "DB"],
        ["review", "approve", "x@1", "--reason", "  ", "--db", "DB"],
        ["review", "reject", "x@1", "--reason", "", "--db", "DB"],
        ["diff", "--since", "last tuesday", "--db", "DB"],
        ["diff", "--since", "2999-01-01", "--db", "DB"],
        ["migrate", "DB", "DB"],
        ["demo", "--episodes", "3"],
    ],
    ids=lambda a: " ".join(a[:3]),
)
def test_a_value_the_command_line_does_not_accept_exits_2(
    argv: list[str], db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([db if a == "DB" else a for a in argv]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "--help" in lines[0], captured.err
    with SkillLibrary(db) as lib:  # nothing decided, nothing logged
        assert lib.events(kind=EventKind.REVIEW) == []


@pytest.mark.parametrize(
    "argv",
    [
        ["ls", "--db", "MISSING"],
        ["show", "nosuch", "--db", "DB"],
        ["review", "approve", "nosuch@1", "--reason", "ok", "--db", "DB"],
        ["diff", "--since-run", "nosuch", "--db", "DB"],
        ["train", "--config", "MISSING.toml", "--db", "DB"],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_a_good_command_line_the_library_cannot_serve_exits_1(
    argv: list[str], db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(tmp_path / "missing.db")
    args = [
        db if a == "DB" else missing if a == "MISSING" else str(tmp_path / a) if a.endswith(".toml") else a
        for a in argv
    ]
    assert main(args) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")


def test_the_rule_is_the_one_the_docs_state() -> None:
    root = Path(__file__).resolve().parents[1]
    readme = " ".join((root / "README.md").read_text(encoding="utf-8").split())
    library = " ".join((root / "docs" / "library.md").read_text(encoding="utf-8").split())
    for text in (readme, library):
        assert "a value an option or argument does not accept" in text
    # The README listed "an unknown option" among the exit-1 errors; typer exits 2 for it.
    assert "(a missing library, an unknown option, a bad config value)" not in readme
