"""The tool-call hooks: learned repairs before a call, the outcome after it, repaired retries.

CrewAI's tool hooks are process-wide and other users' hooks share them: an approval gate, an
audit log, a policy that refuses some arguments, a redaction of results. skillevo's hooks run
first of the global ones (see `_hooks`), so that every other hook sees the arguments a call runs
with (a repair applied before the call included) and the result the model will see (a repaired
retry's included). A repaired retry is itself a tool call: it goes through the other
``before_tool_call`` hooks, and does not run when one of them refuses it. A call another hook
refused (CrewAI's "blocked by hook" result) is neither the tool's outcome nor retried.

The outcome is recorded, and a repair after a failure (raised, or returned) runs, inside the
tool's own call (`guard` wraps the tool's function once; the wrapper acts only for the call the
before-hook armed in its context): CrewAI then sees the repaired call's result as the call's
outcome, so its ``result_as_answer``, usage count, cache and failure policy follow the repaired
call, and its own retries of a raising tool do not run the failing arguments again. Before
2026-12-07 the repair ran in the after-hook, after CrewAI had judged the call from the original
failure (10 of 14 probes wrong, see ``docs/crewai.md``). The after-hook still records and repairs
what the wrapper did not see: a cached result, and a call run outside the armed context (a sync
function that ``CrewStructuredTool.ainvoke`` runs in an executor thread, which copies no context).
The wrap itself is `_tool_guard`; the call both share is `_tool_call`.
"""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from typing import TYPE_CHECKING, Any

from crewai.events import crewai_event_bus

from skillevo.adapters import MAX_REPAIRS, EpisodeContext, call_left, declare_tools, record_tool_error

from ._rejected import as_recorded, unknown_error, unknown_tool
from ._tool_call import Call, current, judging, permit
from ._tool_guard import guard
from ._tool_io import blocked, format_output, invoke, raised_message, replace_args

if TYPE_CHECKING:
    from ._hooks import _Run

__all__ = ["FLUSH_TIMEOUT_S", "Call", "after_tool", "before_tool", "judging", "on_tool_error_event"]

log = logging.getLogger("skillevo_crewai")

#: how long the after-tool hook waits for CrewAI's event bus to deliver a tool's exception
FLUSH_TIMEOUT_S = 5.0


def before_tool(run: _Run, ep: EpisodeContext, ctx: Any) -> None:
    name = str(ctx.tool_name)
    try:
        name = as_recorded(ctx)
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
    call = Call(name, errors_before=getattr(task, "tools_errors", None), ep=ep, ctx=ctx)
    guard(getattr(ctx, "tool", None))
    call.token = current.set(call)
    with run.lock:
        run.calls[id(ctx.tool_input)] = call
    return None


def on_tool_error_event(source: Any, event: Any) -> None:
    # Runs on CrewAI's handler pool in a copy of the emitting context: `current` is the call that raised.
    call = current.get()
    error = getattr(event, "error", None)
    if call is not None and isinstance(error, BaseException) and str(getattr(event, "tool_name", "")) == call.name:
        call.errors.append(error)


def after_tool(run: _Run, ep: EpisodeContext, ctx: Any) -> str | None:
    with run.lock:
        call = run.calls.pop(id(ctx.tool_input), None)
    if call is not None and call.token is not None:
        try:
            current.reset(call.token)
        except ValueError:
            current.set(None)
    name = str(ctx.tool_name)
    try:
        name = as_recorded(ctx)
        if blocked(ctx.raw_tool_result):  # refused by another hook: the tool did not run
            if call is not None:
                args = dict(ctx.tool_input or {})
                call_left(ep, name, args, args)  # no outcome: nothing waits on it
            return None
        if call is None:  # the before-hook did not see this call
            call = Call(name, errors_before=None)
            ep.before_tool(name, dict(ctx.tool_input or {}))
        if unknown_tool(run, ctx):  # a name none of the agent's tools has: CrewAI ran nothing
            record_tool_error(ep, name, dict(ctx.tool_input or {}), unknown_error(str(ctx.tool_name), ctx.agent))
            return None
        if call.done or call.settled:  # the tool's own call recorded its outcome (and repaired it)
            if call.done or call.raised:
                return None
            # CrewAI's own retry of the raising tool succeeded after the failure was recorded
            raw = ctx.raw_tool_result if ctx.raw_tool_result is not None else ctx.tool_result
            ep.on_tool_result(name, dict(ctx.tool_input or {}), raw)
            return None
        return _settle(ep, ctx, call, name)
    except Exception:
        log.exception("skillevo: after_tool_call for %r failed", name)
        return None


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
        permitted = permit(ep, ctx, name, args, retry)
        if permitted is None:
            return shown
        args = permitted
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
