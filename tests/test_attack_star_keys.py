"""Attack: argument paths with ``*`` (every element of a list) from imported or mined repairs.

``*`` is a path *segment*; a key that merely contains the character (``"qty*"``, ``"a*b"``) is an
ordinary key. It was taken for a star path and expanded to itself forever: a RecursionError out of
`apply_repair` and out of `synthesize` (a correction of such an argument broke mining). And a
``*`` rename moves a key within each element of its list: an imported rename whose target leaves
the element (``items.*.sku`` -> ``sku``, ``items.*``, ``other.*.sku``, ``x.*.*.y``) collapsed every
element's value into one key, replaced the elements, or wrote literal ``"*"`` keys.
"""

from __future__ import annotations

import pytest

from skillevo._models import ArgCondition, CoerceArg, RenameArg, Repair, SetArg
from skillevo._repair import apply_repair, precondition_holds, synthesize
from skillevo._repair_plan import plan_stored_repair


@pytest.mark.parametrize("key", ["a*b", "qty*", "*note", "items.x*"])
def test_a_key_holding_a_star_character_is_an_ordinary_key(key: str) -> None:
    args = {"a*b": 0, "qty*": "5", "*note": 1, "items": {"x*": 2}}
    out = apply_repair(Repair(ops=[SetArg(arg=key, value=9)]), args)
    assert out != args
    cond = ArgCondition(arg=key, present=True)
    assert precondition_holds(Repair(ops=[SetArg(arg=key, value=9)], precondition=[cond]), args)


def test_a_correction_of_a_key_holding_a_star_is_mined_without_error() -> None:
    repair = synthesize([({"qty*": "5"}, {"qty*": 5}), ({"qty*": "7"}, {"qty*": 7})])
    assert repair is not None
    assert apply_repair(repair, {"qty*": "12"}) == {"qty*": 12}


@pytest.mark.parametrize("target", ["sku", "items.*", "other.*.sku", "x.*.*.y", "items.0.sku"])
def test_a_star_rename_never_moves_a_key_out_of_its_element(target: str) -> None:
    args = {"items": [{"code": "A", "n": 1}, {"code": "B", "n": 2}]}
    repair = Repair(ops=[RenameArg(arg="items.*.code", to=target)])
    plan = plan_stored_repair(repair, args, "Error: unknown field code", attempts=0, tried=False)
    assert plan.args is None  # skipped, never sent
    assert args == {"items": [{"code": "A", "n": 1}, {"code": "B", "n": 2}]}


def test_a_star_rename_within_each_element_still_applies() -> None:
    args = {"items": [{"code": "A"}, {"code": "B"}], "orders": [{"lines": [{"q": "1"}, {"q": "2"}]}]}
    out = apply_repair(Repair(ops=[RenameArg(arg="items.*.code", to="items.*.sku")]), args)
    assert out["items"] == [{"sku": "A"}, {"sku": "B"}]
    nested = Repair(ops=[RenameArg(arg="orders.*.lines.*.q", to="orders.*.lines.*.qty")])
    assert apply_repair(nested, args)["orders"] == [{"lines": [{"qty": "1"}, {"qty": "2"}]}]
    cast = Repair(ops=[CoerceArg(arg="orders.*.lines.*.q", to="int")])
    assert apply_repair(cast, args)["orders"] == [{"lines": [{"q": 1}, {"q": 2}]}]
