"""Lengths of time written for people (``"2 hours"``, ``"PT45M"``) where a tool counts minutes.

A correction of ``"90 minutes"`` to ``90`` proves the unit the tool counts in; the rule then reads
any fixed length of time (unit words, ISO 8601) in that unit, so ``"PT1H15M"`` is repaired to
``75`` though only unit words were corrected. Before, the correction became a cast that drops the
word ``minutes`` (or a value map), which missed every other way of writing a length. Lengths that
are not fixed (months) or not whole in the unit are left alone. Driven through the real Evolver
episode API, deterministic.
"""

from __future__ import annotations

from typing import Any

from skillevo import Evolver, SkillLibrary
from skillevo._models import CoerceArg
from skillevo._repair import apply_repair, precondition_holds, synthesize


def test_a_corrected_length_of_time_is_learned_in_the_unit_it_proves() -> None:
    repair = synthesize([({"slot": "90 minutes"}, {"slot": 90}), ({"slot": "45 min"}, {"slot": 45})])
    assert repair is not None
    (op,) = repair.ops
    assert isinstance(op, CoerceArg) and op.duration == "min", op
    for text, minutes in (("2 hours", 120), ("PT1H15M", 75), ("1h 30min", 90), ("1.5 hours", 90)):
        assert precondition_holds(repair, {"slot": text}), text
        assert apply_repair(repair, {"slot": text}) == {"slot": minutes}, text
    for untouched in ("3 months", "90 seconds", "PT30S", 90, "soon"):
        assert apply_repair(repair, {"slot": untouched}) == {"slot": untouched}, untouched
    assert not precondition_holds(repair, {"slot": 90})


def test_the_unit_is_the_one_the_correction_proves() -> None:
    repair = synthesize([({"ttl": "PT2H"}, {"ttl": 7200}), ({"ttl": "PT1M"}, {"ttl": 60})])
    assert repair is not None
    (op,) = repair.ops
    assert isinstance(op, CoerceArg) and op.duration == "s", op
    assert apply_repair(repair, {"ttl": "3 hours"}) == {"ttl": 10800}
    # 7 is two hours in no unit: no duration is proven (at most a value map of the instance)
    other = synthesize([({"ttl": "PT2H"}, {"ttl": 7})])
    assert other is None or not any(isinstance(o, CoerceArg) and o.duration for o in other.ops)


def _book(minutes: Any) -> Any:
    if not isinstance(minutes, int) or isinstance(minutes, bool):
        return f"Error: minutes={minutes!r} is not an integer"
    return {"booked": minutes}


def _call(ep: Any, text: str, minutes: int) -> bool:
    """One call as the agent makes it: whether its first attempt succeeded."""
    args: dict[str, Any] = {"minutes": text}
    for attempt in range(3):
        sent = ep.before_tool("book_slot", args)
        if not ep.on_tool_result("book_slot", sent, _book(**sent)):
            return attempt == 0
        ep.on_tool_error("book_slot", sent, _book(**sent))
        args = {"minutes": minutes}  # the model's own fix
    return False


def test_other_ways_of_writing_a_length_are_repaired_before_the_call() -> None:
    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, seed=5, cache_ttl_s=float("inf"), mining="inline")
        for i, (text, minutes) in enumerate([("90 minutes", 90), ("45 minutes", 45), ("120 minutes", 120)]):
            with evo.episode(task=f"learn {i}") as ep:
                _call(ep, text, minutes)
                ep.finish(reward=1.0)
        unseen = [("PT1H15M", 75), ("2 hours", 120), ("PT30M", 30), ("1.5 hours", 90), ("3 hours", 180)] * 2
        clean = 0
        for j, (text, minutes) in enumerate(unseen):
            with evo.episode(task=f"use {j}") as ep:
                clean += _call(ep, text, minutes)
                ep.finish(reward=1.0)
        assert clean >= 6, (clean, [(s.name, [v.strategy.repair for v in s.versions]) for s in lib.skills()])


def test_a_single_letter_alone_proves_no_length_of_time() -> None:
    # "12h" may be another unit called h: it is learned as that unit dropped, never as hours, so
    # "3d" is not read as 72 from it; a unit word or ISO 8601 proves a length of time.
    repair = synthesize([({"t": "12h"}, {"t": 12}), ({"t": "48h"}, {"t": 48})])
    assert repair is not None and not any(isinstance(o, CoerceArg) and o.duration for o in repair.ops)
    assert apply_repair(repair, {"t": "3d"}) == {"t": "3d"}
    minutes = synthesize([({"t": "90min"}, {"t": 1.5}), ({"t": "30min"}, {"t": 0.5})])
    assert minutes is not None and [(o.op, getattr(o, "duration", None)) for o in minutes.ops] == [("coerce", "h")]
    assert apply_repair(minutes, {"t": "PT45M"}) == {"t": 0.75}


def test_weeks_are_a_fixed_length_of_time() -> None:
    # A tool counting days, corrected from weeks: the rule reads any fixed length in days, weeks
    # included (seven days each), where before the weeks were unread and only a map of them was learned.
    repair = synthesize([({"nights": "2 weeks"}, {"nights": 14}), ({"nights": "3 weeks"}, {"nights": 21})])
    assert repair is not None
    (op,) = repair.ops
    assert isinstance(op, CoerceArg) and op.duration == "d", op
    for text, days in (("1 week", 7), ("5 weeks", 35), ("P2W", 14), ("10 days", 10), ("1 week 3 days", 10)):
        assert precondition_holds(repair, {"nights": text}), text
        assert apply_repair(repair, {"nights": text}) == {"nights": days}, text
    for untouched in ("2 months", "1.5 weeks", "soon"):  # no fixed length, or not whole days
        assert apply_repair(repair, {"nights": untouched}) == {"nights": untouched}, untouched
