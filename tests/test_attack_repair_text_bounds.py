"""A declarative repair's texts are bounded, so a repair cannot amplify a call (attack35).

`ReformatDate`'s formats and `Strip`'s characters had no length bound in the model: an imported
folder (or a model's answer to `LLMMiner`) could carry a ``to_format`` of 200,000 characters, and each
repaired call then sent the tool a date argument of 2.4 MB (``"%c"`` is two characters written as 24).
Now the model refuses a format past `DATE_FORMAT_MAX_CHARS` and characters past `STRIP_MAX_CHARS`;
a version stored before the bound still reads back (nothing recorded is lost) and is never applied.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from pydantic import ValidationError

from skillevo import Evolver, SkillFormatError, SkillLibrary, Strategy, Trigger, TriggerKind, VersionStatus
from skillevo._models import DATE_FORMAT_MAX_CHARS, STRIP_MAX_CHARS, ReformatDate, Repair, Strip

HUGE = "%c" * 100_000


@pytest.mark.parametrize(
    "op",
    [
        {"op": "reformat_date", "arg": "date", "to_format": HUGE},
        {"op": "reformat_date", "arg": "date", "from_format": "%Y-%m-%d" + " " * 100_000, "to_format": "%Y"},
        {"op": "strip", "arg": "date", "chars": "ab" * 100_000},
    ],
)
def test_a_repair_text_past_its_bound_is_refused(op: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Repair.model_validate({"ops": [op]})


def test_the_bounds_leave_every_format_skillevo_mines() -> None:
    from skillevo._repair_dates import DATE_FORMATS

    for fmt in DATE_FORMATS:
        ReformatDate(arg="d", from_format=fmt, to_format=fmt)
    Strip(arg="s", chars=" \t.,;:-_/\\\"'()[]{}")
    assert max(map(len, DATE_FORMATS)) <= DATE_FORMAT_MAX_CHARS and STRIP_MAX_CHARS >= 32


def test_an_import_carrying_a_huge_format_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "dates"
    folder.mkdir()
    (folder / "SKILL.md").write_text("---\nname: dates\ndescription: d\n---\n# dates\n\n## Strategy\n\nDo it.\n")
    data = {"format": "skillevo.skill/1", "name": "dates", "trigger": {"kind": "tool_error", "tool": "book"},
            "strategy": {"repair": {"ops": [{"op": "reformat_date", "arg": "date", "to_format": HUGE}]}}}
    (folder / "skillevo.json").write_text(json.dumps(data))
    lib = SkillLibrary(":memory:")
    with pytest.raises(SkillFormatError) as caught:
        lib.import_skills(tmp_path, sandbox=None)
    assert "\n" not in str(caught.value) and len(str(caught.value)) < 500
    assert lib.skills() == []


def test_a_stored_version_past_the_bound_reads_back_and_changes_no_call(tmp_path: Path) -> None:
    path = tmp_path / "lib.db"
    with SkillLibrary(path) as lib:
        lib.add_skill("dates", Trigger(kind=TriggerKind.TOOL_ERROR, tool="book"),
                      Strategy(repair=Repair(ops=[ReformatDate(arg="date", to_format="%Y")])),
                      status=VersionStatus.ACTIVE)
    # Written by a release without the bound: the row holds the huge format.
    db = sqlite3.connect(path)
    (strategy,) = db.execute("SELECT strategy FROM versions").fetchone()
    stored = json.loads(strategy)
    stored["repair"]["ops"][0]["to_format"] = HUGE
    db.execute("UPDATE versions SET strategy = ?", (json.dumps(stored),))
    db.commit()
    db.close()
    with SkillLibrary(path) as lib:
        (version,) = lib.skill("dates").versions  # still readable
        assert version.strategy.repair is not None
        evo = Evolver(lib, sandbox=None, miner=None, null_arm=False)
        with evo.episode(task="book a room") as ep:
            args = ep.before_tool("book", {"date": "2026-01-02"})
            retry = ep.on_tool_error("book", args, ValueError("date: bad format"))
            ep.finish(reward=0.0)
    assert retry is None or len(json.dumps(retry)) < 1000
