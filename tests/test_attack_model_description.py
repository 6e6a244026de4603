"""A model's description reaches no agent through an export (attack17).

`LLMMiner`'s answer names the skill's ``description``; a model that copied a tool error's order
wrote it there, beside a repair and no guidance. Only a guidance's words carry the model's flag
(`skillevo._probation.MODEL_TEXT`), so the repair won its test, the skill went active, and
``skillevo export`` wrote the order as the SKILL.md ``description:`` that CrewAI's native skills
and deepagents put in the agent's prompt (1 of 1 exports before). The library now writes a model
proposal's description itself, from its trigger: the model's words go nowhere but its held guidance.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from skillevo import Evolver, SkillLibrary
from skillevo._grpo import skill_generator_rows

sys.path.insert(0, str(Path(__file__).parent))
from test_attack_model_guidance import ORDERS, LLMMiner, _run

FILL = {"ops": [{"op": "set", "arg": "currency", "value": "EUR"}],
        "precondition": [{"arg": "currency", "present": False}]}


@pytest.mark.parametrize("order", ORDERS[:2])
def test_a_models_description_is_in_no_export(order: str, tmp_path: Path) -> None:
    answer = json.dumps({"name": "refund-policy", "description": order,
                         "trigger": {"kind": "tool_error", "tool": "refund"}, "strategy": {"repair": FILL}})
    lib = SkillLibrary(str(tmp_path / "lib.db"))
    evo = Evolver(lib, seed=0, review="auto", miner=LLMMiner(lambda _prompt: answer), sandbox=None)
    _, first_ok = _run(evo, order, 40)
    assert first_ok > 20  # the model's repair went active and acted
    written = lib.export_skills(tmp_path / "skills")
    assert written  # the skill is in use: exported
    texts = [p.read_text() for p in (tmp_path / "skills").rglob("*") if p.is_file()]
    assert texts and all(order not in t for t in texts)
    assert all(order not in row["completion"] for row in skill_generator_rows(lib))
    [skill] = lib.skills()
    assert "refund" in skill.description  # the library's own words, from the trigger
    lib.close()
