"""Secrets split across a structure's items: a name in one item, its value in another.

* **A list read as the text it spells.** A command's argument vector (``["mysql", "--password",
  <pw>]``, ``["curl", "-H", "X-Api-Key", <key>]``) or a flat field list (``["password", <pw>,
  "user", "ana"]``) names a secret in one item and holds it in the next; neither alone is one. The
  list's scalar items are joined with spaces (other items break the line) and read by every text
  rule; an item a rule's span reaches into is hidden whole, unless the item alone, redacted,
  already hides what the span covered.
* **Parallel lists.** A query tool's ``{"columns": [..., "password"], "rows": [[..., <pw>]]}``, or
  ``{"names": [...], "values": [...]}``: a list of names, one of which names a secret, and a sibling
  list of as many items (or of rows of that width) hide the cells at that name's positions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ._secret_keys import is_secret_key

__all__ = ["list_secret_items", "parallel_secret_cells"]

#: Items read as one text at most (a list this long is cut for storage anyway: see `_redaction`).
_MAX_ITEMS = 2_000
_SCALAR = (str, int, float)
_NAMES: dict[str, bool] = {}  # item -> whether it may name the next item's value (`_names_value`)


def list_secret_items(
    items: list[Any] | tuple[Any, ...], spans: Callable[[str], list[tuple[int, int]]], alone: Callable[[str], str]
) -> set[int]:
    """The indices of `items` whose scalar holds a secret the joined reading finds (`spans`: the rules'
    merged spans of a text; `alone`: an item redacted by itself)."""
    if len(items) < 2 or type(items[0]) is dict:  # a list of records: each is read as a dict
        return set()
    # Read as text only when an item may name the next one's value (an option, a key, a header name):
    # a list of a table's cells or of ids is read item by item, as before.
    names = _NAMES
    for v in items if len(items) <= _MAX_ITEMS else items[:_MAX_ITEMS]:
        if type(v) is str:
            named = names.get(v)
            if named is None:
                if len(names) >= 4096:
                    names.clear()
                named = names[v] = _names_value(v)
            if named:
                break
    else:
        return set()
    parts: list[str] = []
    bounds: list[tuple[int, int, int]] = []  # (start, end, index) of each scalar item in the text
    pos = 0
    for i, v in enumerate(items[:_MAX_ITEMS]):
        if isinstance(v, _SCALAR) and not isinstance(v, bool):
            text = str(v)
            bounds.append((pos, pos + len(text), i))
            parts.append(text)
        else:
            parts.append("\n")  # a nested value breaks the line: no option reads across it
        pos += len(parts[-1]) + 1
    hidden: set[int] = set()
    found = spans(" ".join(parts))
    if not found:
        return hidden
    for start, end, i in bounds:
        for s, e in found:
            if s < end and start < e:
                covered = str(items[i])[max(s, start) - start : min(e, end) - start]
                if covered.strip() and covered in alone(str(items[i])):
                    hidden.add(i)
                break
    return hidden


def _names_value(item: str) -> bool:
    """Whether a list item may name the next item's value: a short option, or a secret's name
    (``--password``, ``X-Api-Key``, ``Authorization:``, ``password``)."""
    if len(item) > 80:
        return False
    if item in ("-p", "-P"):
        return True
    name = item.strip(" \t-:=")
    return bool(name) and is_secret_key(name)


def _secret_positions(names: Any) -> set[int]:
    if not isinstance(names, list) or not 2 <= len(names) <= _MAX_ITEMS or not all(type(n) is str for n in names):
        return set()
    return {i for i, n in enumerate(names) if is_secret_key(n)}


def parallel_secret_cells(entry: Mapping[Any, Any]) -> dict[Any, Any]:
    """`entry`'s siblings with the cells under a secret's name hidden ("[REDACTED:secret]"): only the
    siblings changed, by key (empty when none)."""
    if not 2 <= len(entry) <= 16:
        return {}
    lists = [k for k, v in entry.items() if type(v) is list and v]  # most records hold none, or one
    if len(lists) < 2:
        return {}
    changed: dict[Any, Any] = {}
    for names_key in lists:
        names = entry[names_key]
        positions = _secret_positions(names)
        if not positions:
            continue
        width = len(names)
        for key in lists:
            sibling = entry[key]
            if key == names_key:
                continue
            current = changed.get(key, sibling)
            if len(sibling) == width and not all(isinstance(r, list) for r in sibling):
                changed[key] = _hide(current, positions)
            elif all(isinstance(r, list) and len(r) == width for r in sibling[:_MAX_ITEMS]):
                changed[key] = [_hide(r, positions) for r in current]
    return changed


def _hide(row: list[Any], positions: set[int]) -> list[Any]:
    return [
        "[REDACTED:secret]" if i in positions and v is not None and not isinstance(v, bool) else v
        for i, v in enumerate(row)
    ]
