"""Argument paths: a repair addresses a nested key with dots (``address.zip``)."""

from __future__ import annotations

from typing import Any

__all__ = ["MISSING", "flat", "get_path", "pop_path", "set_path"]

#: What a path that addresses nothing reads as (``None`` is a value).
MISSING: Any = object()


def get_path(args: dict[str, Any], path: str) -> Any:
    """The value at `path`, or `MISSING`."""
    node: Any = args
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return MISSING
        node = node[part]
    return node


def set_path(args: dict[str, Any], path: str, value: Any) -> None:
    """Write `value` at `path`, making the objects on the way."""
    parts = path.split(".")
    node = args
    for part in parts[:-1]:
        nxt = node.get(part)
        if not isinstance(nxt, dict):
            nxt = {}
            node[part] = nxt
        node = nxt
    node[parts[-1]] = value


def pop_path(args: dict[str, Any], path: str) -> Any:
    """Remove the key at `path`; its value, or `MISSING`."""
    parts = path.split(".")
    node: Any = args
    for part in parts[:-1]:
        if not isinstance(node, dict) or part not in node:
            return MISSING
        node = node[part]
    if not isinstance(node, dict):
        return MISSING
    return node.pop(parts[-1], MISSING)


def flat(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Every leaf of `d` by its path (a non-empty object is no leaf)."""
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and v:
            out.update(flat(v, key + "."))
        else:
            out[key] = v
    return out
