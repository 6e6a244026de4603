"""Members a code skill's answer adds inside an object its tool declared: held to the declaration.

`skillevo._code_fit` holds an answer's arguments to the tool's schema: an argument it adds must be
declared. An argument may itself be an object with declared members (a pydantic model, a TypedDict:
``filter: {status, owner}``, ``legs: [{origin, dest}]``), and the same rule holds at every depth:
a member the answer adds where the object's schema declares its members must be one of them, or fit
the object's ``additionalProperties`` schema (``true`` written out: any member), and every value it
writes, at any depth, must conform to its declaration. A tool that declared no schema holds an answer
to the call's own objects (`shape_of`): a member none of them had is refused, and so is an object
where the call sent text, a number or a list of those (``user: "ana"`` made ``{"$ne": null}``, a
query operator: before 2026-12-07 any value of another shape passed, 4 of 4 operator objects were
sent); a scalar may still become another scalar or a list of scalars (a cast, a wrap). An object whose
schema declares no members is free-form (``dict``): nothing to hold a member to. What the agent
itself sent (a member, an item, left exactly as it was) rides along, as at the top level. Walked
without recursion, to any depth (the answer is already at most 64 deep, `_sandbox_result.MAX_DEPTH`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from ._conform import conforms
from ._sandbox_result import MAX_DEPTH

__all__ = ["added_member", "shape_of"]

#: Unions (``anyOf``, ``oneOf``, ``allOf``) read when collecting an object's declared members: as deep
#: and as wide as `skillevo._conform` reads them; past that a branch is not read, so its members
#: count as undeclared (refused, never let through unread).
_BRANCH_DEPTH = 4
_MAX_BRANCHES = 64


def _same(a: Any, b: Any) -> bool:
    # JSON equality: Python's ``True == 1`` and ``{"a": True} == {"a": 1}`` are two values to a tool.
    if a is b:
        return True
    if a != b:
        return False
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _branches(schema: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """`schema` and the members of its unions, nested up to `_BRANCH_DEPTH`, at most `_MAX_BRANCHES`."""
    stack: list[tuple[Mapping[str, Any], int]] = [(schema, 0)]
    seen = 0
    while stack and seen < _MAX_BRANCHES:
        node, depth = stack.pop()
        seen += 1
        yield node
        if depth < _BRANCH_DEPTH:
            for key in ("anyOf", "oneOf", "allOf"):
                subs = node.get(key)
                if isinstance(subs, list):
                    stack.extend((s, depth + 1) for s in subs if isinstance(s, Mapping))


def _object_view(schema: Mapping[str, Any]) -> tuple[dict[str, Mapping[str, Any]], list[Any]]:
    """The members the schema declares for an object (over its union's branches), and its
    ``additionalProperties`` values (a schema, ``true`` or ``false``)."""
    props: dict[str, Mapping[str, Any]] = {}
    extra: list[Any] = []
    for node in _branches(schema):
        declared = node.get("properties")
        if isinstance(declared, Mapping):
            props.update((k, v) for k, v in declared.items() if isinstance(k, str) and isinstance(v, Mapping))
        if "additionalProperties" in node:
            extra.append(node["additionalProperties"])
    return props, extra


def _items(schema: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """One schema for a list's items, a union of every branch's ``items``; None: not declared."""
    found = [n["items"] for n in _branches(schema) if isinstance(n.get("items"), Mapping)]
    if not found:
        return None
    return found[0] if len(found) == 1 else {"anyOf": found}


def added_member(value: Any, sent: Any, schema: Mapping[str, Any]) -> str | None:
    """What in `value` (an argument the answer wrote) adds a member its declared `schema` does not
    declare, against `sent` (what the agent sent under that argument, or None), as the rule broken;
    None: nothing. Names neither the member nor its value (both may be the attacker's or the customer's).
    """
    stack: list[tuple[Any, Any, Mapping[str, Any]]] = [(value, sent, schema)]
    while stack:
        val, own, sch = stack.pop()
        if own is not None and _same(val, own):
            continue  # the agent's own, as it sent it
        # `conforms` reads a few levels below where it starts: started again at every member reached,
        # a declared type holds at any depth (an integer 6 levels down took text carrying SQL before).
        if not conforms(val, sch):
            return "a value its declared type or values refuse inside an object"
        if isinstance(val, dict):
            props, extra = _object_view(sch)
            if not props and not any(e is False or isinstance(e, Mapping) for e in extra):
                continue  # free-form: no member declared
            mine = own if isinstance(own, dict) else {}
            for key, member in val.items():
                before = mine.get(key)
                if key in props:
                    stack.append((member, before, props[key]))
                elif (key in mine and _same(member, before)) or any(e is True for e in extra):
                    continue  # the agent's own member as sent, or an object open to any member
                else:
                    fit = next((e for e in extra if isinstance(e, Mapping)), None)
                    if fit is None:
                        return "a member the tool does not declare inside an object"
                    stack.append((member, before, fit))
        elif isinstance(val, list):
            items = _items(sch)
            if items is None:
                continue
            mine_items = own if isinstance(own, list) else []
            stack.extend((item, mine_items[i] if i < len(mine_items) else None, items) for i, item in enumerate(val))
    return None


#: What a scalar the agent sent may become, for a tool that declared no schema: another scalar, or a
#: list of scalars; never an object (whose members the call never had).
_SCALAR: dict[str, Any] = {"type": ["string", "number", "integer", "boolean", "null"]}
_LOOSE: dict[str, Any] = {"anyOf": [_SCALAR, {"type": "array", "items": _SCALAR}]}


def shape_of(value: Any, depth: int = 0) -> dict[str, Any]:
    """The schema a value the agent sent declares by itself, for a tool that declared none: an object
    holds exactly its members (closed), a list's items one of its items' closed objects (a union: an
    item merging two items' members is refused); a scalar may become a scalar or a list of scalars.
    The call's arguments are at most `_sandbox_result.MAX_DEPTH` deep."""
    if depth > MAX_DEPTH:
        return {}
    if isinstance(value, dict):
        members = {k: shape_of(v, depth + 1) for k, v in value.items() if isinstance(k, str)}
        return {"properties": members, "additionalProperties": False}
    if isinstance(value, list | tuple):
        items = [shape_of(v, depth + 1) for v in value if isinstance(v, dict | list | tuple)]
        return {"items": {"anyOf": [*items, _LOOSE]}}
    return _LOOSE
