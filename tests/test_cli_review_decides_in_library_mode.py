"""``skillevo review approve|reject`` decides in the library's own review mode.

The CLI built its lifecycle with ``review="required"`` whatever the library's mark. A decision starts
the skill's next waiting candidate (`Lifecycle._start_next`), and under ``required`` that includes an
import this library holds no evidence for (it starts in shadow there). On a library run ``auto`` such
an import waits as a candidate (docs/review.md): started by the CLI it held the skill's test slot,
applied to no call and was never credited, so the skill's own later candidates waited behind it
(1 of 1 rejections on an ``auto`` library started it). The listing still shows every version under
test and every unapproved active one in any mode.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from skillevo import Event, EventKind, SkillLibrary, Strategy, Trigger, TriggerKind, VersionStatus
from skillevo._models import MapValue, Repair
from skillevo._probation import IMPORT_MINER
from skillevo._review_mode import REVIEW_MODE_KEY
from skillevo.cli import main


def _library(path: Path) -> tuple[str, str]:
    """A skill under test and, behind it, an imported repair this library has no evidence for."""
    with SkillLibrary(path) as lib:
        trigger = Trigger(kind=TriggerKind.TOOL_ERROR, tool="pay")
        testing = lib.add_skill(
            "fix-pay", trigger, Strategy(repair=Repair(ops=[MapValue(arg="s", mapping={"a": "b"})])),
            status=VersionStatus.TESTING,
        )
        held = lib.add_version(
            "fix-pay", Strategy(repair=Repair(ops=[MapValue(arg="s", mapping={"c": "d"})])),
            status=VersionStatus.CANDIDATE,
        )
        lib.log_events([Event(kind=EventKind.PROPOSAL, version_id=held.id, data={"miner": IMPORT_MINER})])
        return testing.id, held.id


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_a_decision_on_an_auto_library_leaves_a_held_import_waiting(
    decision: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "lib.db"
    testing, held = _library(db)
    assert main(["review", decision, testing, "--reason", "checked", "--db", str(db)]) == 0
    with SkillLibrary(db) as lib:
        assert lib.version(held).status is VersionStatus.CANDIDATE  # waits for evidence or a person
        assert lib.get_meta(REVIEW_MODE_KEY) is None  # the decision did not gate the library either
    capsys.readouterr()
    # ... and the list still offers it to a person.
    assert main(["review", "list", "--json", "--db", str(db)]) == 0
    assert held in capsys.readouterr().out


def test_a_decision_on_a_required_library_starts_the_import_in_shadow(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    testing, held = _library(db)
    with SkillLibrary(db) as lib:
        lib.set_meta(REVIEW_MODE_KEY, "required")
    assert main(["review", "reject", testing, "--reason", "wrong", "--db", str(db)]) == 0
    with SkillLibrary(db) as lib:
        assert lib.version(held).status is VersionStatus.TESTING  # where a reviewer sees what it would do
