"""CrewAI entry points that run marked agents without an INPUT interception, wrapped while
skillevo's hooks are registered: ``Crew.replay`` and ``Flow.resume_async`` (``resume`` runs it).

A replay runs the crew's agents again from one of its tasks on, and a resume runs the steps of a
flow paused for human feedback (often in another process, from ``Flow.from_pending``), but CrewAI
dispatches no INPUT for either, nor, for a failed replay, an EXECUTION_END: no hook can tell where
they start, so the marked agents' tool calls in them went unrecorded and unrepaired and they left
no episode. Each wrapper opens the run before the body (one kickoff: one episode per `Evolving`
whose agents act in it) and ends it after, unless CrewAI's own EXECUTION_END or a new pause ended
it already; an error or interruption is recorded as the run's end, then goes on.

A wrapper is the attribute of the class that defines the method (a subclass calling ``super()``
goes through it too), put in place once and taken out only if nothing replaced it since.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from crewai.crew import Crew
from crewai.flow.flow import Flow

__all__ = ["patch_boundaries", "unpatch_boundaries"]

log = logging.getLogger("skillevo_crewai")

#: the attribute of a wrapper holding the method it wraps
_WRAPPED = "__skillevo_wrapped__"

#: `start(owner, inputs, flow=...)`: open a kickoff's run (None: no marked agent takes part)
Start = Callable[..., Any]
#: `end(run, output, failed=..., error=...)`: finish it (a no-op when it was finished already)
End = Callable[..., None]


def _defining(cls: type, name: str) -> type | None:
    return next((c for c in cls.__mro__ if name in c.__dict__), None)


def _install(cls: type, name: str, make: Callable[[Any], Any]) -> None:
    owner = _defining(cls, name)
    if owner is None:
        return
    current = owner.__dict__[name]
    if getattr(current, _WRAPPED, None) is not None:
        return
    wrapper = functools.wraps(current)(make(current))
    setattr(wrapper, _WRAPPED, current)
    type.__setattr__(owner, name, wrapper)


def patch_boundaries(start: Start, end: End) -> None:
    """Wrap ``Crew.replay`` and ``Flow.resume_async`` (once each). skillevo's own steps around the
    body never fail it: a run that could not open leaves the body unobserved, and an error ending
    it is logged (an interruption in a reward goes on, as from CrewAI's own end hook)."""

    def opened(owner: Any, inputs: dict[str, Any], flow: bool) -> Any:
        try:
            return start(owner, inputs, flow=flow)
        except Exception:
            log.exception("skillevo: could not start the run's episode")
            return None

    def ended(run: Any, output: Any, *, failed: bool, error: BaseException | None) -> None:
        try:
            end(run, output, failed=failed, error=error)
        except Exception:
            log.exception("skillevo: could not finish the run's episode")

    def run_bounded(owner: Any, inputs: dict[str, Any], flow: bool, body: Callable[[], Any]) -> Any:
        run = opened(owner, inputs, flow)
        if run is None:
            return body()
        try:
            output = body()
        except BaseException as exc:
            ended(run, None, failed=True, error=exc)
            raise
        ended(run, output, failed=False, error=None)
        return output

    def replay(original: Any) -> Any:
        def wrapped(self: Any, task_id: str, inputs: dict[str, Any] | None = None) -> Any:
            return run_bounded(self, dict(inputs or {}), False, lambda: original(self, task_id, inputs))

        return wrapped

    def resume_async(original: Any) -> Any:
        async def wrapped(self: Any, feedback: str = "") -> Any:
            run = opened(self, {}, True)
            if run is None:
                return await original(self, feedback)
            try:
                output = await original(self, feedback)
            except BaseException as exc:
                ended(run, None, failed=True, error=exc)
                raise
            ended(run, output, failed=False, error=None)
            return output

        return wrapped

    _install(Crew, "replay", replay)
    _install(Flow, "resume_async", resume_async)


def unpatch_boundaries() -> None:
    """Put CrewAI's methods back, unless something wrapped ours since."""
    for cls, name in ((Crew, "replay"), (Flow, "resume_async")):
        owner = _defining(cls, name)
        original = getattr(owner.__dict__[name], _WRAPPED, None) if owner is not None else None
        if owner is not None and original is not None:
            type.__setattr__(owner, name, original)
