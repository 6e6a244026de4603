"""Units learned as a rule (not a value map), and constants that later corrections contradict."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from skillevo import Episode, Event, EventKind, SkillLibrary
from skillevo._mining import Proposal
from skillevo._repair import apply_repair, precondition_holds, synthesize

sys.path.insert(0, str(Path(__file__).parent))  # the corrections harness of test_mining
from test_mining import _correct_in_turn, _episode_events


def _mine_in_turn(corrections: list[tuple[dict[str, Any], dict[str, Any]]], error: str) -> list[Proposal]:
    return [p for p in _correct_in_turn(corrections, error, tool="hold") if p.strategy.repair is not None]


def test_a_unit_dropped_at_the_same_scale_is_learned_as_a_rule_that_repairs_unseen_values() -> None:
    error = "Error: window must be an integer"
    (p,) = _mine_in_turn([({"window": "12h", "n": 1}, {"window": 12, "n": 1}),
                          ({"window": "48 h", "n": 2}, {"window": 48, "n": 2})], error)
    repair = p.strategy.repair
    assert repair is not None
    # A value never corrected is repaired too (a value map of 12h and 48h would leave it).
    assert apply_repair(repair, {"window": "72h"}) == {"window": 72}
    assert precondition_holds(repair, {"window": "6 h"}) and not precondition_holds(repair, {"window": 6})
    # Another unit, or a number the cast would round, is left as it is.
    assert apply_repair(repair, {"window": "3d"}) == {"window": "3d"}
    assert apply_repair(repair, {"window": "1.5h"}) == {"window": "1.5h"}


def test_a_unit_with_another_scale_or_mixed_units_is_not_stripped() -> None:
    # Centimetres corrected to metres: the number changes, so no unit rule (left to value maps/guidance).
    assert synthesize([({"t": "150cm"}, {"t": 1.5}), ({"t": "30cm"}, {"t": 0.3})]) is None
    # (Minutes corrected to hours is a length of time, read in the unit the corrections prove:
    # tests/test_durations.py.)
    # Two corrections with different units: no one unit to drop, at most a map of the instances.
    mixed = synthesize([({"t": "12h"}, {"t": 12}), ({"t": "2d"}, {"t": 48})])
    assert mixed is not None and [op.op for op in mixed.ops] == ["map"]
    # A zero shows no scale.
    assert synthesize([({"t": "0h"}, {"t": 0})]) is None


def test_a_repair_site_chosen_first_for_its_guidance_keeps_its_episode_reward() -> None:
    """A version with guidance and a constant repair is chosen once per episode, first for its
    guidance; its calls succeed and its episodes fail, so promotion's episode-reward check must see
    those episodes (it saw none, and such a constant was promoted on its calls alone)."""
    from skillevo import Evolver
    from skillevo._attribution import episode_key
    from skillevo._models import ArgCondition, Repair, SetArg, Strategy, Trigger, TriggerKind

    lib = SkillLibrary(":memory:")
    evo = Evolver(lib, seed=0, cache_ttl_s=float("inf"), mining="inline", miner=None, null_arm=False)
    repair = Repair(ops=[SetArg(arg="why", value="late")], precondition=[ArgCondition(arg="why", present=False)])
    version = lib.add_skill(
        "t-missing-why",
        Trigger(kind=TriggerKind.TOOL_ERROR, tool="t", error_type="missing_arg"),
        Strategy(guidance="`t` requires `why`: always include it.", repair=repair),
    ).id
    evo.lifecycle.start(version)
    evo.invalidate()
    for i in range(6):
        with evo.episode(task=f"t{i}") as ep:
            assert "`why`" in ep.guidance(["t"])
            sent = ep.before_tool("t", {"n": i})
            assert sent["why"] == "late"  # the constant: the call succeeds, the task wanted another value
            assert not ep.on_tool_result("t", sent, {"ok": True})
            ep.finish(reward=0.0)
    a, b = evo.selector.posterior(episode_key("t-missing-why"), version)
    assert (a, b) == (1.0, 7.0)  # every episode it ran in is counted, and they failed


def _correction(tool: str, failed: dict[str, Any], corrected: dict[str, Any], error: str) -> list[Event]:
    return _episode_events(tool, failed, corrected, error)


def test_a_constant_that_later_corrections_contradict_is_charged_and_retired() -> None:
    """Two tasks agreed on a free-text value by chance: the constant is learned; the corrections of
    two later tasks add the argument with other values, so the value varies by task."""
    from skillevo import Evolver, VersionStatus

    lib = SkillLibrary(":memory:")
    evo = Evolver(lib, seed=0, cache_ttl_s=float("inf"), mining="inline")
    error = "1 validation error for recall\nwhy\n  Field required [type=missing]"

    def episode(why: str, n: int) -> None:
        ep = Episode(task=f"t{n}")
        lib.save_episode(ep, _correction("recall", {"n": n}, {"n": n, "why": why}, error))
        evo.learn(ep, lib.events(episode_id=ep.id))

    episode("late", 1)
    episode("late", 2)
    (constant,) = [v for s in lib.skills() for v in s.versions
                   if v.strategy.repair and v.strategy.repair.ops[0].op == "set"]
    assert constant.status in (VersionStatus.CANDIDATE, VersionStatus.TESTING)
    episode("damaged", 3)
    assert lib.version(constant.id).status is not VersionStatus.REJECTED  # one contradiction: charged only
    charged = [e for e in lib.events(kind=EventKind.CREDIT, version_id=constant.id)
               if e.data.get("source") == "contradicted"]
    assert [e.data["reward"] for e in charged] == [0.0]
    episode("duplicate", 4)
    assert lib.version(constant.id).status is VersionStatus.REJECTED


def test_a_grouped_number_is_learned_as_a_rule_that_repairs_unseen_values() -> None:
    error = "Error: quantity must be an integer"
    (p,) = _mine_in_turn([({"quantity": "1,200", "n": 1}, {"quantity": 1200, "n": 1}),
                          ({"quantity": "3,450", "n": 2}, {"quantity": 3450, "n": 2})], error)
    repair = p.strategy.repair
    assert repair is not None
    assert apply_repair(repair, {"quantity": "12,000,000"}) == {"quantity": 12000000}
    assert precondition_holds(repair, {"quantity": "2,500"}) and not precondition_holds(repair, {"quantity": 2500})
    # Not a grouping this rule proved, or a number the cast would round: left as it is.
    assert apply_repair(repair, {"quantity": "1.200"}) == {"quantity": "1.200"}
    assert apply_repair(repair, {"quantity": "1,5"}) == {"quantity": "1,5"}
    assert apply_repair(repair, {"quantity": "1,200.5"}) == {"quantity": "1,200.5"}


def test_which_mark_groups_digits_is_what_the_corrections_prove() -> None:
    # The same text, read the other way by another tool's corrections: each rule keeps its reading.
    comma = synthesize([({"amount": "1.200,50"}, {"amount": 1200.5})])
    dot = synthesize([({"amount": "1,200.50"}, {"amount": 1200.5})])
    assert comma is not None and dot is not None
    assert apply_repair(comma, {"amount": "2.000,25"}) == {"amount": 2000.25}
    assert apply_repair(dot, {"amount": "2,000.25"}) == {"amount": 2000.25}
    assert apply_repair(comma, {"amount": "2,000.25"}) == {"amount": "2,000.25"}
    # "1,200" corrected to 1.2 is no grouping: no rule reads it as twelve hundred.
    decimal = synthesize([({"amount": "1,200"}, {"amount": 1.2}), ({"amount": "3,5"}, {"amount": 3.5})])
    assert decimal is None or apply_repair(decimal, {"amount": "7,250"}) != {"amount": 7250}


def test_a_currency_symbol_on_either_side_is_dropped_at_the_same_scale() -> None:
    repair = synthesize([({"price": "$1,299.50"}, {"price": 1299.5}), ({"price": "$12"}, {"price": 12.0})])
    assert repair is not None
    assert apply_repair(repair, {"price": "$7.25"}) == {"price": 7.25}
    assert apply_repair(repair, {"price": "€7.25"}) == {"price": "€7.25"}  # another currency
    cents = synthesize([({"price": "$12.50"}, {"price": 1250}), ({"price": "$3"}, {"price": 300})])
    assert cents is None or apply_repair(cents, {"price": "$4"}) != {"price": 4}  # another scale


def test_an_ids_number_behind_a_fixed_prefix_is_learned_as_a_rule() -> None:
    error = "Error: patient must be an integer"
    (p,) = _mine_in_turn([({"patient": "P-0042", "n": 1}, {"patient": 42, "n": 1}),
                          ({"patient": "P-0107", "n": 2}, {"patient": 107, "n": 2})], error)
    repair = p.strategy.repair
    assert repair is not None
    assert apply_repair(repair, {"patient": "P-0900"}) == {"patient": 900}  # an id never corrected
    assert precondition_holds(repair, {"patient": "P-12"}) and not precondition_holds(repair, {"patient": 12})
    # Another prefix, or text after the number, is left as it is; "P-" is never read as a minus sign.
    assert apply_repair(repair, {"patient": "E-0042"}) == {"patient": "E-0042"}
    assert apply_repair(repair, {"patient": "P-0042b"}) == {"patient": "P-0042b"}
    assert synthesize([({"n": "#42"}, {"n": 42})]) is not None
    assert synthesize([({"n": "P-42"}, {"n": -42})]) is None or apply_repair(
        synthesize([({"n": "P-42"}, {"n": -42})]), {"n": "P-7"}) != {"n": 7}


def test_a_prefix_holding_a_digit_or_space_is_refused() -> None:
    import pytest

    from skillevo._errors import SkillFormatError
    from skillevo._models import CoerceArg

    for prefix in ("P1-", "P -", ""):
        with pytest.raises((ValueError, SkillFormatError)):
            CoerceArg(arg="patient", to="int", prefix=prefix)
    with pytest.raises(ValueError):
        CoerceArg(arg="patient", to="str", prefix="P-")
