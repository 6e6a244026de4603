"""Argument paths: a repair addresses a nested key with dots (``address.zip``), an element of a list
by its index (``items.0.sku``), and every element of a list with ``*`` (``items.*.sku``).

A ``*`` path is how a mistake made in each element of a list of objects (a key misnamed, a value
in another format) is learned once: a correction of ``items.0`` and ``items.1`` is one rule for
``items.*``, which applies to lists of any length. A digit addresses a list's element only where
the node is a list (an object's key ``"0"`` stays a key).
"""

from __future__ import annotations

from typing import Any

__all__ = ["MISSING", "STAR", "expand", "flat", "get_path", "pop_path", "set_path", "starred", "values_at"]

#: What a path that addresses nothing reads as (``None`` is a value).
MISSING: Any = object()
#: The path segment for every element of a list.
STAR = "*"
#: The most elements of one list a ``*`` path addresses (a hostile list costs a bounded walk).
MAX_ELEMENTS = 256


def has_star(path: str) -> bool:
    """Whether `path` has a ``*`` segment (a key that merely holds the character, ``"qty*"``, is a key)."""
    return STAR in path and STAR in path.split(".")


def _step(node: Any, part: str) -> Any:
    if isinstance(node, dict):
        return node.get(part, MISSING)
    if isinstance(node, list) and part.isdigit() and int(part) < len(node):
        return node[int(part)]
    return MISSING


def get_path(args: dict[str, Any], path: str) -> Any:
    """The value at `path` (no ``*``), or `MISSING`."""
    node: Any = args
    for part in path.split("."):
        # (an object inline: this runs for each precondition of each tool call)
        node = node.get(part, MISSING) if isinstance(node, dict) else _step(node, part)
        if node is MISSING:
            return MISSING
    return node


def set_path(args: dict[str, Any], path: str, value: Any) -> None:
    """Write `value` at `path` (no ``*``), making the objects on the way (never a list's element)."""
    parts = path.split(".")
    node: Any = args
    for part in parts[:-1]:
        nxt = _step(node, part)
        if not isinstance(nxt, dict | list):
            if not isinstance(node, dict):
                return  # (no element to write into)
            nxt = {}
            node[part] = nxt
        node = nxt
    if isinstance(node, dict):
        node[parts[-1]] = value
    elif isinstance(node, list) and parts[-1].isdigit() and int(parts[-1]) < len(node):
        node[int(parts[-1])] = value


def pop_path(args: dict[str, Any], path: str) -> Any:
    """Remove the key at `path` (no ``*``); its value, or `MISSING`."""
    parts = path.split(".")
    node: Any = args
    for part in parts[:-1]:
        node = _step(node, part)
        if node is MISSING:
            return MISSING
    if not isinstance(node, dict):
        return MISSING
    return node.pop(parts[-1], MISSING)


def expand(args: dict[str, Any], path: str) -> list[str]:
    """The concrete paths `path` addresses in `args`: itself without a ``*``; with ``*``s, a path per
    element of the list at each (none where there is no list), at most `MAX_ELEMENTS` in all."""
    if not has_star(path):
        return [path]
    out: list[str] = []
    todo = [path.split(".")]
    while todo and len(out) < MAX_ELEMENTS:
        parts = todo.pop(0)
        if STAR not in parts:
            out.append(".".join(parts))
            continue
        i = parts.index(STAR)
        node = get_path(args, ".".join(parts[:i])) if i else args
        if isinstance(node, list):
            room = MAX_ELEMENTS - len(out) - len(todo)
            todo.extend([*parts[:i], str(n), *parts[i + 1 :]] for n in range(min(len(node), max(room, 0))))
    return out


def values_at(args: dict[str, Any], path: str) -> list[Any]:
    """The values present at `path`'s concrete paths."""
    return [v for p in expand(args, path) if (v := get_path(args, p)) is not MISSING]


def starred(args: dict[str, Any], path: str) -> str:
    """`path` with each index of a list element as ``*`` (``items.0.sku`` -> ``items.*.sku``)."""
    parts = path.split(".")
    node: Any = args
    for n, part in enumerate(parts):
        if isinstance(node, list) and part.isdigit():
            parts[n] = STAR
        node = _step(node, part)
    return ".".join(parts)


def flat(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Every leaf of `d` by its path: a non-empty object is no leaf, nor is a list of objects (each
    element is read by its index)."""
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and v:
            out.update(flat(v, key + "."))
        elif isinstance(v, list) and v and len(v) <= MAX_ELEMENTS and all(isinstance(e, dict) and e for e in v):
            out.update(flat({str(n): e for n, e in enumerate(v)}, key + "."))
        else:
            out[key] = v
    return out
