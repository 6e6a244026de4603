"""A tool class that refuses a subclass still gets every other wrap (attack29).

`guard` (2026-12-07) swaps a ``BaseTool``'s class for a subclass with a guarded ``_run``. A class
whose ``__init_subclass__`` refuses unknown subclasses (a plugin registry keyed by class) raised
there, and the same ``try`` skipped the cache guard that follows: CrewAI cached a failed result
(served instead of a repaired call) and a repaired result under the model's own arguments, for that
tool (e7347aa's fix undone). Each wrap now stands alone; the refused class is tried once.
"""

from __future__ import annotations

from typing import Any

from crewai.tools import BaseTool

from skillevo_crewai._tool_guard import guard

_GUARDED = "__skillevo_guarded__"


class Registered(BaseTool):
    name: str = "registered_lookup"
    description: str = "look a reference up"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        raise TypeError("tools register by name: no subclasses")

    def _run(self, ref: str) -> str:
        return f"found {ref}"


def test_a_class_refusing_a_subclass_keeps_the_cache_guard() -> None:
    tool = Registered()
    structured = tool.to_structured_tool()
    guard(structured)
    guard(structured)  # (a second call tries no subclass again, and raises nothing)
    assert type(tool) is Registered  # not swapped: its calls are repaired by the after-hook
    assert getattr(structured.func, _GUARDED, False)
    assert getattr(structured.cache_function, _GUARDED, False)  # before: left unguarded
    assert getattr(tool.cache_function, _GUARDED, False)
    assert structured.func(ref="r-1") == "found r-1"
