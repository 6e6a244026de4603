"""A repair of a list's elements transfers only where the list reads its values as the source's does.

h/world6 let a repair of every element of a list (``weights.*``) transfer to the other tools taking
a list of that name, checking the element type only. A single value's transfer is also refused
where the meaning differs: a unit cast where the target declares another unit, a synonym chosen
among the source's enum members where the target declares a member the source lacks. Before this,
the list branch skipped both: a kilogram cast of ``weights.*`` was offered to a list declared in
pounds, and ``archive -> deleted`` to one declaring ``archived`` (2 of 2). Controls: the same lists
declared alike still receive them.
"""

from __future__ import annotations

from typing import Any

from skillevo._models import ArgCondition, CoerceArg, MapValue, Repair
from skillevo._transfer import ToolCatalog, _targets, per_argument


def _list(description: str, items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "description": description, "items": items}


KG = _list("parcel weights in kilograms", {"type": "number"})
MORE = {"type": "string", "enum": ["open", "deleted", "archived"]}
STATES = _list("states", {"type": "string", "enum": ["open", "deleted"]})
CATALOG = {
    "ship": {"properties": {"weights": KG}},
    "pack_lb": {"properties": {"weights": _list("parcel weights in pounds", {"type": "number"})}},
    "pack_kg": {"properties": {"weights": KG}},
    "tag": {"properties": {"states": STATES}},
    "tag_more": {"properties": {"states": _list("states", MORE)}},
    "tag_same": {"properties": {"states": STATES}},
}
UNIT = Repair(ops=[CoerceArg(arg="weights.*", to="float", unit="kg")],
              precondition=[ArgCondition(arg="weights.*", regex=r"\d+(\.\d+)? ?kg")])
SYNONYM = Repair(ops=[MapValue(arg="states.*", mapping={"archive": "deleted"})],
                 precondition=[ArgCondition(arg="states.*", regex="archive")])


def _offered(source: str, repair: Repair) -> set[str]:
    catalog = ToolCatalog()
    catalog.register(CATALOG)
    return {tool for arg, part in per_argument(repair) for tool, _, _ in _targets(catalog, source, arg, part)}


def test_a_unit_cast_of_elements_reaches_no_list_in_another_unit() -> None:
    assert "pack_lb" not in _offered("ship", UNIT)


def test_a_synonym_of_elements_reaches_no_list_declaring_a_closer_member() -> None:
    assert "tag_more" not in _offered("tag", SYNONYM)


def test_control_lists_declared_alike_still_receive_them() -> None:
    assert "pack_kg" in _offered("ship", UNIT)
    assert "tag_same" in _offered("tag", SYNONYM)
