"""One tool call between skillevo's before- and after-hook, and the steps a repair of it shares.

The before-hook arms a `Call` in a context variable; the wrapped tool function (`_tool_guard`) and
the after-hook (`_tool_hooks`) find it there.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field
from typing import Any

from crewai.hooks.tool_hooks import ToolCallHookContext, run_before_tool_call_hooks
from crewai.tools.tool_failure import ToolFailure

from skillevo.adapters import EpisodeContext, call_left, record_error

from ._tool_io import replace_args

__all__ = ["Call", "allowed", "current", "failure", "judging", "next_args", "permit"]


@dataclass
class Call:
    """One tool call seen by the before-hook, until the after-hook closes it."""

    name: str
    errors_before: int | None
    errors: list[BaseException] = field(default_factory=list)
    token: contextvars.Token[Call | None] | None = None
    #: the episode and the before-hook's context, for a repair inside the tool's call (`guard`)
    ep: EpisodeContext | None = None
    ctx: Any = None
    #: the tool's function is running for this call (a nested wrapper passes through)
    active: bool = False
    #: the wrapper recorded the call's failure: the after-hook records no outcome for a raised call
    settled: bool = False
    #: the tool's last run for this call raised (set while it runs)
    raised: bool = False
    #: the tool's function ran with repaired arguments for this call
    repaired: bool = False
    #: the wrapper recorded the outcome of the result it returned: the after-hook leaves it
    done: bool = False


#: the call the before-hook armed in this context
current: contextvars.ContextVar[Call | None] = contextvars.ContextVar("skillevo_crewai_call", default=None)
#: set while the other before-hooks judge a repaired retry (skillevo's own hook then stands aside)
_judging: contextvars.ContextVar[bool] = contextvars.ContextVar("skillevo_crewai_judging", default=False)


def judging() -> bool:
    """Whether the before-hooks now running judge one of skillevo's repaired retries."""
    return _judging.get()


def allowed(ep: EpisodeContext, ctx: Any, args: dict[str, Any]) -> dict[str, Any] | None:
    """The arguments a repaired retry runs with once the other ``before_tool_call`` hooks had their
    say (they may edit them in place), or None when one of them refuses it."""
    trial = ToolCallHookContext(
        tool_name=ctx.tool_name,
        tool_input=dict(args),
        tool=ctx.tool,
        agent=ctx.agent,
        task=getattr(ctx, "task", None),
        crew=getattr(ctx, "crew", None),
    )
    token = _judging.set(True)
    try:
        refused = run_before_tool_call_hooks(trial)
    except Exception as exc:  # a hook's error other than a refusal: CrewAI swallows those, we do not retry
        record_error(ep, f"before_tool_call hooks({ctx.tool_name})", exc)
        return None
    finally:
        _judging.reset(token)
    return None if refused or not isinstance(trial.tool_input, dict) else dict(trial.tool_input)


def permit(
    ep: EpisodeContext, ctx: Any, name: str, sent: dict[str, Any], retry: dict[str, Any]
) -> dict[str, Any] | None:
    """The repaired retry's arguments the other hooks allow (`allowed`), put in the call's input; None
    when they refuse it (recorded: the repair's attempt never ran, so it waits on nothing)."""
    permitted = allowed(ep, ctx, retry)
    if permitted is None:
        call_left(ep, name, sent, retry)
        return None
    replace_args(ctx.tool_input, permitted)
    return permitted


def failure(ep: EpisodeContext, name: str, args: dict[str, Any], raw: Any) -> Any:
    """Record a returned result: None for a success, else the failure to record (CrewAI's explicit
    `ToolFailure`, or the result itself when skillevo judges it failure-shaped)."""
    if isinstance(raw, ToolFailure):
        return raw.message or str(raw.reason)
    try:
        return raw if ep.on_tool_result(name, args, raw) else None
    except Exception as exc:
        record_error(ep, f"on_tool_result({name})", exc)
        return None


def next_args(ep: EpisodeContext, name: str, args: dict[str, Any], error: Any) -> dict[str, Any] | None:
    """Record a failed attempt; the repaired arguments to retry with, or None (skillevo's own fault
    recorded: the tool's error stands, as it would without skillevo)."""
    try:
        return ep.on_tool_error(name, args, error)
    except Exception as exc:
        record_error(ep, f"on_tool_error({name})", exc)
        return None
