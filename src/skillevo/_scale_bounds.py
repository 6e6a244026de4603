"""A proven scale repair reaches the values its argument's declared maximum rules out.

A scale edit (`_scale`) is mined from corrections and keeps the decades the corrected values lay in:
a percent sent for a fraction (``85`` for ``0.85``) is rescaled only where the result lands in those
decades, so ``5`` (5 %, ``0.05``) stays as sent when the corrections were all above 10 %. Where the
tool's schema declares a ``maximum`` for the argument, a number above it cannot be meant as sent: the
power of ten the corrections proved for that tool and argument brings it into range, the one reading
they showed. So a scale that divides (a percent, a per mille) is widened, when the proposal is made,
to every result between the declared maximum over that power of ten and the maximum (for
``maximum: 1`` and per cent: 0.01 to 1). A value the schema takes stays as sent, as before. A scale
that multiplies (units for cents) is not widened: the values it rescales lie below the learned
decades, and a declared minimum says nothing of a number sent in the larger unit (12.5 dollars is a
valid-looking 12.5 cents). Nor is one whose declared maximum lies above the learned top decade: the
values over it were never a corrected source, so the tool's refusal stands
(`tests/test_attack_scale_far_maximum.py`)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ._mining import Proposal
from ._models import CoerceArg

__all__ = ["within_declared"]


def within_declared(proposal: Proposal, schema: Mapping[str, Any] | None) -> Proposal:
    """`proposal` with each dividing scale edit of a top-level argument widened to the range its
    declared ``maximum`` proves (`schema`: its tool's declared schema; None: none declared)."""
    repair = proposal.strategy.repair
    props = schema.get("properties") if isinstance(schema, Mapping) else None
    if repair is None or not isinstance(props, Mapping):
        return proposal
    ops = [_widened(op, props.get(getattr(op, "arg", ""))) for op in repair.ops]
    if ops == list(repair.ops):
        return proposal
    strategy = proposal.strategy.model_copy(update={"repair": repair.model_copy(update={"ops": ops})})
    return proposal.model_copy(update={"strategy": strategy})


def _widened(op: Any, declared: Any) -> Any:
    if not isinstance(op, CoerceArg) or op.scale is None or op.scale > 0 or op.within is None:
        return op
    top = declared.get("maximum") if isinstance(declared, Mapping) else None
    if isinstance(top, bool) or not isinstance(top, int | float) or not 0 < top < 1e15:
        return op
    lo, hi = op.within
    if not math.isclose(top, hi):
        # below: the declaration and the corrections disagree. Above: the values the widening would
        # rescale (over the maximum) lie decades past every corrected source, a reading no correction
        # showed (a 2,500,000 payment over a 1,000,000 limit is not 25,000 meant in cents).
        return op
    return op.model_copy(update={"within": (min(lo, top * 10.0**op.scale), float(top))})
