"""A date re-format learned from one order reaches the other order on the same argument when the date
reads one way only: an agent that writes US dates (``02/27/2026``) for an argument also writes, now
and then, the day first (``27.02.2026``, ``27/02/2026``), and a re-format learned from ``%m/%d/%Y``
never fired on those (each failed, its fix a model turn). A day above 12 makes the conversion
lossless; a date whose day and month read both ways (``03.04.2026``) is left to the argument's own
corrections."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest

from skillevo import Evolver, SkillLibrary
from skillevo._models import ArgCondition, ReformatDate, Repair
from skillevo._transfer_dates import other_orders

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def visit(**args: Any) -> Any:
    """A clinic's booking desk: `arrive_date` takes YYYY-MM-DD only."""
    if not _ISO.match(str(args.get("arrive_date"))):
        return {"error": f"invalid arrive_date {args.get('arrive_date')}: expected YYYY-MM-DD"}
    return {"ok": True}


def _call(ep: Any, args: dict[str, Any]) -> bool:
    """One call as an agent makes it (an offered retry taken); True when its first send succeeded."""
    sent = ep.before_tool("visit_book", args)
    result = visit(**sent)
    if not ep.on_tool_result("visit_book", sent, result):
        return True
    retry = ep.on_tool_error("visit_book", sent, result)
    if retry is not None:
        ep.on_tool_result("visit_book", retry, visit(**retry))
    return False


def test_a_us_date_reformat_reaches_the_day_first_dates_of_its_argument(lib: SkillLibrary) -> None:
    evo = Evolver(lib, seed=3, cache_ttl_s=float("inf"), null_arm=False, mining="inline")
    evo.register_tools({"visit_book": {"properties": {"patient": {"type": "string"},
                                                      "arrive_date": {"type": "string"}}}})
    for i, day in enumerate(dt.date(2025, 3, d) for d in (14, 15, 16, 17, 18, 19)):
        with evo.episode(task=f"us {i}") as ep:
            if not _call(ep, {"patient": "P1", "arrive_date": day.strftime("%m/%d/%Y")}):
                _call(ep, {"patient": "P1", "arrive_date": day.isoformat()})
            ep.finish(reward=1.0)
    firsts = []
    for i, text in enumerate(("27.02.2026", "23/02/2026", "20-02-2026")):
        with evo.episode(task=f"eu {i}") as ep:
            firsts.append(_call(ep, {"patient": "P2", "arrive_date": text}))
            ep.finish(reward=1.0)
    assert all(firsts), firsts
    for text in ("03.04.2026", "03-04-2026", "27.02.26"):  # two readings; a two-digit year
        with evo.episode(task="ambiguous") as ep:
            sent = ep.before_tool("visit_book", {"patient": "P3", "arrive_date": text})
        assert sent["arrive_date"] == text


def test_the_other_orders_of_a_reformat() -> None:
    us = Repair(ops=[ReformatDate(arg="d", from_format="%m/%d/%Y")], precondition=[ArgCondition(arg="d", regex="x")])
    wider = other_orders(us)
    assert wider is not None
    [op] = wider.ops
    assert isinstance(op, ReformatDate) and op.from_format is None and op.to_format == "%Y-%m-%d"
    from skillevo._repair import apply_repair

    assert apply_repair(wider, {"d": "27.02.2026"}) == {"d": "2026-02-27"}
    # not a day-first date that reads both ways, not the source's own shape, not a two-digit year
    from skillevo._repair_conds import precondition_holds

    for text in ("03.04.2026", "02/27/2026", "27.02.26", "2026-02-27"):
        assert not precondition_holds(wider, {"d": text}), text
    # no order to widen: a format of words, or a two-digit year
    assert other_orders(Repair(ops=[ReformatDate(arg="d", from_format="%d %b %Y")])) is None
    assert other_orders(Repair(ops=[ReformatDate(arg="d", from_format="%m/%d/%y")])) is None
