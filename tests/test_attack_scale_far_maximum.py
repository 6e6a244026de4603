"""A declared maximum far above the decades a dividing scale was proven in must not stretch the scale
to values no correction resembled: a payment tool taking at most 1,000,000 whose agent sent cents for
units three times (12,500 -> 125, ...) learned a ÷100 for results in 100-1,000. Widened to the whole
declared range, a request for 2,500,000 (over the limit; the tool would refuse it) went out as a
payment of 25,000, an amount nobody asked for. The declaration only closes the learned range from
above where the maximum lies in the learned top decade (a fraction: at most 1), so values above it are
the ones the corrections' sources were."""

from __future__ import annotations

from skillevo._mining import Proposal
from skillevo._models import ArgCondition, CoerceArg, Repair, Strategy, Trigger, TriggerKind
from skillevo._repair import apply_repair
from skillevo._scale_bounds import within_declared

_CENTS = Repair(ops=[CoerceArg(arg="amount", to="float", scale=-2, within=(100.0, 1000.0))],
                precondition=[ArgCondition(arg="amount", type="int")])


def _proposal() -> Proposal:
    return Proposal(name="pay-units", trigger=Trigger(kind=TriggerKind.TOOL_ERROR, tool="pay"),
                    strategy=Strategy(repair=_CENTS))


def test_a_value_far_above_the_proven_decades_is_left_to_the_tool() -> None:
    schema = {"properties": {"amount": {"type": "number", "minimum": 0, "maximum": 1_000_000}}}
    repair = within_declared(_proposal(), schema).strategy.repair
    assert repair is not None
    assert apply_repair(repair, {"amount": 12_500}) == {"amount": 125.0}  # the proven reading stands
    assert apply_repair(repair, {"amount": 2_500_000}) == {"amount": 2_500_000}
    assert apply_repair(repair, {"amount": 50_000_000}) == {"amount": 50_000_000}
