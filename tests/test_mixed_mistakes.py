"""One argument, two habits: the corrections of the habit a general rule explains are learned as that
rule, not folded with the other habit's into a value map of the instances seen."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from skillevo._models import MapValue
from skillevo._repair import RepairError, apply_repair, precondition_holds

sys.path.insert(0, str(Path(__file__).parent))  # the corrections harness of test_mining
from test_mining import _correct_in_turn

ERROR = "Error: no account matches that id"


def _repairs(corrections: list[tuple[dict[str, Any], dict[str, Any]]]) -> list[Any]:
    return [p.strategy.repair for p in _correct_in_turn(corrections, ERROR, tool="open_account")
            if p.strategy.repair is not None]


def test_a_case_mistake_among_other_mistakes_of_the_same_argument_is_learned_as_a_case_rule() -> None:
    # The id lower-cased, or written without its separator and padding: two habits, one message.
    corrections = [({"account": "AC7", "n": 1}, {"account": "AC-0007", "n": 1}),
                   ({"account": "AC31", "n": 2}, {"account": "AC-0031", "n": 2}),
                   ({"account": "ac-0412", "n": 3}, {"account": "AC-0412", "n": 3})]
    (repair,) = _repairs(corrections)
    assert not any(isinstance(op, MapValue) for op in repair.ops)
    # An id never corrected, with the case mistake: repaired before it fails.
    assert precondition_holds(repair, {"account": "ac-0999", "n": 4})
    assert apply_repair(repair, {"account": "ac-0999", "n": 4}) == {"account": "AC-0999", "n": 4}
    # The other habit's ids are left as they are (the rule does not explain them).
    assert not precondition_holds(repair, {"account": "AC5", "n": 5})


def test_a_rule_that_would_change_another_correction_otherwise_is_refused() -> None:
    # Upper-casing "ab-1" gives "AB-1", but that correction said "ZZ-1": the corrections disagree about
    # what the case rule would do, so no case rule; the newest is left to a value map (or nothing).
    corrections = [({"account": "ab-1", "n": 1}, {"account": "ZZ-1", "n": 1}),
                   ({"account": "cd-2", "n": 2}, {"account": "CD-2", "n": 2})]
    for repair in _repairs(corrections):
        assert apply_repair(repair, {"account": "ab-1", "n": 1}) != {"account": "AB-1", "n": 1}


def test_dates_in_both_orders_on_one_argument_teach_no_order() -> None:
    # The model wrote this argument month-first once and day-first once (each unambiguous): which
    # order a date like 03/04 is in is unproven, so no rule may read it either way.
    corrections = [({"day": "07/21/2031", "n": 1}, {"day": "2031-07-21", "n": 1}),
                   ({"day": "19/07/2031", "n": 2}, {"day": "2031-07-19", "n": 2})]
    for repair in _repairs(corrections):
        if not precondition_holds(repair, {"day": "03/04/2031", "n": 3}):
            continue  # a rule kept to the dates its corrections prove (a day above 12) reads none of 03/04
        try:
            out = apply_repair(repair, {"day": "03/04/2031", "n": 3})
        except RepairError:
            continue
        assert out == {"day": "03/04/2031", "n": 3}, repair
