"""The tool-call hooks: learned repairs before a call, the outcome after it, repaired retries.

CrewAI's tool hooks are process-wide and other users' hooks share them: an approval gate, an
audit log, a policy that refuses some arguments, a redaction of results. skillevo's hooks run
first of the global ones (see `_hooks`), so that every other hook sees the arguments a call runs
with (a repair applied before the call included) and the result the model will see (a repaired
retry's included). A repaired retry is itself a tool call: it goes through the other
``before_tool_call`` hooks, and does not run when one of them refuses it. A call another hook
refused (CrewAI's "blocked by hook" result) is neither the tool's outcome nor retried.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crewai.events import crewai_event_bus
from crewai.hooks.tool_hooks import ToolCallHookContext, run_before_tool_call_hooks

from skillevo.adapters import MAX_REPAIRS, EpisodeContext, call_left, declare_tools, record_error

from ._tool_io import blocked, format_output, invoke, raised_message, replace_args

if TYPE_CHECKING:
    from ._hooks import _Run

__all__ = ["FLUSH_TIMEOUT_S", "Call", "after_tool", "before_tool", "on_tool_error_event"]

log = logging.getLogger("skillevo_crewai")

#: how long the after-tool hook waits for CrewAI's event bus to deliver a tool's exception
FLUSH_TIMEOUT_S = 5.0


@dataclass
class Call:
    """One tool call seen by the before-hook, until the after-hook closes it."""

    name: str
    errors_before: int | None
    errors: list[BaseException] = field(default_factory=list)
    token: contextvars.Token[Call | None] | None = None


_call: contextvars.ContextVar[Call | None] = contextvars.ContextVar("skillevo_crewai_call", default=None)
#: set while the other before-hooks judge a repaired retry (skillevo's own hook then stands aside)
_judging: contextvars.ContextVar[bool] = contextvars.ContextVar("skillevo_crewai_judging", default=False)


def judging() -> bool:
    """Whether the before-hooks now running judge one of skillevo's repaired retries."""
    return _judging.get()


def before_tool(run: _Run, ep: EpisodeContext, ctx: Any) -> None:
    name = str(ctx.tool_name)
    try:
        tool = getattr(ctx, "tool", None)
        if tool is not None:
            declare_tools(ep.evo, [tool])  # schema-aware repairs need the tool's JSON schema
        args = dict(ctx.tool_input or {})
        new = ep.before_tool(name, args)
        if new is not args and isinstance(ctx.tool_input, MutableMapping):
            replace_args(ctx.tool_input, new)
    except Exception:
        log.exception("skillevo: before_tool_call for %r failed", name)
        return None
    task = getattr(ctx, "task", None)
    call = Call(name, errors_before=getattr(task, "tools_errors", None))
    call.token = _call.set(call)
    with run.lock:
        run.calls[id(ctx.tool_input)] = call
    return None


def on_tool_error_event(source: Any, event: Any) -> None:
    # Runs on CrewAI's handler pool in a copy of the emitting context: `_call` is the call that raised.
    call = _call.get()
    error = getattr(event, "error", None)
    if call is not None and isinstance(error, BaseException) and str(getattr(event, "tool_name", "")) == call.name:
        call.errors.append(error)


def after_tool(run: _Run, ep: EpisodeContext, ctx: Any) -> str | None:
    with run.lock:
        call = run.calls.pop(id(ctx.tool_input), None)
    if call is not None and call.token is not None:
        try:
            _call.reset(call.token)
        except ValueError:
            _call.set(None)
    name = str(ctx.tool_name)
    try:
        if blocked(ctx.raw_tool_result):  # refused by another hook: the tool did not run
            if call is not None:
                args = dict(ctx.tool_input or {})
                call_left(ep, name, args, args)  # no outcome: nothing waits on it
            return None
        if call is None:  # the before-hook did not see this call
            call = Call(name, errors_before=None)
            ep.before_tool(name, dict(ctx.tool_input or {}))
        return _settle(ep, ctx, call, name)
    except Exception:
        log.exception("skillevo: after_tool_call for %r failed", name)
        return None


def _allowed(ep: EpisodeContext, ctx: Any, args: dict[str, Any]) -> dict[str, Any] | None:
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


def _settle(ep: EpisodeContext, ctx: Any, call: Call, name: str) -> str | None:
    """Record the call's outcome; on failure, retry with repaired arguments while a learned repair
    offers them and the other hooks let the retry run. Returns the result the model sees instead of
    the failed one (None: the original stays)."""
    args = dict(ctx.tool_input or {})
    task = getattr(ctx, "task", None)
    errors_after = getattr(task, "tools_errors", None)
    message = raised_message(ctx.tool_result)
    counted = call.errors_before is not None and isinstance(errors_after, int) and errors_after > call.errors_before
    if counted and not call.errors:
        crewai_event_bus.flush(timeout=FLUSH_TIMEOUT_S)
    # The task's error counter is shared by the calls of a model turn, which CrewAI runs in parallel
    # (native tool calls): it says that some call raised. This one raised when its own error event
    # came (delivered in its context, see `on_tool_error_event`) or its result is CrewAI's text for it.
    raised = message is not None or bool(call.errors)
    retry: dict[str, Any] | None
    if raised:
        error: Any = call.errors[-1] if call.errors else message
        retry = ep.on_tool_error(name, args, error)
    else:
        raw = ctx.raw_tool_result if ctx.raw_tool_result is not None else ctx.tool_result
        retry = ep.on_tool_error(name, args, raw) if ep.on_tool_result(name, args, raw) else None
    shown: str | None = None
    for _ in range(MAX_REPAIRS):
        if retry is None or not isinstance(ctx.tool_input, MutableMapping):
            return shown
        allowed = _allowed(ep, ctx, retry)
        if allowed is None:
            call_left(ep, name, args, retry)  # the repair's attempt never ran: it waits on nothing
            return shown
        replace_args(ctx.tool_input, allowed)
        args = allowed
        try:
            raw = invoke(ctx.tool, args)
        except Exception as exc:
            retry = ep.on_tool_error(name, args, exc)
            continue
        shown = format_output(ctx.tool, raw)
        if ep.on_tool_result(name, args, raw):
            retry = ep.on_tool_error(name, args, raw)
            continue
        return shown
    return shown
