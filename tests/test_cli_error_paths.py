"""A CLI error about a path the user named keeps its reason. The CLI redacts every message as a
whole, and read a path ending in a secret's word (``skills/api-token``, ``/etc/passwd``) followed by
``: not a directory`` as a ``key: value`` pair: ``error: skills/api-token: [REDACTED:secret] a
directory``. The path and the reason are now redacted each on its own; a secret in the reason is
still hidden."""

from __future__ import annotations

from pathlib import Path

import pytest

from skillevo import SkillFormatError, SkillLibrary
from skillevo.cli import main
from skillevo.cli._common import print_error


@pytest.mark.parametrize("name", ["api-token", "passwd", "credentials", "secret"])
def test_a_missing_import_folder_named_like_a_secret_says_why(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "lib.db"
    SkillLibrary(str(db)).close()
    assert main(["import", str(tmp_path / "skills" / name), "--db", str(db)]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert f"{name}: not a directory" in err
    assert "REDACTED" not in err


def test_a_secret_in_the_reason_is_still_hidden(capsys: pytest.CaptureFixture[str]) -> None:
    print_error(SkillFormatError("skills/api-token/SKILL.md", "body", "password: hunter2-Xq9"))
    err = " ".join(capsys.readouterr().err.split())
    assert "hunter2-Xq9" not in err
    assert "skills/api-token/SKILL.md: body:" in err


def test_a_field_named_like_a_secret_still_hides_what_its_reason_quotes(capsys: pytest.CaptureFixture[str]) -> None:
    print_error(SkillFormatError("skills/x/skillevo.json", "api_key", "Xq9-hunter2-zz"))
    err = " ".join(capsys.readouterr().err.split())
    assert "hunter2" not in err and "skills/x/skillevo.json:" in err


def test_a_review_reason_is_echoed_as_it_was_recorded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The reason is stored redacted; the confirmation line printed it as typed, so a credential
    # pasted into --reason reached the terminal and the CI log that keeps it.
    from skillevo import Strategy, Trigger, TriggerKind, VersionStatus

    db = tmp_path / "lib.db"
    with SkillLibrary(str(db)) as lib:
        lib.add_skill("iso-dates", Trigger(kind=TriggerKind.TOOL_ERROR, tool="book"),
                      Strategy(guidance="Write dates as YYYY-MM-DD."), status=VersionStatus.TESTING)
    reason = "ok, password: hunter2-Xq9zz"
    assert main(["review", "approve", "iso-dates@1", "--reason", reason, "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "hunter2-Xq9zz" not in out and "iso-dates@1" in out
    with SkillLibrary(str(db)) as lib:
        stored = [e.data.get("reason") for e in lib.events(version_id="iso-dates@1") if e.data.get("reason")]
    assert stored and all("hunter2-Xq9zz" not in str(r) for r in stored)


@pytest.mark.parametrize("verb", ["approve", "reject"])
def test_reviewing_a_skill_by_its_name_says_which_versions_wait(
    verb: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `skillevo ls` lists skill names; a reviewer who typed one got "no skill version 'iso-dates'".
    from skillevo import Strategy, Trigger, TriggerKind, VersionStatus

    db = tmp_path / "lib.db"
    with SkillLibrary(str(db)) as lib:
        lib.add_skill("iso-dates", Trigger(kind=TriggerKind.TOOL_ERROR, tool="book"),
                      Strategy(guidance="Write dates as YYYY-MM-DD."), status=VersionStatus.TESTING)
    assert main(["review", verb, "iso-dates", "--reason", "fine", "--db", str(db)]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "iso-dates@1" in err and err.count("\n") <= 1
    with SkillLibrary(str(db)) as lib:
        assert lib.skill("iso-dates").versions[0].status is VersionStatus.TESTING


def test_python_dash_m_skillevo_is_the_cli(tmp_path: Path) -> None:
    # `python -m skillevo` said "No module named skillevo.__main__" (a venv whose bin is not on PATH).
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "skillevo", "ls", "--db", str(tmp_path / "none.db")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.strip().startswith("error: no skill library at") and done.stderr.count("\n") == 1
