"""The declared members of a tool's object arguments (and of the objects in its list arguments) of one
type: where a cast whose meaning is its type alone (`skillevo._transfer.by_type`) may reach."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["JSON_TYPES", "MAX_NODES", "members_of_type"]

#: JSON Schema type names (and the Python names hand-written schemas use) -> the catalog's type names.
JSON_TYPES = {"string": "str", "integer": "int", "number": "float", "float": "float", "boolean": "bool",
              "array": "list", "object": "dict", "dict": "dict", "null": "null"}
#: How deep `nested_of_type` reads declared objects, how many members it returns and reads at most.
_MAX_NESTING = 3
_MAX_NESTED = 64
MAX_NODES = 2000
#: The most members of one object read (as the catalog keeps of a tool's arguments).
_MAX_ARGS = 200


def members_of_type(props: Any, wanted: str, prefix: str, out: list[str], depth: int, budget: list[int]) -> None:
    """Append to `out` the paths under `props` (a declared ``properties`` object) of the members declared
    as the JSON type `wanted` names, within `budget` nodes read."""
    if not isinstance(props, Mapping) or depth > _MAX_NESTING:
        return
    for name, sub in list(props.items())[:_MAX_ARGS]:
        budget[0] -= 1
        if budget[0] < 0 or len(out) >= _MAX_NESTED:
            return
        if not isinstance(name, str) or not isinstance(sub, Mapping) or "." in name or name == "*":
            continue
        declared = sub.get("type")
        path = prefix + name
        if isinstance(declared, str) and JSON_TYPES.get(declared) == wanted and len(out) < _MAX_NESTED:
            out.append(path)
        items = sub.get("items")
        if declared == "object":
            members_of_type(sub.get("properties"), wanted, path + ".", out, depth + 1, budget)
        elif declared == "array" and isinstance(items, Mapping) and items.get("type") == "object":
            members_of_type(items.get("properties"), wanted, path + ".*.", out, depth + 1, budget)
