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
what the wrapper did not see: a cached result, and a call run outside the
armed context (an async function, a sync one CrewAI's async path runs in an executor thread).
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import logging
import threading
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeGuard

from crewai.events import crewai_event_bus
from crewai.hooks.tool_hooks import ToolCallHookContext, run_before_tool_call_hooks
from crewai.tools.tool_failure import ToolFailure
from crewai.utilities.string_utils import sanitize_tool_name

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
    call = Call(name, errors_before=getattr(task, "tools_errors", None), ep=ep, ctx=ctx)
    guard(getattr(ctx, "tool", None))
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


# ---------------------------------------------------------------------------------------- inside the call

_guard_lock = threading.Lock()
_GUARDED = "__skillevo_guarded__"


def guard(tool: Any) -> None:
    """Wrap the function a CrewAI tool call ends in (once per tool): the structured tool's ``func``
    (the text protocol's path) and its original tool's ``_run`` (native tool calls call
    ``BaseTool.run``). Never raises: an unwrapped tool is repaired by the after-hook."""
    if tool is None:
        return
    try:
        name = sanitize_tool_name(str(tool.name))
        with _guard_lock:
            func = getattr(tool, "func", None)
            if _wrappable(func):
                tool.func = _guarded(func, name, tool)
            original = getattr(tool, "_original_tool", None)
            run = getattr(original, "_run", None) if original is not None else None
            if _wrappable(run):
                # an instance attribute shadows the class's method (pydantic refuses a plain setattr)
                object.__setattr__(original, "_run", _guarded(run, name, tool))
            for holder in (tool, original):
                cache = getattr(holder, "cache_function", None)
                if holder is not None and callable(cache) and not getattr(cache, _GUARDED, False):
                    holder.cache_function = _uncached_when_repaired(cache, name)
    except Exception:
        log.exception("skillevo: could not wrap tool %r for repairs", getattr(tool, "name", tool))


def _wrappable(func: Any) -> TypeGuard[Callable[..., Any]]:
    # A coroutine function stays as it is: CrewAI tells async tools by it (and awaits their errors
    # outside the call), so those are repaired by the after-hook.
    return callable(func) and not getattr(func, _GUARDED, False) and not inspect.iscoroutinefunction(func)


def _guarded(func: Callable[..., Any], name: str, tool: Any) -> Callable[..., Any]:
    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        call = _call.get()
        if call is None or call.active or call.ep is None or call.name != name:
            return func(*args, **kwargs)
        call.active = True
        try:
            if not call.settled:
                return _repair_inside(call, call.ep, func, tool, args, kwargs)
            # CrewAI's own retry of a raising tool, after the failure was recorded: the after-hook
            # records its success (a raise is recorded already)
            call.raised = True
            result = func(*args, **kwargs)
            call.raised = False
            return result
        finally:
            call.active = False

    setattr(run, _GUARDED, True)
    return run


def _uncached_when_repaired(cache: Callable[..., Any], name: str) -> Callable[..., Any]:
    """The tool's ``cache_function``, refusing a repaired call's result: CrewAI's native tool calls
    key the cache by the arguments the model wrote, which never gave that result (a later call of
    them would be served it without running, repairing or recording anything)."""

    @functools.wraps(cache)
    def should_cache(*args: Any, **kwargs: Any) -> Any:
        call = _call.get()
        if call is not None and call.repaired and call.name == name:
            return False
        return cache(*args, **kwargs)

    setattr(should_cache, _GUARDED, True)
    return should_cache


def _repair_inside(
    call: Call, ep: EpisodeContext, func: Callable[..., Any], tool: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """Run the tool's function and record its outcome; after a failure (raised, or a failure it
    returned), retry with repaired arguments while a learned repair offers them and the other hooks
    let the retry run. Returns the last result, or raises the last error, as the tool would."""
    ctx, name = call.ctx, call.name
    sent = dict(ctx.tool_input or {})
    raw, error = _attempt(func, args, kwargs)
    for attempt in range(MAX_REPAIRS + 1):
        failure = error if error is not None else _failure(ep, name, sent, raw)
        if failure is None:
            call.done, call.raised = True, False
            return raw
        retry = _next(ep, name, sent, failure)
        call.settled, call.raised = True, error is not None
        if retry is None or attempt == MAX_REPAIRS or not isinstance(ctx.tool_input, MutableMapping):
            break
        allowed = _allowed(ep, ctx, retry)
        if allowed is None:
            call_left(ep, name, sent, retry)  # the repair's attempt never ran: it waits on nothing
            break
        replace_args(ctx.tool_input, allowed)
        sent, call.repaired = allowed, True
        try:
            parsed = _parsed(tool, allowed)
        except Exception as exc:  # the repaired arguments break the tool's schema: the tool's error
            raw, error = None, exc
            continue
        raw, error = _attempt(func, (), parsed)
    if error is not None:
        raise error
    call.done = True  # a failure returned, no repair left: recorded, the model sees it
    return raw


def _attempt(func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, Exception | None]:
    try:
        return func(*args, **kwargs), None
    except Exception as exc:
        return None, exc


def _failure(ep: EpisodeContext, name: str, args: dict[str, Any], raw: Any) -> Any:
    """Record a returned result: None for a success, else the failure to record (CrewAI's explicit
    `ToolFailure`, or the result itself when skillevo judges it failure-shaped)."""
    if isinstance(raw, ToolFailure):
        return raw.message or str(raw.reason)
    try:
        return raw if ep.on_tool_result(name, args, raw) else None
    except Exception as exc:
        record_error(ep, f"on_tool_result({name})", exc)
        return None


def _next(ep: EpisodeContext, name: str, args: dict[str, Any], error: Any) -> dict[str, Any] | None:
    """Record a failed attempt; the repaired arguments to retry with, or None (skillevo's own fault
    recorded: the tool's error stands, as it would without skillevo)."""
    try:
        return ep.on_tool_error(name, args, error)
    except Exception as exc:
        record_error(ep, f"on_tool_error({name})", exc)
        return None


def _parsed(tool: Any, args: dict[str, Any]) -> dict[str, Any]:
    """`args` as CrewAI hands them to the tool's function: outside the schema dropped, validated."""
    schema = getattr(tool, "args_schema", None)
    if schema is not None and hasattr(schema, "model_json_schema"):
        accepted = schema.model_json_schema().get("properties", {}).keys()
        args = {k: v for k, v in args.items() if k in accepted}
    parse = getattr(tool, "_parse_args", None)
    return dict(parse(args)) if callable(parse) else args
