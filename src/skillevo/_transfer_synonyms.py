"""Which value maps may transfer: a synonym of a declared enum member (`_enum_synonyms`), to the tools
that declare the same member under that argument.

A value map memorises one tool's instances, so it never transferred; but a map that acts on its one
source value only (its precondition is that exact value), onto a member of the argument's declared
enum, means the same at every tool whose argument of that name declares that member and not the
source (nor a case or separator variant of a member, which the schema repair handles). An agent's
``"urgent"`` for the declared ``critical`` is its habit for that kind of argument, not one tool's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ._conform import NO, compact_schema, conform
from ._models import ArgCondition, MapValue, Repair, Trigger
from ._store import SkillStore
from ._vouch import SUGGESTED, UNVOUCHED, suggested_constant, unvouched_constant

if TYPE_CHECKING:
    from ._transfer import ToolCatalog

__all__ = ["exact_map", "synonym_fits", "vouched_synonym"]


def exact_map(ops: Sequence[Any], conds: Sequence[ArgCondition]) -> bool:
    """Whether `ops` is one value map of one text whose precondition is exactly that text."""
    if len(ops) != 1 or not isinstance(op := ops[0], MapValue) or len(op.mapping) != 1 or len(conds) != 1:
        return False
    (source, target), cond = next(iter(op.mapping.items())), conds[0]
    return isinstance(target, str) and cond.regex == re.escape(source) and cond.type is None and cond.present is None


def _declared(catalog: ToolCatalog, tool: str, arg: str) -> tuple[dict[str, Any], list[str]] | None:
    """`tool`'s `arg` schema (compact) and its declared enum of texts, or None (``ids.*``: the
    declared items of the list ``ids``)."""
    schema = catalog.schema(tool)
    name, sep, rest = arg.partition(".")
    declared = schema["properties"].get(name) if schema is not None else None
    if sep:
        declared = declared.get("items") if rest == "*" and isinstance(declared, dict) else None
    sub = compact_schema(declared) if isinstance(declared, dict) else {}
    members = sub.get("enum")
    if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
        return None
    return sub, members


def synonym_fits(catalog: ToolCatalog, source_tool: str, tool: str, arg: str, repair: Repair) -> bool:
    """Whether every value map of `repair` maps, at `tool`'s `arg`, a value its declared enum does not
    take (nor any lossless conversion of it) to a member it declares, and the tool declares no member
    the source tool's enum lacks: the agent chose the target among the source's members, and where
    another is offered (``archived`` beside ``deleted``) it may be the one meant. A tool (or a
    source) without a declared enum there gets no map."""
    maps = [op for op in repair.ops if isinstance(op, MapValue)]
    if not maps:
        return True
    here, source = _declared(catalog, tool, arg), _declared(catalog, source_tool, arg)
    if here is None or source is None:
        return False
    (sub, members), (_, chosen_among) = here, source
    if not set(members) <= set(chosen_among):
        return False
    return all(target in members and value not in members and conform(value, sub) is NO
               for op in maps for value, target in op.mapping.items())


def vouched_synonym(reason: str | None, repair: Repair, source: Trigger, store: SkillStore) -> bool:
    """Whether a transferred synonym refused only because the agent never sent its member at the new
    tool (`_vouch`: no successful call there yet) is vouched at its source: the agent's own calls of
    the source tool sent the member unprompted in two episodes, and the new tool declares it
    (`synonym_fits`, checked before the offer). Any other refusal stands."""
    if reason not in (SUGGESTED, UNVOUCHED) or not any(isinstance(op, MapValue) for op in repair.ops):
        return False
    return not unvouched_constant(repair, source, store) and not suggested_constant(repair, source, store)
