"""``Crew.replay``, wrapped while skillevo's hooks are registered.

A replay runs the crew's agents again from one of its tasks on, but CrewAI dispatches no INPUT /
EXECUTION_END interception for it, so no hook can tell where it starts and ends: without the
wrapper the marked agents' tool calls in it went unrecorded and unrepaired and it left no episode.
The wrapper is the class attribute itself (a subclass overriding ``replay`` and calling ``super()``
goes through it too), put in place once and taken out only if nothing replaced it since.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from crewai.crew import Crew

__all__ = ["patch_replay", "unpatch_replay"]

T = TypeVar("T")

#: the attribute of the wrapper holding the ``Crew.replay`` it wraps
_WRAPPED = "__skillevo_wrapped__"

Bounded = Callable[[Any, "dict[str, Any] | None", Callable[[], Any]], Any]


def patch_replay(bounded: Bounded) -> None:
    """Make ``Crew.replay`` run through `bounded(crew, inputs, body)` (once)."""
    current = Crew.__dict__.get("replay")
    if current is None or getattr(current, _WRAPPED, None) is not None:
        return

    @functools.wraps(current)
    def replay(self: Crew, task_id: str, inputs: dict[str, Any] | None = None) -> Any:
        return bounded(self, inputs, lambda: current(self, task_id, inputs))

    setattr(replay, _WRAPPED, current)
    type.__setattr__(Crew, "replay", replay)


def unpatch_replay() -> None:
    """Put CrewAI's ``Crew.replay`` back, unless something wrapped ours since."""
    current = Crew.__dict__.get("replay")
    original = getattr(current, _WRAPPED, None)
    if original is not None:
        type.__setattr__(Crew, "replay", original)
