"""Whether another tool's argument reads a transferred repair's values as the source's does.

A transfer goes by an argument's name (or, for a list's elements, ``ids.*``, the list's name) and
type; the name is not enough where the declarations say otherwise: the same unit (a kilogram cast
is no cast for a list declared in pounds), the same scale (a percent is not a fraction) and, for a
synonym chosen among the source's enum members, no closer member declared at the target. One value
and a list's elements pass the same gates (before 2026-12-07 the list branch checked the element
type only).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._models import Repair
from ._transfer_scale import float_to_integer, rescales, same_declared_scale, same_scale
from ._transfer_synonyms import synonym_fits
from ._unit_names import units_said

if TYPE_CHECKING:
    from ._transfer import ToolCatalog

__all__ = ["same_meaning", "unit_proven"]


def same_meaning(
    catalog: ToolCatalog, source_tool: str, tool: str, name: str, arg: str, part: Repair, unit: str | None
) -> bool:
    """Whether `tool`'s argument `name` (the list, for its elements' `arg`) reads `part`'s values as
    the source's does: the unit `unit` (`skillevo._transfer.unit_of`), the scale, the enum members."""
    return (unit is None or unit_proven(catalog, source_tool, name, tool, unit)) and (
        not float_to_integer(part) or same_scale(catalog, source_tool, tool, name)
    ) and (not rescales(part) or same_declared_scale(catalog, source_tool, tool, name)) and (
        synonym_fits(catalog, source_tool, tool, arg, part)
    )


def unit_proven(catalog: ToolCatalog, source_tool: str, arg: str, tool: str, unit: str) -> bool:
    """Whether a unit cast learned on (`source_tool`, `arg`) may be offered to `tool`'s argument of the
    same name: its declaration says that unit and no other, or neither declaration says any unit
    (then the name is all either says, and it is the same name). A ``weight`` declared in kilograms
    on one tool and in pounds, or in no stated unit, on another is not one argument."""
    said = units_said(arg, catalog.description(tool, arg), unit)
    if said:
        return said == {unit}
    return not units_said(arg, catalog.description(source_tool, arg), unit)
