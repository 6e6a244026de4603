"""Held-back code skills cannot starve another of its shadow evidence (attack38).

Under ``review="required"`` the shadow runs of unapproved code skills share one time budget per
episode (`shadow_budget_s`), spent first come, first served, in the order the skills fire (by name).
Two imported code skills named to come first, each answering just under the budget's share (0.15 s
of a 0.25 s budget: never slow enough to be set aside), spent it on every failed call, and the
honest code skill waiting beside them was never run: 0 shadow runs and 0 wins in 10 episodes, so
its reviewer never saw evidence, whatever it was worth. Now a version that has had more shadow
time than one the budget left out yields its turn to it: the honest skill is run and wins.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from skillevo import Evolver, Sandbox, SkillLibrary, VersionStatus
from skillevo._models import Strategy, Trigger, TriggerKind
from skillevo._shadow import shadow_evidence

sys.path.insert(0, str(Path(__file__).parent))  # the scripted agent of test_review_gating
from test_review_gating import CFG, TOOL, run_agent

HONEST = "def repair(tool, args, error):\n    d, m, y = args['date'].split('/')\n    return {'date': f'{y}-{m}-{d}'}\n"
GREEDY = "def repair(tool, args, error):\n    return None  # greedy {}\n"


class _Sandbox(Sandbox):
    """Greedy skills take 0.15 s and change nothing; the honest one writes the ISO date at once."""

    def __init__(self) -> None:
        self.runs = {"greedy": 0, "honest": 0}

    def run_repair(self, code: str, tool: str, args: dict[str, Any], error: str) -> dict[str, Any] | None:
        if "# greedy" in code:
            self.runs["greedy"] += 1
            time.sleep(0.15)
            return None
        self.runs["honest"] += 1
        d, m, y = args["date"].split("/")
        return {"date": f"{y}-{m}-{d}"}


def test_greedy_held_back_code_skills_do_not_starve_an_honest_one() -> None:
    with SkillLibrary(":memory:") as lib:
        for name, code in (("aa-0", GREEDY.format(0)), ("aa-1", GREEDY.format(1)), ("zz-honest", HONEST)):
            lib.add_skill(name, Trigger(kind=TriggerKind.TOOL_ERROR, tool=TOOL), Strategy(code=code),
                          status=VersionStatus.TESTING)
        sandbox = _Sandbox()
        evo = Evolver(lib, miner=None, seed=4, lifecycle=CFG, review="required", sandbox=sandbox, null_arm=False,
                      shadow_budget_s=0.25)
        t = run_agent(evo, 10)
        assert t.changed == 0  # nothing unapproved changed a call
        honest = lib.skill("zz-honest").versions[0]
        assert sandbox.runs["honest"] >= 3, sandbox.runs
        assert shadow_evidence(lib, honest).wins >= 3
        # The episode's shadow time stays bounded: at most one run past the budget in each episode.
        assert sandbox.runs["greedy"] <= 2 * 10
