"""An enum argument written in another case or as a synonym: the synonyms seen are a value map, and a
case variant never seen is still repaired by the case rule the other corrections prove (before, one
synonym among the corrections refused the case rule: every case variant not yet seen failed)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from skillevo import Evolver, SkillLibrary
from skillevo._models import MapValue
from skillevo._repair import apply_repair, precondition_holds
from skillevo._repair_split import synthesize_own_rule
from skillevo.adapters import call_tool

sys.path.insert(0, str(Path(__file__).parent))
from test_mining import _correct_in_turn

ERROR = 'INVALID_ARGUMENT: field "tier" value not in enum'

# newest first, as the miner hands them over
MIXED = [
    ({"tier": "Gold", "n": 4}, {"tier": "GOLD", "n": 4}),
    ({"tier": "basic", "n": 3}, {"tier": "BRONZE", "n": 3}),
    ({"tier": "silver", "n": 2}, {"tier": "SILVER", "n": 2}),
    ({"tier": "top", "n": 1}, {"tier": "GOLD", "n": 1}),
]


def _apply(repair: Any, args: dict[str, Any]) -> dict[str, Any]:
    return apply_repair(repair, args) if precondition_holds(repair, args) else args


def test_a_case_variant_never_seen_is_repaired_next_to_the_synonyms_seen() -> None:
    repair = synthesize_own_rule(MIXED)
    assert repair is not None
    assert _apply(repair, {"tier": "bronze", "n": 9}) == {"tier": "BRONZE", "n": 9}
    assert _apply(repair, {"tier": "Silver", "n": 9}) == {"tier": "SILVER", "n": 9}
    # every correction seen is still repaired to the value chosen for it
    for bad, good in MIXED:
        assert _apply(repair, bad) == good


def test_a_rule_that_turns_a_mapped_value_into_another_chosen_value_is_refused() -> None:
    # "gold" was corrected to SILVER once: upper-casing it would give GOLD, another correction's value
    # (a valid value with another meaning), so no case rule over this argument.
    pairs = [
        ({"tier": "Gold", "n": 4}, {"tier": "GOLD", "n": 4}),
        ({"tier": "gold", "n": 3}, {"tier": "SILVER", "n": 3}),
        ({"tier": "bronze", "n": 2}, {"tier": "BRONZE", "n": 2}),
    ]
    repair = synthesize_own_rule(pairs)
    if repair is not None:
        assert _apply(repair, {"tier": "Silver", "n": 9}) == {"tier": "Silver", "n": 9}


def test_through_the_adapter_the_map_and_the_case_rule_are_admitted_together() -> None:
    # The tool's error echoes the value sent ("Value "top" does not exist ..."): the echo is the
    # agent's own value, no suggestion (`tests/test_vouch_own_echo.py`), so the version is admitted.
    evo = Evolver(SkillLibrary(":memory:"), mining="inline", seed=0)
    valid = ("GOLD", "SILVER", "BRONZE")

    def tool(args: dict[str, Any]) -> Any:
        if args["tier"] in valid:
            return {"ok": True}
        return {
            "errors": [
                {
                    "message": f'Value "{args["tier"]}" does not exist in "Tier" enum.',
                    "path": ["setTier", "tier"],
                    "extensions": {"code": "BAD_USER_INPUT"},
                }
            ]
        }

    episodes = [("top", "GOLD"), ("silver", "SILVER"), ("basic", "BRONZE"), ("Gold", "GOLD")]
    for i, (bad, good) in enumerate(episodes):
        ep = evo.episode(task=f"t{i}")
        out = call_tool(ep, "set_tier", {"account": f"a{i}", "tier": bad}, tool)
        if "errors" in json.dumps(out):
            call_tool(ep, "set_tier", {"account": f"a{i}", "tier": good}, tool)
        ep.finish(1.0)
    repairs = [v.strategy.repair for s in evo.store.skills() for v in s.versions if v.strategy.repair]
    both = [r for r in repairs if {type(op).__name__ for op in r.ops} == {"MapValue", "ChangeCase"}]
    assert both, repairs
    assert _apply(both[-1], {"tier": "bronze", "n": 9})["tier"] == "BRONZE"


def test_mining_keeps_the_map_for_synonyms_alone() -> None:
    # no case pair at all: nothing to generalise, a value map of what was seen (or nothing)
    corrections = [
        ({"tier": "top", "n": 1}, {"tier": "GOLD", "n": 1}),
        ({"tier": "basic", "n": 2}, {"tier": "BRONZE", "n": 2}),
    ]
    for p in _correct_in_turn(corrections, ERROR, tool="set_tier"):
        repair = p.strategy.repair
        if repair is not None:
            assert all(isinstance(op, MapValue) for op in repair.ops)
