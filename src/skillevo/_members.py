"""Where inside an object (or a list of objects) a value breaks its declared schema.

An argument sent as the object its schema declares, with one member of the wrong shape
(``{"gift_wrap": "yes"}`` where ``gift_wrap`` is a boolean), is not helped by guidance saying to
send an object: it already is one. `wrong_members` finds the members to name instead, at any depth
the compacted schema keeps (`compact_schema` stops at its own depth), each path once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._conform import conforms, type_ok

__all__ = ["ITEMS", "MAX_CULPRITS", "Culprit", "wrong_members"]

#: A path step into a list's items (shown ``[]``: ``items[].qty``).
ITEMS = "[]"
#: The most wrong members one argument gives (each becomes a candidate of its own).
MAX_CULPRITS = 4
_MAX_DEPTH = 6
_MAX_MEMBERS = 64
_SEQUENCE = (list, tuple)


@dataclass(frozen=True)
class Culprit:
    """One wrong place inside an argument: the member `path` (`ITEMS` for a list's items), the value
    sent there (None when `missing`), and the schema declared for it."""

    path: tuple[str, ...]
    value: Any
    schema: Mapping[str, Any]
    missing: bool


def wrong_members(value: Any, schema: Mapping[str, Any]) -> list[Culprit]:
    """The deepest wrong places inside `value`, when it is of `schema`'s declared type and only
    something inside it is wrong: a required member left out, a declared member (or a list item's)
    that does not conform. Empty when the value itself is of the wrong type, when a list holds an
    item of the wrong type (the list's own type, ``a list of strings``, says what is wrong), or when
    a union or a declared set decides which shape is meant (which branch applies is not known).

    At most `MAX_CULPRITS`, in the order the value lists them; a list's items share one path
    (``items[].qty`` once, however many items get it wrong)."""
    out: list[Culprit] = []
    _walk(value, schema, (), out, 0)
    return out


def _add(out: list[Culprit], culprit: Culprit) -> None:
    if len(out) < MAX_CULPRITS and all(c.path != culprit.path for c in out):
        out.append(culprit)


def _walk(value: Any, schema: Mapping[str, Any], path: tuple[str, ...], out: list[Culprit], depth: int) -> None:
    if depth >= _MAX_DEPTH or len(out) >= MAX_CULPRITS or "enum" in schema:
        return
    if any(isinstance(schema.get(k), list) for k in ("anyOf", "oneOf")):
        return
    declared = schema.get("type")
    if not isinstance(declared, str) or not type_ok(value, declared):
        return
    if isinstance(value, Mapping):
        props = schema.get("properties")
        if not isinstance(props, Mapping):
            return
        required = schema.get("required")
        for name in required[:_MAX_MEMBERS] if isinstance(required, list) else ():
            sub = props.get(name) if isinstance(name, str) else None
            if isinstance(sub, Mapping) and name not in value:
                _add(out, Culprit((*path, name), None, sub, missing=True))
        for name in list(value)[:_MAX_MEMBERS]:
            sub = props.get(name) if isinstance(name, str) else None
            if isinstance(sub, Mapping) and not conforms(value[name], sub):
                _inside(value[name], sub, (*path, name), out, depth)
    elif isinstance(value, _SEQUENCE):
        items = schema.get("items")
        if not isinstance(items, Mapping):
            return
        kind = items.get("type")
        if not isinstance(kind, str) or not all(type_ok(v, kind) for v in value):
            return
        for v in value:
            if len(out) >= MAX_CULPRITS:
                return
            if not conforms(v, items):
                _inside(v, items, (*path, ITEMS), out, depth)


def _inside(value: Any, schema: Mapping[str, Any], path: tuple[str, ...], out: list[Culprit], depth: int) -> None:
    """A wrong member: the wrong places inside it, else the member itself."""
    before = len(out)
    _walk(value, schema, path, out, depth + 1)
    if len(out) == before:
        _add(out, Culprit(path, value, schema, missing=False))
