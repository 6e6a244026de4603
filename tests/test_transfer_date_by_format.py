"""A date re-format reaches a tool's dates by what they are, not only by what they are called: an
argument whose schema declares ``format: date`` (``valid_until``) or whose successful calls only
ever sent ISO dates (``joined_on``) gets the US-style date the policy writes for every date, under
the rule for dates (only a date whose day is above 12, which reads one way). Before, a re-format
spread only to arguments whose name ends in ``date``, and such an argument paid its own failures."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest

from skillevo import Evolver, SkillLibrary

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATES = {"issue_date", "valid_until", "joined_on"}


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def permit(**args: Any) -> Any:
    """A permit office: every date argument takes YYYY-MM-DD only."""
    for name, value in args.items():
        if name in _DATES and not _ISO.match(str(value)):
            return {"error": f"invalid {name} {value}: expected YYYY-MM-DD"}
    return {"ok": True}


def _call(ep: Any, tool: str, args: dict[str, Any]) -> bool:
    """One call as an agent makes it (an offered retry taken); True when its first send succeeded."""
    sent = ep.before_tool(tool, args)
    result = permit(**sent)
    if not ep.on_tool_result(tool, sent, result):
        return True
    retry = ep.on_tool_error(tool, sent, result)
    if retry is not None:
        ep.on_tool_result(tool, retry, permit(**retry))
    return False


def _learned(lib: SkillLibrary) -> Evolver:
    """The policy's US dates under `issue_date`, each corrected after its error."""
    evo = Evolver(lib, seed=3, cache_ttl_s=float("inf"), null_arm=False, mining="inline")
    evo.register_tools({"permit_issue": {"properties": {"holder": {"type": "string"},
                                                        "issue_date": {"type": "string"}}}})
    for i, day in enumerate(dt.date(2025, 3, d) for d in (14, 15, 16, 17, 18, 19)):
        with evo.episode(task=f"issue {i}") as ep:
            if not _call(ep, "permit_issue", {"holder": "H1", "issue_date": day.strftime("%m/%d/%Y")}):
                _call(ep, "permit_issue", {"holder": "H1", "issue_date": day.isoformat()})
            ep.finish(reward=1.0)
    return evo


def _moved(lib: SkillLibrary, tool: str) -> set[str]:
    return {str(getattr(op, "arg", "")) for s in lib.skills()
            if s.trigger.tool == tool and s.versions[0].origin.miner == "transfer"
            for op in s.versions[0].strategy.repair.ops}  # type: ignore[union-attr]


def test_a_date_reformat_reaches_an_argument_declared_format_date(lib: SkillLibrary) -> None:
    evo = _learned(lib)
    evo.register_tools({"permit_extend": {"properties": {
        "holder": {"type": "string"},
        "valid_until": {"type": "string", "format": "date"},
        "reason": {"type": "string"},
    }}})
    assert _moved(lib, "permit_extend") == {"valid_until"}  # not the free text beside it


def test_a_date_reformat_reaches_an_argument_seen_succeeding_with_dates_only(lib: SkillLibrary) -> None:
    evo = _learned(lib)
    with evo.episode(task="join") as ep:
        assert _call(ep, "member_join", {"holder": "H2", "joined_on": "2026-01-15", "note": "2026-01-15"})
        assert _call(ep, "member_join", {"holder": "H3", "joined_on": "2026-01-16", "note": "walk-in"})
        ep.finish(reward=1.0)
    assert _moved(lib, "member_join") == {"joined_on"}  # `note` also held text
    firsts = []
    for i, day in enumerate(dt.date(2026, 2, d) for d in (20, 23, 27)):
        with evo.episode(task=f"join {i}") as ep:
            firsts.append(_call(ep, "member_join", {"holder": "H4", "joined_on": day.strftime("%m/%d/%Y")}))
            ep.finish(reward=1.0)
    assert all(firsts), firsts
    # A date whose day and month read both ways is left to the argument's own corrections.
    with evo.episode(task="ambiguous") as ep:
        sent = ep.before_tool("member_join", {"holder": "H5", "joined_on": "03/04/2026"})
    assert sent["joined_on"] == "03/04/2026"


def test_the_date_shape_of_an_argument() -> None:
    from skillevo._transfer import ToolCatalog

    catalog = ToolCatalog()
    catalog.register({"t": {"properties": {"d": {"type": "string", "format": "date"},
                                           "dt": {"type": "string", "format": "date-time"},
                                           "s": {"type": "string"}}}})
    catalog.observe("t", {"s": "2026-01-02"}, success=True)  # (one success is not enough)
    catalog.observe("u", {"at": "2026-01-02T10:00:00", "n": "2026-01-02"}, success=True)
    catalog.observe("u", {"at": "2026-01-03T10:00", "n": "x"}, success=True)
    assert [catalog.date_shape("t", a) for a in ("d", "dt", "s")] == ["date", "date-time", None]
    assert [catalog.date_shape("u", a) for a in ("at", "n")] == ["date-time", None]
