"""A date re-format learned on one argument reaches the tool's other dates, the source's tool
included: an API that renames ``date`` to ``departure_date`` gets the policy's US-style dates under
the new name, and a re-format keyed on ``date`` alone never fires there (each such call failed, its
fix a model turn, until the new argument's own corrections were mined)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest

from skillevo import Evolver, SkillLibrary
from skillevo._models import ReformatDate

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def search(api: str, **args: Any) -> Any:
    """A flight search whose date argument the v2 API renamed."""
    name = "date" if api == "v1" else "departure_date"
    if set(args) != {"origin", name}:
        return {"error": f"unknown or missing parameter: expected origin and {name}"}
    if not _ISO.match(str(args[name])):
        return {"error": f"invalid {name} {args[name]}: expected YYYY-MM-DD"}
    return {"flights": [], name: args[name]}


def _call(ep: Any, api: str, args: dict[str, Any]) -> bool:
    """One call as an agent makes it (an offered retry taken); True when its first send succeeded."""
    sent = ep.before_tool("search", args)
    result = search(api, **sent)
    if not ep.on_tool_result("search", sent, result):
        return True
    retry = ep.on_tool_error("search", sent, result)
    if retry is not None:
        ep.on_tool_result("search", retry, search(api, **retry))
    return False


def _learn_v1(evo: Evolver) -> None:
    """The policy's US dates under v1's `date`, each corrected after its error."""
    for i, day in enumerate(dt.date(2025, 3, d) for d in (14, 15, 16, 17, 18, 19)):
        with evo.episode(task=f"v1 {i}") as ep:
            us = {"origin": "OSL", "date": day.strftime("%m/%d/%Y")}
            if not _call(ep, "v1", us):
                _call(ep, "v1", {"origin": "OSL", "date": day.isoformat()})
            ep.finish(reward=1.0)


def _v2_schema() -> dict[str, Any]:
    return {
        "search": {
            "properties": {"origin": {"type": "string"}, "departure_date": {"type": "string"}},
            "required": ["origin", "departure_date"],
        }
    }


def test_a_date_reformat_reaches_the_argument_an_api_renamed(lib: SkillLibrary) -> None:
    evo = Evolver(lib, seed=3, cache_ttl_s=float("inf"), null_arm=False)
    evo.register_tools(
        {
            "search": {
                "properties": {"origin": {"type": "string"}, "date": {"type": "string"}},
                "required": ["origin", "date"],
            }
        }
    )
    _learn_v1(evo)
    assert any(
        isinstance(op, ReformatDate) and op.arg == "date"
        for s in lib.skills()
        for v in s.versions
        if v.strategy.repair
        for op in v.strategy.repair.ops
    )
    evo.register_tools(_v2_schema())  # the API moves to v2
    # (the re-format widened to the other date orders goes to `date` itself too: `other_orders`)
    moved = [s for s in lib.skills() if s.versions[0].origin.miner == "transfer" and s.trigger.tool == "search"
             and "other-order" not in s.name]
    assert moved and all(
        op.arg == "departure_date"
        for s in moved
        for op in s.versions[0].strategy.repair.ops  # type: ignore[union-attr]
    )
    first = []
    for i, day in enumerate(dt.date(2026, 2, d) for d in (20, 23, 27)):
        with evo.episode(task=f"v2 {i}") as ep:
            first.append(_call(ep, "v2", {"origin": "OSL", "departure_date": day.strftime("%m/%d/%Y")}))
            ep.finish(reward=1.0)
    assert all(first), first
    # A date whose day and month read both ways is left to the argument's own corrections.
    with evo.episode(task="ambiguous") as ep:
        sent = ep.before_tool("search", {"origin": "OSL", "departure_date": "03/04/2026"})
    assert sent["departure_date"] == "03/04/2026"


def test_the_kin_of_a_date_argument_end_in_the_same_word_and_hold_text() -> None:
    from skillevo._transfer import ToolCatalog
    from skillevo._transfer_dates import date_kin, last_word

    assert [last_word(n) for n in ("date", "departure_date", "returnDate", "start-date", "dated")] == [
        "date",
        "date",
        "date",
        "date",
        "dated",
    ]
    catalog = ToolCatalog()
    catalog.register(
        {
            "book": {
                "properties": {
                    "date": {"type": "string"},
                    "departure_date": {"type": "string"},
                    "returnDate": {},
                    "update": {"type": "string"},
                    "end_date": {"type": "integer"},
                    "departure_time": {"type": "string"},
                }
            }
        }
    )
    # Not a word that merely ends in the letters, not a number, not another kind of value.
    assert date_kin(catalog, "book", "date") == ["departure_date", "returnDate"]
    assert date_kin(catalog, "book", "options.date") == []
