"""A mined fix lives under the trigger it was mined with, whatever skill already has its name (attack13).

The miners name a proposal from its tool, error class and arguments (``pay-missing-arg-currency``),
so an imported folder can take that name first, with a trigger of its own: one that never fires (a
``task_pattern`` or error ``pattern`` no call meets), or one on every tool (``tool: "*"``). The
library's own fix, mined later, was stored as a new version of that skill (`_admission._store`),
under the import's trigger, not its own: 2 of 2 squatted names (a silent trigger: the honest repair
never acted, and any later proposal of it was refused as a duplicate; a glob: the repair learned on
``pay`` fired on every tool). Now a proposal whose name is held by a skill with another trigger is
stored as a skill of its own, under its own trigger.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from skillevo import Evolver, SkillLibrary

SQUATS: dict[str, dict[str, Any]] = {
    "a trigger that never fires": {"kind": "tool_error", "tool": "pay", "task_pattern": "^never-a-task-zzz$"},
    "a trigger on every tool": {"kind": "tool_error", "tool": "*"},
}


def _folder(root: Path, name: str, trigger: dict[str, Any]) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "SKILL.md").write_text(f"---\nname: {name}\ndescription: d\n---\n# {name}\n\n## Strategy\n\nCheck it.\n")
    data = {"format": "skillevo.skill/1", "name": name, "trigger": trigger, "strategy": {"guidance": "Check it."}}
    (folder / "skillevo.json").write_text(json.dumps(data))
    return folder


@pytest.mark.parametrize("squat", sorted(SQUATS))
def test_a_mined_fix_is_stored_under_its_own_trigger(tmp_path: Path, squat: str) -> None:
    lib = SkillLibrary(":memory:")
    evo = Evolver(lib, seed=0, mining="inline")
    # What the miner will call its fix, learned the first time on a library of its own.
    probe = SkillLibrary(":memory:")
    _episodes(Evolver(probe, seed=0, mining="inline"), 3)
    names = {s.name for s in probe.skills() if any(v.strategy.repair for v in s.versions)}
    assert names, "the honest fix is mined"
    for name in names:
        lib.import_skills(_folder(tmp_path, name, SQUATS[squat]), sandbox=None)
    _episodes(evo, 3)
    mined = [(s, v) for s in lib.skills() for v in s.versions if v.strategy.repair is not None]
    assert mined, "the fix is still mined"
    for skill, _ in mined:
        assert skill.trigger.tool == "pay" and skill.trigger.task_pattern is None, (skill.name, skill.trigger)
    probe.close()
    lib.close()


def _episodes(evo: Evolver, n: int) -> None:
    for i in range(n):
        with evo.episode(task=f"pay {i}") as ep:
            bad = {"invoice": f"C{i}", "amount": 10}
            sent = ep.before_tool("pay", dict(bad))
            ep.on_tool_error("pay", sent, ValueError("Error: currency is required"))
            again = ep.before_tool("pay", {**bad, "currency": "EUR"})
            ep.on_tool_result("pay", again, {"ok": True})
            ep.finish(reward=1.0)
