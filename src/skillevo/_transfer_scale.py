"""Which casts a transferred repair keeps its meaning under: a cast to a plain type, and a float
cast to an integer only between arguments that say the same unit or scale (`_unit_names.says_a_scale`:
``368.0`` sent for an amount "in cents" may be dollars)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._conform import PYTHON_TYPE
from ._models import CoerceArg, ConformArg, Repair
from ._unit_names import says_a_scale, units_said

if TYPE_CHECKING:
    from ._transfer import ToolCatalog

__all__ = ["float_to_integer", "plain_cast", "rescales", "same_declared_scale", "same_scale"]


def plain_cast(op: Any) -> bool:
    """A schema repair that is a cast to a plain type (maybe of a list's elements): no enum, pattern,
    format or members, which describe one tool's values; its meaning is the type, as a mined cast's."""
    if not isinstance(op, ConformArg):
        return False
    to, items = op.to, op.to.get("items", {"type": "string"})
    return (set(to) <= {"type", "items"} and to.get("type") in PYTHON_TYPE and isinstance(items, dict)
            and set(items) == {"type"} and items["type"] in ("string", "integer", "number", "boolean"))


def float_to_integer(repair: Repair) -> bool:
    """Whether the repair casts a float to an integer (``368.0`` -> ``368``): right where the number
    counts in no unit, or in the one the corrections proved; elsewhere the float may be written in
    a larger unit (dollars for cents)."""
    floats = any(c.type == "float" for c in repair.precondition or [])
    return floats and any(
        (isinstance(op, CoerceArg) and op.to == "int")
        or (isinstance(op, ConformArg) and plain_cast(op) and op.to.get("type") == "integer")
        for op in repair.ops
    )


def same_scale(catalog: ToolCatalog, source_tool: str, tool: str, arg: str) -> bool:
    """Whether `tool`'s `arg` says the unit or scale the source's says (none, or the same units)."""
    target, source = catalog.description(tool, arg), catalog.description(source_tool, arg)
    if not says_a_scale(arg, target):
        return True
    return says_a_scale(arg, source) and units_said(arg, target) == units_said(arg, source)


def rescales(repair: Repair) -> bool:
    """Whether the repair multiplies a number by a power of ten (`_scale`: a percent for a fraction)."""
    return any(isinstance(op, CoerceArg) and op.scale is not None for op in repair.ops)


def same_declared_scale(catalog: ToolCatalog, source_tool: str, tool: str, arg: str) -> bool:
    """Whether `tool`'s `arg` declares the very unit or scale the source's does (both say one, the same
    units): a rescaling proven at one tool is a guess at another unless both declarations say so
    (a ``discount`` in per cent at one tool may be a fraction at the next)."""
    target, source = catalog.description(tool, arg), catalog.description(source_tool, arg)
    return (says_a_scale(arg, target) and says_a_scale(arg, source)
            and units_said(arg, target) == units_said(arg, source))
