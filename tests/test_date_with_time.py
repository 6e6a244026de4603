"""A date with its time of day written another way (``"03/14/2026 09:30"`` for
``"2026-03-14T09:30:00"``).

The date formats the miner reads had no time of day but ISO 8601's, so such a correction was learned
as nothing (held-out clinic world through CrewAI, h/heldout9: 0.06 errors per test episode). Formats
with the time to the minute are read now; the day and month of a numeric date are swapped only when
a correction proves which comes first, as for dates alone.
"""

from __future__ import annotations

from skillevo._models import ReformatDate
from skillevo._repair import apply_repair, precondition_holds, synthesize
from skillevo._repair_dates import date_mapping_proven


def test_a_month_first_date_and_time_is_rewritten_in_iso_8601() -> None:
    pairs = [({"slot": "03/14/2026 09:30"}, {"slot": "2026-03-14T09:30:00"})]
    repair = synthesize(pairs)
    assert repair is not None
    (op,) = repair.ops
    assert isinstance(op, ReformatDate) and op.from_format == "%m/%d/%Y %H:%M", op
    assert apply_repair(repair, {"slot": "12/25/2026 18:05"}) == {"slot": "2026-12-25T18:05:00"}
    assert not precondition_holds(repair, {"slot": "2026-12-25T18:05:00"})


def test_a_date_whose_day_and_month_agree_proves_no_order() -> None:
    op = ReformatDate(arg="slot", from_format="%d/%m/%Y %H:%M", to_format="%Y-%m-%dT%H:%M:%S")
    assert not date_mapping_proven(op, [({"slot": "05/05/2026 10:00"}, {"slot": "2026-05-05T10:00:00"})])
    assert date_mapping_proven(op, [({"slot": "14/03/2026 10:00"}, {"slot": "2026-03-14T10:00:00"})])


def test_a_space_for_the_t_is_read_too() -> None:
    repair = synthesize([({"slot": "2026-03-14 09:30"}, {"slot": "2026-03-14T09:30:00"})])
    assert repair is not None and apply_repair(repair, {"slot": "2026-07-01 23:59"}) == {"slot": "2026-07-01T23:59:00"}
