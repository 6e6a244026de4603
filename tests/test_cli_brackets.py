"""Square brackets in what the CLI prints were read as rich markup and dropped. Without matplotlib,
``skillevo demo`` said ``note: matplotlib is not installed (pip install 'skillevo'): no plot``: the
``[demo]`` extra the message names was eaten, so the printed command installs nothing that fixes it
(1 of 1 pip hints wrong). ``skillevo export 'skills[old]'`` said ``exported N skill(s) to skills``,
and the demo's list of written paths lost ``[...]`` of an ``--out`` folder the same way (2 of 2
bracketed paths wrong). Now every such line is printed as plain text."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from skillevo import SkillLibrary, Strategy, Trigger, TriggerKind, VersionStatus
from skillevo.cli import main


def test_export_names_a_bracketed_folder_as_given(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "lib.db"
    with SkillLibrary(str(db)) as lib:
        lib.add_skill("iso-dates", Trigger(kind=TriggerKind.TOOL_ERROR, tool="book"),
                      Strategy(guidance="Write dates as YYYY-MM-DD."), status=VersionStatus.ACTIVE)
    out = tmp_path / "skills[old]"
    assert main(["export", str(out), "--db", str(db)]) == 0
    assert f"to {out}" in " ".join(capsys.readouterr().out.split())


def test_the_demo_without_matplotlib_names_the_extra_that_installs_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any, **kwargs: Any) -> Any:
        return None if name == "matplotlib" else real(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    out = tmp_path / "demo[bracket]"
    assert main(["demo", "--episodes", "10", "--out", str(out)]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert "pip install 'skillevo[demo]'" in printed
    assert str(out / "demo-skills.db") in printed
