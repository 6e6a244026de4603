"""A failed call whose arguments did not parse (broken JSON, a list where an object goes) is recorded
with the arguments as far as they parsed (``record_tool_error(..., unparsed=True)``). Its correction
is no evidence of what to change: the values the model sent were never read, so every value of the
corrected call would read as a constant it "set" (before 2026-12-08 the rule miner learned
``SetArg(city="Oslo")``, ``SetArg(date="2025-03-04")`` from such pairs: one customer's values, a
repair applied to every later call missing them). The same pair with its arguments parsed is a
correction as before."""

from __future__ import annotations

from typing import Any

import pytest

from skillevo import Evolver, RuleMiner, SetArg, SkillLibrary
from skillevo.adapters import record_tool_error

FIX = {"date": "2025-03-04", "city": "Oslo"}


def _set_values(unparsed: bool, sent: dict[str, Any]) -> list[tuple[str, Any]]:
    """The values learned repairs set, after two episodes of the same mistake and correction."""
    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, seed=0, miner=RuleMiner(), review="auto")
        for _ in range(2):
            with evo.episode(task="book a trip") as ep:
                ep.before_tool("book", dict(sent))
                record_tool_error(ep, "book", dict(sent), ValueError("Error: missing city"), unparsed=unparsed)
                ep.before_tool("book", dict(FIX))
                ep.on_tool_result("book", dict(FIX), "booked")
                ep.finish(reward=1.0)
        proposals = RuleMiner().mine(lib.events(), lib)
        strategies = [v.strategy for s in lib.skills() for v in s.versions] + [p.strategy for p in proposals]
    return [(op.arg, op.value) for st in strategies if st.repair for op in st.repair.ops if isinstance(op, SetArg)]


@pytest.mark.parametrize("sent", [{}, {"date": "2025-03-04"}], ids=["nothing parsed", "a reply cut off"])
def test_a_correction_of_unparsed_arguments_teaches_no_value(sent: dict[str, Any]) -> None:
    assert _set_values(True, sent) == []


def test_the_same_correction_of_parsed_arguments_is_still_learned() -> None:
    # the control: a call that really left `city` out, corrected alike in two episodes
    assert ("city", "Oslo") in _set_values(False, {"date": "2025-03-04"})
