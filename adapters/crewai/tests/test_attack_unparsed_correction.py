"""Arguments CrewAI cannot parse (native arguments that are not JSON, a ReAct ``Action Input`` that is
no object), then the model's corrected call: the failed call is recorded with the arguments as far as
they parse, which are not what the model meant, so the pair is no correction of values. Before
2026-12-08 the rule miner learned the corrected call's values as constants from it (a repair setting
``city="Oslo"`` and ``date="2025-03-04"`` on every later call missing them: one request's data)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from crewai import Crew, Task

from skillevo import Evolver, RuleMiner, SetArg, SkillLibrary
from skillevo_crewai import evolving

sys.path.insert(0, str(Path(__file__).parent))
from test_attack_rejected_calls import _agent


@pytest.mark.parametrize("path", ["native-broken-json", "react-arguments-not-an-object"])
def test_a_correction_of_unparsable_arguments_teaches_no_constant(path: str) -> None:


    with SkillLibrary(":memory:") as lib:
        with evolving(Evolver(lib, miner=RuleMiner()), reward=lambda out: 1.0) as ev:
            for _ in range(3):
                agent = _agent(path)
                crew = Crew(agents=[agent], tasks=[Task(description="Book Oslo.", expected_output="ok", agent=agent)])
                assert ev(crew).kickoff().raw == "booked"
        sets = [
            (op.arg, op.value)
            for skill in lib.skills()
            for version in skill.versions
            if version.strategy.repair
            for op in version.strategy.repair.ops
            if isinstance(op, SetArg)
        ]
    assert sets == []
