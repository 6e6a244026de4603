"""Argument-level skills that transfer across tools sharing an argument kind.

The world: eight back-office tools (plain Python functions) that all take a ``customer_id`` (a
string) and a ``date`` (``YYYY-MM-DD``). The policy habitually sends the id as a JSON integer and
the date as ``MM/DD/YYYY``; the tools reject both, with errors that carry the offending value. The
policy fixes one mistake per error it reads (re-issuing the call). Driven through the real
Evolver episode API, deterministic.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from skillevo import NULL_ARM, EventKind, Evolver, SkillLibrary, VersionStatus
from skillevo._errors import ConfigError
from skillevo._lifecycle import LifecycleConfig
from skillevo._models import CoerceArg, ReformatDate, Repair
from skillevo._transfer import per_argument

TOOLS = ("get_invoice", "list_orders", "open_ticket", "refund", "ship", "cancel_order", "add_note", "export")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _tool(name: str) -> Callable[..., Any]:
    def run(customer_id: Any, date: Any) -> Any:
        if not isinstance(customer_id, str):
            return f"Error: customer {customer_id} not found"
        if not isinstance(date, str) or not _ISO.match(date):
            return f"Error: invalid date {date}, expected year-month-day"
        return {"tool": name, "customer": customer_id, "date": date}

    return run


WORLD = {name: _tool(name) for name in TOOLS}
SCHEMAS = {
    name: {"properties": {"customer_id": {"type": "string"}, "date": {"type": "string", "format": "date"}},
           "required": ["customer_id", "date"]}
    for name in TOOLS
}


def _mistaken(customer: int, day: dt.date, *, bad_id: bool, bad_date: bool) -> dict[str, Any]:
    return {
        "customer_id": customer if bad_id else str(customer),
        "date": day.strftime("%m/%d/%Y") if bad_date else day.isoformat(),
    }


def _fix_one(args: dict[str, Any], error: str) -> dict[str, Any]:
    """The policy reads the error and fixes the mistake it names."""
    fixed = dict(args)
    if "customer" in error and not isinstance(fixed["customer_id"], str):
        fixed["customer_id"] = str(fixed["customer_id"])
    elif "date" in error:
        fixed["date"] = dt.datetime.strptime(fixed["date"], "%m/%d/%Y").date().isoformat()
    return fixed


def _call(ep: Any, name: str, args: dict[str, Any]) -> tuple[bool, int]:
    """One call as the agent makes it: (whether its first attempt succeeded, failed attempts)."""
    failed = 0
    for _ in range(4):
        sent = ep.before_tool(name, args)
        result = WORLD[name](**sent)
        if not ep.on_tool_result(name, sent, result):
            return failed == 0, failed
        failed += 1
        retry = ep.on_tool_error(name, sent, result)
        if retry is not None:
            result = WORLD[name](**retry)
            if not ep.on_tool_result(name, retry, result):
                return False, failed
            failed += 1
        args = _fix_one(args, str(result))
    return False, failed


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def _learn_on_first_tool(evo: Evolver) -> None:
    """Episodes on one tool: the id mistake alone, the date mistake alone, then both."""
    day = dt.date(2025, 3, 14)
    for i, (bad_id, bad_date) in enumerate([(True, False), (False, True), (True, True), (True, True)]):
        with evo.episode(task=f"learn {i}") as ep:
            _call(ep, TOOLS[0], _mistaken(4821 + i, day, bad_id=bad_id, bad_date=bad_date))
            ep.finish(reward=1.0)


#: The same tools declared with argument names only (no type or format: nothing to check a call against).
UNTYPED = {name: {"properties": {"customer_id": {}, "date": {}}, "required": ["customer_id", "date"]} for name in TOOLS}


@pytest.mark.parametrize("declared", [True, False])
def test_a_mistake_learned_on_one_tool_is_repaired_on_the_others_before_it_fails(
    lib: SkillLibrary, declared: bool
) -> None:
    evo = Evolver(lib, seed=3, cache_ttl_s=float("inf"))
    if declared:
        evo.register_tools(UNTYPED)  # an adapter passes each tool's JSON schema
    else:
        # Tools known only from the calls seen: one correct call of each, before anything is learned.
        with evo.episode(task="warm-up") as ep:
            for name in TOOLS:
                assert _call(ep, name, _mistaken(7, dt.date(2025, 1, 20), bad_id=False, bad_date=False))[0]
    _learn_on_first_tool(evo)
    transferred = [s for s in lib.skills() if s.versions[0].origin.miner == "transfer"]
    # (the source's own tool gets its re-format widened to the other date orders: `other_orders`)
    assert {s.trigger.tool for s in transferred} - {TOOLS[0]} == set(TOOLS[1:])
    clean_first_calls = 0
    for j, name in enumerate(TOOLS[1:]):
        with evo.episode(task=f"use {name}") as ep:
            ok, _ = _call(ep, name, _mistaken(9000 + j, dt.date(2025, 11, 27), bad_id=True, bad_date=True))
            clean_first_calls += ok
            ep.finish(reward=1.0)
    assert clean_first_calls >= 6, clean_first_calls


def test_with_typed_schemas_no_tool_needs_to_learn_first(lib: SkillLibrary) -> None:
    """Declared types and formats: the calls are repaired before any failure (schema candidates)."""
    evo = Evolver(lib, seed=3, cache_ttl_s=float("inf"))
    evo.register_tools(SCHEMAS)
    clean_first_calls = 0
    for j, name in enumerate(TOOLS):
        with evo.episode(task=f"use {name}") as ep:
            ok, _ = _call(ep, name, _mistaken(9000 + j, dt.date(2025, 11, 27), bad_id=True, bad_date=True))
            clean_first_calls += ok
            ep.finish(reward=1.0)
    assert clean_first_calls >= 6, clean_first_calls


def test_a_tool_first_seen_after_the_learning_gets_the_repairs_before_its_first_call(lib: SkillLibrary) -> None:
    """The other tools are unknown when the repairs are learned (no schema declared, never called).
    Before 2026-12-07 this was the control where every other tool paid its own first failures
    (0 of 7 first calls clean): transfers were offered only when an episode finished. A call of a tool the
    catalog did not know now offers them before it is made."""
    evo = Evolver(lib, seed=3, cache_ttl_s=float("inf"))
    _learn_on_first_tool(evo)
    evo.tools.take_changed()  # nothing new to offer to: the other tools have not been seen
    first = []
    for j, name in enumerate(TOOLS[1:]):
        with evo.episode(task=f"use {name}") as ep:
            first.append(_call(ep, name, _mistaken(9000 + j, dt.date(2025, 11, 27), bad_id=True, bad_date=True))[0])
    assert sum(first) >= 6, first


def test_a_transferred_candidate_that_loses_is_rejected_and_the_original_is_untouched(lib: SkillLibrary) -> None:
    evo = Evolver(lib, seed=3, cache_ttl_s=float("inf"), lifecycle=LifecycleConfig(min_episodes=1))
    evo.register_tools(UNTYPED)
    _learn_on_first_tool(evo)
    with evo.episode(task="use refund") as ep:
        _call(ep, "refund", _mistaken(5, dt.date(2025, 11, 27), bad_id=True, bad_date=False))
    victim = next(s for s in lib.skills() if s.versions[0].origin.miner == "transfer" and s.trigger.tool == "refund")
    version = victim.versions[0]
    before = {s.name: [v.status for v in s.versions] for s in lib.skills() if s.trigger.tool == TOOLS[0]}
    # At its own tool the transferred repair keeps losing to doing nothing.
    for _ in range(60):
        evo.selector.update(victim.name, version.id, 0.0)
        evo.selector.update(victim.name, NULL_ARM, 1.0)
    evo.ledger.evaluate({victim.name})
    assert lib.skill(victim.name).versions[0].status is VersionStatus.REJECTED
    assert {s.name: [v.status for v in s.versions] for s in lib.skills() if s.trigger.tool == TOOLS[0]} == before


def test_only_value_edits_of_one_argument_with_its_precondition_transfer() -> None:
    from skillevo._models import ArgCondition, MapValue, RenameArg

    repair = Repair(
        ops=[CoerceArg(arg="customer_id", to="str"), ReformatDate(arg="date", from_format="%m/%d/%Y",
                                                                  to_format="%Y-%m-%d"),
             RenameArg(arg="qty", to="quantity"), MapValue(arg="size", mapping={"S": "small", "M": "medium"})],
        precondition=[ArgCondition(arg="customer_id", type="int"), ArgCondition(arg="date", regex=r"\d{2}/\d{2}/\d{4}"),
                      ArgCondition(arg="qty", present=True), ArgCondition(arg="size", present=True)],
    )
    parts = dict(per_argument(repair))
    assert set(parts) == {"customer_id", "date"}
    assert parts["customer_id"].precondition == [ArgCondition(arg="customer_id", type="int")]
    assert per_argument(Repair(ops=[CoerceArg(arg="x", to="str")])) == []  # no precondition: never pre-emptive


def test_a_tool_whose_argument_has_another_type_gets_no_transfer(lib: SkillLibrary) -> None:
    evo = Evolver(lib, seed=3, cache_ttl_s=float("inf"))
    schemas = dict(UNTYPED)
    schemas["ledger"] = {"properties": {"customer_id": {"type": "integer"}, "date": {"type": "string"}}}
    evo.register_tools(schemas)
    _learn_on_first_tool(evo)
    ledger = [s for s in lib.skills() if s.trigger.tool == "ledger"]
    # The date repair transfers (same type); the id cast to a string does not (an integer there).
    assert ledger and all(
        all(not isinstance(op, CoerceArg) for op in s.versions[0].strategy.repair.ops)  # type: ignore[union-attr]
        for s in ledger
    )


def test_bad_schemas_are_refused_with_a_clear_error(lib: SkillLibrary) -> None:
    evo = Evolver(lib)
    with pytest.raises(ConfigError, match="properties"):
        evo.register_tools({"t": {"type": "object"}})
    with pytest.raises(ConfigError, match="tool name"):
        evo.register_tools({"bad name!": {"properties": {}}})
    with pytest.raises(ConfigError, match="mapping"):
        evo.register_tools(["t"])  # type: ignore[arg-type]


def test_a_two_mistake_correction_is_mined_as_one_rule_per_argument(lib: SkillLibrary) -> None:
    # One episode: the call fails on the id, then (id fixed) on the date, then succeeds.
    evo = Evolver(lib, seed=3, cache_ttl_s=float("inf"))
    with evo.episode(task="both") as ep:
        _, failed = _call(ep, TOOLS[0], _mistaken(4821, dt.date(2025, 3, 14), bad_id=True, bad_date=True))
        ep.finish(reward=1.0)
    assert failed == 2
    repairs = {
        s.name: s.versions[0].strategy.repair for s in lib.skills() if s.versions[0].strategy.repair is not None
    }
    kinds = sorted(type(op).__name__ for r in repairs.values() for op in r.ops)  # type: ignore[union-attr]
    assert kinds == ["CoerceArg", "ReformatDate"]  # two rules, one per argument, none with both edits
    assert all(len(r.ops) == 1 for r in repairs.values())  # type: ignore[union-attr]
    # The partial fix (itself a failed call) is no observed win: only the full correction is credited.
    wins = [e for e in lib.events(kind=EventKind.CREDIT) if e.data.get("source") == "evidence"]
    assert len(wins) == 1


def test_a_date_whose_day_and_month_read_both_ways_is_not_reformatted_unproven(lib: SkillLibrary) -> None:
    from skillevo._repair import precondition_holds, synthesize

    # A correction of 05/05/2025 proves nothing about which field is the day: no rule.
    assert synthesize([({"date": "05/05/2025"}, {"date": "2025-05-05"})]) is None
    rule = synthesize([({"date": "03/14/2025"}, {"date": "2025-03-14"})])
    assert rule is not None and isinstance(rule.ops[0], ReformatDate)
    # Transferred to another tool, the re-format applies only to dates that read one way.
    evo = Evolver(lib, seed=3, cache_ttl_s=float("inf"))
    evo.register_tools(UNTYPED)
    _learn_on_first_tool(evo)
    moved = next(
        s.versions[0].strategy.repair
        for s in lib.skills()
        if s.trigger.tool == "ship" and s.versions[0].origin.miner == "transfer"
        and isinstance(s.versions[0].strategy.repair.ops[0], ReformatDate)  # type: ignore[union-attr]
    )
    assert moved is not None
    assert precondition_holds(moved, {"date": "11/27/2025"})
    assert not precondition_holds(moved, {"date": "03/04/2025"})
    with evo.episode(task="ambiguous") as ep:
        sent = ep.before_tool("ship", {"customer_id": "7", "date": "03/04/2025"})
    assert sent["date"] == "03/04/2025"  # left for the tool's own corrections to prove
