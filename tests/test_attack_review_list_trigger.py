"""`skillevo review list` says where each waiting version applies (attack15).

The list showed a version's id, its evidence and its strategy, never its trigger: a reviewer approving
``pay-fill-currency@1`` from it read a fix for ``pay`` while the folder's trigger was ``*`` (every
tool's failures) or a task pattern, and approval is what lets such an import act. Each row now
starts its strategy with the trigger in words ("applies: when a call of any tool fails"), and the
JSON carries the trigger.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skillevo import SkillLibrary
from skillevo.cli import main

REPAIR = {"ops": [{"op": "set", "arg": "currency", "value": "EUR"}],
          "precondition": [{"arg": "currency", "present": False}]}


def _import(tmp_path: Path, tool: str) -> str:
    folder = tmp_path / "in" / "pay-fill-currency"
    folder.mkdir(parents=True)
    body = "# fill\n\n## Strategy\n\nFill the currency.\n"
    (folder / "SKILL.md").write_text(f"---\nname: pay-fill-currency\ndescription: d\n---\n{body}")
    data = {"format": "skillevo.skill/1", "name": "pay-fill-currency",
            "trigger": {"kind": "tool_error", "tool": tool}, "strategy": {"repair": REPAIR}}
    (folder / "skillevo.json").write_text(json.dumps(data))
    path = tmp_path / "lib.db"
    with SkillLibrary(path) as lib:
        lib.import_skills(tmp_path / "in", sandbox=None)
    return str(path)


@pytest.mark.parametrize(("tool", "words"), [("*", "any tool"), ("pa*", "tools matching pa*"), ("pay", "tool pay")])
def test_review_list_shows_where_a_waiting_version_applies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tool: str, words: str
) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    db = _import(tmp_path, tool)
    assert main(["review", "list", "--db", db]) == 0
    out = " ".join(capsys.readouterr().out.replace("│", " ").split())
    assert f"applies: when a call of {words} fails" in out
    assert main(["review", "list", "--json", "--db", db]) == 0
    [row] = json.loads(capsys.readouterr().out)["pending"]
    assert row["trigger"] == {"kind": "tool_error", "tool": tool}


def test_a_long_pattern_does_not_push_the_repair_out_of_the_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    folder = tmp_path / "in" / "pay-fill-currency"
    folder.mkdir(parents=True)
    (folder / "SKILL.md").write_text("---\nname: pay-fill-currency\ndescription: d\n---\n# f\n\n## Strategy\n\nx\n")
    trigger = {"kind": "tool_error", "tool": "pay", "pattern": "currency " + "(missing|absent) " * 40}
    data = {"format": "skillevo.skill/1", "name": "pay-fill-currency", "trigger": trigger,
            "strategy": {"repair": REPAIR}}
    (folder / "skillevo.json").write_text(json.dumps(data))
    path = tmp_path / "lib.db"
    with SkillLibrary(path) as lib:
        lib.import_skills(tmp_path / "in", sandbox=None)
    assert main(["review", "list", "--db", str(path)]) == 0
    out = "".join(capsys.readouterr().out.replace("│", " ").split())
    assert '"value":"EUR"' in out
