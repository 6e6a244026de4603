"""Schema repairs that would change a number's scale: an integral float (``368.0``) where an integer
counted in a unit or at a scale is declared (``amount`` "in cents", ``price_cents``), at the top of a
call or as a member of a declared object or list. Such a value is left to guidance and to a cast the
tool's own corrections prove (docs/mining.md, semantic safety of scale)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._conform import compact_schema
from ._unit_names import says_a_scale

__all__ = ["declares_integer", "rescales", "unscaled"]

#: How deep, and how many members or elements per level, `rescales` reads a nested value (a call's
#: arguments are the agent's, bounded by the schema's own depth: this bounds a hostile one).
_MAX_NESTING = 6
_MAX_NESTED_VALUES = 200


def rescales(arg: str, value: Any, sub: Mapping[str, Any], declared: Any, depth: int = 0) -> bool:
    """Whether casting `value` could change its scale: a float (integral: ``368.0``) where an integer
    counted in a unit or at a scale is declared (``amount``, "in cents"), at the top or as a member of
    a declared object or list (``price.amount``, ``lines[].price_cents``: before 2026-12-07 only the
    top was read, and a nested ``368.0`` went to the tool as 368 cents). The sender wrote a number
    with a fraction, as one does in the larger unit (368.00 dollars is 36800 cents), so 368 is one
    of two readings: left to guidance, and to a cast the tool's own corrections prove."""
    if isinstance(value, float):
        description = declared.get("description") if isinstance(declared, Mapping) else None
        return declares_integer(sub) and says_a_scale(arg, description)
    if depth >= _MAX_NESTING or not isinstance(declared, Mapping) or not isinstance(value, dict | list):
        return False
    nodes = [declared, *(b for k in ("anyOf", "oneOf") for b in (declared.get(k) or [])[:8] if isinstance(b, Mapping))]
    for node in nodes:
        members, items = node.get("properties"), node.get("items")
        if isinstance(value, dict) and isinstance(members, Mapping) and any(
            isinstance(members.get(k), Mapping) and rescales(k, v, compact_schema(members[k]), members[k], depth + 1)
            for k, v in list(value.items())[:_MAX_NESTED_VALUES]
        ):
            return True
        if isinstance(value, list) and isinstance(items, Mapping) and any(
            rescales(arg, v, compact_schema(items), items, depth + 1) for v in value[:_MAX_NESTED_VALUES]
        ):
            return True
    return False


def unscaled(sub: dict[str, Any], declared: Any, depth: int = 0) -> dict[str, Any]:
    """`sub` (compact) without the members that declare an integer counted in a unit or at a scale
    (`rescales`): the conform repair stored from this call is applied to later calls, whose
    ``price.amount`` may be ``368.0`` in the larger unit; a member left out of it is left as sent."""
    if depth >= _MAX_NESTING or not isinstance(declared, Mapping):
        return sub
    out = dict(sub)
    members, raw = out.get("properties"), declared.get("properties")
    if isinstance(members, dict) and isinstance(raw, Mapping):
        kept = {k: unscaled(m, raw.get(k), depth + 1) if isinstance(m, dict) else m for k, m in members.items()
                if not (isinstance(m, dict) and isinstance(raw.get(k), Mapping) and declares_integer(m)
                        and says_a_scale(k, raw[k].get("description")))}
        if kept:
            out["properties"] = kept
        else:
            del out["properties"]
    if isinstance(out.get("items"), dict):
        out["items"] = unscaled(out["items"], declared.get("items"), depth + 1)
    for key in ("anyOf", "oneOf"):
        branches, raw_branches = out.get(key), declared.get(key)
        if isinstance(branches, list) and isinstance(raw_branches, list) and len(branches) == len(raw_branches):
            out[key] = [unscaled(b, r, depth + 1) if isinstance(b, dict) else b
                        for b, r in zip(branches, raw_branches, strict=True)]
    return out


def declares_integer(sub: Mapping[str, Any]) -> bool:
    """Whether the schema (or a branch of its union, an optional integer's) declares an integer."""
    declared = sub.get("type")
    if declared == "integer" or (isinstance(declared, list) and "integer" in declared):
        return True
    return any(isinstance(b, Mapping) and declares_integer(b)
               for key in ("anyOf", "oneOf") for b in (sub.get(key) or ()) if isinstance(sub.get(key), list))
