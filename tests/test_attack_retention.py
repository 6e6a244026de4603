"""The adapters' per-tool caches (schemas, injected parameters) keep no tool alive: tools built per
request (with their clients, connections, files) are freed when the caller drops them."""

from __future__ import annotations

import gc
import weakref
from typing import Any

from pydantic import BaseModel

from skillevo._tool_schema import tool_schema
from skillevo.adapters import injected_params


class Args(BaseModel):
    city: str


class Tool:
    """A framework tool object as the adapters see it (a name and an argument schema)."""

    name = "lookup"
    args_schema = Args


class Slotted:
    """A tool object that cannot be weakly referenced: cached as before, still answered."""

    __slots__ = ()
    name = "slotted"
    args_schema = Args


def test_a_dropped_tool_is_freed() -> None:
    refs: list[weakref.ref[Any]] = []
    for _ in range(3):
        tool = Tool()
        assert tool_schema(tool) is not None and tool_schema(tool) == tool_schema(tool)
        assert injected_params(tool) == frozenset()
        refs.append(weakref.ref(tool))
    del tool
    gc.collect()
    assert [r() for r in refs] == [None, None, None]


def test_a_new_tool_at_a_freed_tools_address_gets_its_own_answer() -> None:
    class Other:
        name = "other"
        args_schema = Args

    for _ in range(50):  # freed objects' ids are reused at once by CPython
        found = tool_schema(Tool())
        assert found is not None and found[0] == "lookup"
        found = tool_schema(Other())
        assert found is not None and found[0] == "other"


def test_tools_that_cannot_be_weakly_referenced_are_still_answered() -> None:
    tool = Slotted()
    found = tool_schema(tool)
    assert found is not None and found[0] == "slotted" and tool_schema(tool) == found
    assert injected_params(tool) == frozenset() and injected_params(tool) == frozenset()
