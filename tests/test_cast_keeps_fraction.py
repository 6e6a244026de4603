"""A cast to an integer learned on whole numbers never cuts a fraction off.

A correction of ``72.0`` to ``72`` is a lossless cast, and was learned as ``coerce`` to int on
floats; applied to ``75.5`` it sent ``75`` and the tool accepted it (held-out clinic world through
CrewAI, h/heldout9: 0 / 6 / 21 test calls per seed, 1 / 9 / 14 in training, succeeded with
another weight or temperature, ``7.5`` recorded as ``7``). A value the cast would round is now
left as it is, as a cast that reads a unit already did (``"75.5 kg"`` under an int cast).
"""

from __future__ import annotations

import math

from skillevo._models import CoerceArg, Repair
from skillevo._repair import apply_repair, precondition_holds, synthesize


def test_a_cast_learned_on_whole_floats_leaves_a_fraction_alone() -> None:
    repair = synthesize([({"litres": 72.0, "tank": "A"}, {"litres": 72, "tank": "A"})])
    assert repair is not None
    (op,) = repair.ops
    assert isinstance(op, CoerceArg) and op.to == "int", op
    assert apply_repair(repair, {"litres": 40.0}) == {"litres": 40}
    for value in (75.5, 0.25, -3.5, 1e-9):
        assert precondition_holds(repair, {"litres": value})
        assert apply_repair(repair, {"litres": value}) == {"litres": value}, value
    for value in (math.nan, math.inf):
        assert apply_repair(repair, {"litres": value})["litres"] is value


def test_a_text_with_a_fraction_is_not_cut_either() -> None:
    repair = Repair(ops=[CoerceArg(arg="n", to="int")])
    assert apply_repair(repair, {"n": "36"}) == {"n": 36}
    assert apply_repair(repair, {"n": "36.0"}) == {"n": 36}
    assert apply_repair(repair, {"n": "7.25"}) == {"n": "7.25"}
