"""A date re-format that names no format never guesses the order of a date that reads two ways
(attack33).

``reformat_date`` without ``from_format`` tries the common formats in turn, day-first before
month-first: a model that read "expected YYYY-MM-DD" proposes just that (no format is needed to name
the target), the proposal passes every constant check, and on test it turned a US customer's
``03/04/2026`` (March 4) into ``2026-04-03``, a date the tool accepts, so the swap was credited as a
win. The transfer to a tool's other dates (``_transfer_dates``) carried it on with no precondition,
since the guard for ambiguous dates (`_transfer._semantically_safe`) reads only a named format.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest

from skillevo import Evolver, SkillLibrary
from skillevo._llm_miner import LLMMiner
from skillevo._models import ReformatDate, Repair
from skillevo._repair import apply_repair
from skillevo._repair_dates import DateError, parse_date

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _book(args: dict[str, Any]) -> dict[str, Any]:
    if not _ISO.match(str(args.get("date"))):
        raise ValueError(f"invalid date {args.get('date')!r}: expected YYYY-MM-DD")
    return {"ok": True, **args}


def _send(ep: Any, args: dict[str, Any]) -> dict[str, Any] | None:
    """The arguments the tool accepted for one call as an agent makes it (an offered retry taken)."""
    sent = ep.before_tool("book", args)
    for _ in range(2):
        try:
            result = _book(sent)
        except ValueError as exc:
            retry = ep.on_tool_error("book", sent, exc)
            if retry is None:
                return None
            sent = retry
            continue
        ep.on_tool_result("book", sent, result)
        return sent
    return None


_ANSWER = json.dumps(
    {
        "name": "book-iso-dates",
        "description": "Book failures on a date's format.",
        "trigger": {"kind": "tool_error", "tool": "book"},
        "strategy": {"repair": {"ops": [{"op": "reformat_date", "arg": "date", "to_format": "%Y-%m-%d"}]}},
    }
)


def test_a_formatless_reformat_never_swaps_a_customers_day_and_month() -> None:
    lib = SkillLibrary(":memory:")
    evo = Evolver(lib, seed=0, review="auto", miner=LLMMiner(lambda _prompt: _ANSWER), sandbox=None)
    evo.register_tools({"book": {"properties": {"date": {"type": "string"}}, "required": ["date"]}})
    swapped = fixed = 0
    days = [dt.date(2026, 1 + i % 12, 1 + (i * 7) % 28) for i in range(80)]
    for i, day in enumerate(days):
        meant, us = {"date": day.isoformat()}, {"date": day.strftime("%m/%d/%Y")}
        with evo.episode(task=f"book {i}") as ep:
            got = _send(ep, us)
            if got is None:
                assert _send(ep, meant) is not None  # the model writes the date right itself
            elif got != us:
                swapped += got != meant
                fixed += got == meant
            ep.finish(reward=1.0)
        evo.flush()
    assert swapped == 0
    assert fixed > 0  # a date that reads one way only is still re-formatted
    lib.close()


@pytest.mark.parametrize(
    ("text", "month_first"),
    [("03/04/2026", "%m/%d/%Y"), ("04/03/2026", "%m/%d/%Y"), ("03-04-2026", "%m-%d-%Y"), ("03/04/26", "%m/%d/%y")],
)
def test_a_date_that_reads_two_ways_is_not_read_without_a_format(text: str, month_first: str) -> None:
    with pytest.raises(DateError):
        parse_date(text)
    assert parse_date(text, month_first).day == int(text[3:5])  # a named format reads it its way


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("13/04/2026", "2026-04-13"),
        ("04/13/2026", "2026-04-13"),
        ("05/05/2026", "2026-05-05"),
        ("4 Mar 2026", "2026-03-04"),
    ],
)
def test_a_date_that_reads_one_way_is_still_reformatted(text: str, iso: str) -> None:
    assert apply_repair(Repair(ops=[ReformatDate(arg="date")]), {"date": text}) == {"date": iso}
