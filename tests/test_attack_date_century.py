"""A date re-format reading a two-digit year is no other argument's (attack33).

The century a two-digit year stands for is its argument's meaning: ``03/14/26`` in a booking's
``date`` is 2026, ``07/19/45`` in a ``birth_date`` is 1945. A re-format learned from the booking
dates (``%m/%d/%y`` -> ``%Y-%m-%d``, every correction of this century) was offered to the tool's other
dates (`_transfer_dates`), and wrote ``2045-07-19`` for every later customer's 1945 birth date, a date
the tool accepts (16 of 16 before -> 0). A re-format naming no format reads two-digit years too; it
still reaches another argument, for dates that write their year in full.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from skillevo import Evolver, SkillLibrary
from skillevo._models import ReformatDate, Repair
from skillevo._repair_conds import precondition_holds
from skillevo._transfer import _semantically_safe

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _book(args: dict[str, Any]) -> dict[str, Any]:
    for name in ("date", "birth_date"):
        if name in args and not _ISO.match(str(args[name])):
            return {"error": f"invalid {name} {args[name]}: expected YYYY-MM-DD"}
    return {"ok": True}


def _call(ep: Any, args: dict[str, Any]) -> dict[str, Any] | None:
    """The arguments the tool accepted (an offered retry taken), or None."""
    sent = ep.before_tool("book", args)
    if not ep.on_tool_result("book", sent, _book(sent)):
        return sent
    retry = ep.on_tool_error("book", sent, _book(sent))
    if retry is not None and not ep.on_tool_result("book", retry, _book(retry)):
        return retry
    return None


def test_a_two_digit_year_reformat_never_reaches_a_birth_date() -> None:
    lib = SkillLibrary(":memory:")
    evo = Evolver(lib, seed=3, cache_ttl_s=float("inf"), null_arm=False)
    props = {"date": {"type": "string"}, "birth_date": {"type": "string"}}
    evo.register_tools({"book": {"properties": props, "required": ["date"]}})
    learned = []
    for i, day in enumerate(dt.date(2026, 3, 13 + k % 15) for k in range(40)):
        with evo.episode(task=f"book {i}") as ep:
            got = _call(ep, {"date": day.strftime("%m/%d/%y")})
            learned.append(got == {"date": day.isoformat()})
            if got is None:
                assert _call(ep, {"date": day.isoformat()}) is not None
            ep.finish(reward=1.0)
        evo.flush(10)
    assert any(learned)  # the booking dates' own re-format is learned and runs
    changed = 0
    for i, day in enumerate(range(13, 29)):
        with evo.episode(task=f"passenger {i}") as ep:
            born = f"07/{day}/45"
            sent = ep.before_tool("book", {"date": "2026-05-01", "birth_date": born})
            changed += sent["birth_date"] != born
            ep.on_tool_result("book", sent, _book(sent))
            ep.finish(reward=1.0)
    assert changed == 0
    lib.close()


def test_a_formatless_reformat_reaches_another_argument_for_full_years_only() -> None:
    moved = _semantically_safe(Repair(ops=[ReformatDate(arg="start_date")]))
    assert moved is not None
    assert precondition_holds(moved, {"start_date": "19 Jul 2045"})
    assert not precondition_holds(moved, {"start_date": "07/19/45"})
    assert _semantically_safe(Repair(ops=[ReformatDate(arg="start_date", from_format="%d/%m/%y")])) is None
