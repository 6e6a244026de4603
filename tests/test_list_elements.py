"""Mistakes made in each element of a list of objects (``parcels: [{"weight": 2}, ...]`` where the
tool takes ``weight_kg``): a correction of every element is one rule for ``parcels.*``, which
repairs lists of any length before the call fails. Before, a list of objects was one opaque value,
so nothing was learned from its corrections but a copy of that one list."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict

from skillevo import Evolver, SkillLibrary
from skillevo._arg_paths import get_path
from skillevo._models import ArgCondition, RenameArg, Repair
from skillevo._repair import apply_repair, precondition_holds, synthesize


def _parcels(*weights: float, key: str = "weight") -> dict[str, Any]:
    return {"order_id": "o-1", "parcels": [{"sku": f"s{n}", key: w} for n, w in enumerate(weights)]}


def test_a_key_misnamed_in_every_element_is_one_rule_for_every_element() -> None:
    repair = synthesize([(_parcels(2, 3), _parcels(2, 3, key="weight_kg"))])
    assert repair is not None
    assert apply_repair(repair, _parcels(1, 5, 7)) == _parcels(1, 5, 7, key="weight_kg")
    assert precondition_holds(repair, _parcels(4)) and not precondition_holds(repair, _parcels(4, key="weight_kg"))


def test_an_element_already_right_is_left_as_it_is() -> None:
    bad = {"parcels": [{"weight": 2}, {"weight_kg": 3}]}
    repair = synthesize([(bad, {"parcels": [{"weight_kg": 2}, {"weight_kg": 3}]})])
    assert repair is not None
    assert apply_repair(repair, {"parcels": [{"weight_kg": 1}, {"weight": 9}]}) == {
        "parcels": [{"weight_kg": 1}, {"weight_kg": 9}]
    }


@pytest.mark.parametrize(
    ("bad", "good", "unseen", "repaired"),
    [
        ([{"unit": "KG"}, {"unit": "Kg"}], [{"unit": "kg"}, {"unit": "kg"}], [{"unit": "LB"}], [{"unit": "lb"}]),
        ([{"qty": "3"}, {"qty": 4}], [{"qty": 3}, {"qty": 4}], [{"qty": "7"}, {"qty": "8"}], [{"qty": 7}, {"qty": 8}]),
        ([{"d": "03/14/2025"}], [{"d": "2025-03-14"}], [{"d": "11/27/2025"}], [{"d": "2025-11-27"}]),
    ],
    ids=["case", "cast", "date"],
)
def test_a_value_mistake_in_the_elements_is_learned_for_every_element(
    bad: list[Any], good: list[Any], unseen: list[Any], repaired: list[Any]
) -> None:
    repair = synthesize([({"lines": bad}, {"lines": good})])
    assert repair is not None
    assert apply_repair(repair, {"lines": unseen}) == {"lines": repaired}


def test_a_rename_stays_inside_its_element() -> None:
    # The same value moved from one element's key to another element's is no rename of a key.
    bad = {"parcels": [{"weight": 2, "sku": "a"}, {"sku": "b"}]}
    good = {"parcels": [{"sku": "a"}, {"sku": "b", "weight_kg": 2}]}
    repair = synthesize([(bad, good)])
    assert repair is None or all(not isinstance(op, RenameArg) for op in repair.ops)


def test_an_objects_digit_key_stays_a_key_and_a_star_on_no_list_is_a_no_op() -> None:
    assert get_path({"a": {"0": 1}}, "a.0") == 1
    star = Repair(ops=[RenameArg(arg="a.*.w", to="a.*.kg")], precondition=[ArgCondition(arg="a.*.w", present=True)])
    assert apply_repair(star, {"a": {"w": 1}}) == {"a": {"w": 1}}
    assert not precondition_holds(star, {"a": "text"})


def test_a_huge_list_costs_a_bounded_walk() -> None:
    star = Repair(ops=[RenameArg(arg="a.*.w", to="a.*.kg")])
    out = apply_repair(star, {"a": [{"w": n} for n in range(100_000)]})
    assert out["a"][0] == {"kg": 0} and out["a"][-1] == {"w": 99_999}


class _Parcel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: str
    weight_kg: float


class _Ship(BaseModel):
    model_config = ConfigDict(extra="forbid")
    order_id: str
    parcels: list[_Parcel]


def _ship(**kwargs: Any) -> dict[str, Any]:
    _Ship(**kwargs)  # pydantic's ValidationError, as a LangChain or CrewAI tool raises it
    return {"shipped": kwargs["order_id"]}


def _first_call_ok(ep: Any, args: dict[str, Any]) -> bool:
    """One call as the agent makes it (it fixes every element after an error): whether its first
    attempt succeeded."""
    for attempt in range(3):
        sent = ep.before_tool("ship", args)
        try:
            result = _ship(**sent)
        except Exception as exc:
            retry = ep.on_tool_error("ship", sent, exc)
            if retry is not None:
                try:
                    ep.on_tool_result("ship", retry, _ship(**retry))
                    return False
                except Exception:
                    pass
            args = {**args, "parcels": [{"sku": p["sku"], "weight_kg": p.get("weight", p.get("weight_kg"))}
                                        for p in args["parcels"]]}
            continue
        ep.on_tool_result("ship", sent, result)
        return attempt == 0
    return False


def test_a_learned_element_rule_repairs_lists_of_other_lengths_before_they_fail() -> None:
    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, seed=0, cache_ttl_s=float("inf"), mining="inline")
        evo.register_tools({"ship": _Ship.model_json_schema()})
        first = []
        for i in range(12):
            with evo.episode(task=f"ship {i}") as ep:
                args = {"order_id": f"o{i}", "parcels": [{"sku": f"s{k}", "weight": k + 1.5} for k in range(2 + i % 3)]}
                first.append(_first_call_ok(ep, args))
                ep.finish(reward=1.0)
        assert first[0] is False  # nothing is known before the first error
        assert sum(first[4:]) >= 7, first


def test_nested_stars_cost_a_bounded_walk_in_all() -> None:
    # An imported rule with a star per level of a deeply nested list: 256 concrete paths at most.
    from skillevo._arg_paths import MAX_ELEMENTS, expand

    nested: Any = [{"w": 1}]
    for _ in range(4):
        nested = [{"a": nested} for _ in range(50)]
    paths = expand({"a": nested}, "a.*.a.*.a.*.a.*.w")
    assert 0 < len(paths) <= MAX_ELEMENTS
