"""A model's held words are no training target of the GRPO ``skill_generator`` dataset (attack17).

`LLMMiner` copied a tool error's order into its guidance; the words are held from every prompt
until a person approves them (`skillevo._probation.text_unvouched`), and its repair beside them won
its test. The export's ``skill_generator`` rows (what trains the miner's model to write skills) had
that version's completion, the order word for word, with a positive score (1 of 1 rows, score 1.73):
training the miner on it teaches it to copy a tool's orders as lessons, which no person approved.
A version whose words are held now gives no row; once a person approves it, it does.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from skillevo import Evolver, SkillLibrary
from skillevo._grpo import export_grpo, skill_generator_rows

sys.path.insert(0, str(Path(__file__).parent))
from test_attack_model_guidance import ORDERS, LLMMiner, _answer, _run

FILL = {"ops": [{"op": "set", "arg": "currency", "value": "EUR"}],
        "precondition": [{"arg": "currency", "present": False}]}


def test_a_models_held_words_are_no_generator_row_until_a_person_approves(tmp_path: Path) -> None:
    order = ORDERS[0]
    lib = SkillLibrary(str(tmp_path / "lib.db"))
    evo = Evolver(lib, seed=0, review="auto", miner=LLMMiner(lambda _prompt: _answer(order, FILL)), sandbox=None)
    shown, first_ok = _run(evo, order, 40)
    assert shown == 0 and first_ok > 20  # the repair acted, the words stayed out of the prompts
    rows = skill_generator_rows(lib)
    assert all(order not in row["completion"] for row in rows), rows
    export_grpo(lib, tmp_path / "out")
    written = (tmp_path / "out" / "skill_generator.jsonl").read_text()
    assert order not in written
    [skill] = lib.skills()
    [version] = skill.versions
    evo.lifecycle.approve(version.id, "read it", actor="alice")
    [row] = skill_generator_rows(lib)
    assert order in json.loads(row["completion"])["strategy"]["guidance"]
    lib.close()
