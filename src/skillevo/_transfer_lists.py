"""Repairs of a list's elements that transfer by the list's name.

A repair of every element of a top-level list argument (``technician_ids.*``: ids sent without
their prefix) is a habit for that kind of argument, like a repair of a single value: it is offered
to the other tools taking a list of that name whose declared (or seen) type does not conflict.
Before 2026-12-07 such a repair never left its tool (a path with a dot was read as a nested member,
which goes by type only), so each other tool paid its own failures first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._arg_paths import STAR

if TYPE_CHECKING:
    from ._transfer import ToolCatalog

__all__ = ["elements_of", "same_elements"]


def elements_of(arg: str) -> str | None:
    """The top-level argument whose list elements `arg` addresses (``ids.*`` -> ``ids``), else None."""
    top, sep, rest = arg.partition(".")
    return top if sep and top and rest == STAR else None


def same_elements(catalog: ToolCatalog, source_tool: str, tool: str, arg: str, wanted: str) -> bool:
    """Whether `arg` is a list at both tools (declared or seen, or unknown) whose declared element
    type, where declared, is `wanted` at both."""
    return all(catalog.arg_type(t, arg) in (None, "list") and catalog.item_type(t, arg) in (None, wanted)
               for t in (source_tool, tool))
