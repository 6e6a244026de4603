"""The wrap around the function a CrewAI tool call ends in: a repair after a failure runs inside it.

`guard` wraps, once per tool, every function a call can end in: the structured tool's ``func`` (the
ReAct text protocol's path), a function tool's own ``func`` (``@tool``: native calls run
``Tool.run``, which calls it directly) and its original tool's ``_run`` (native calls of a
``BaseTool`` subclass). The wrapper acts only for the call the before-hook armed in its context
(`_tool_call.current`); every other call passes through untouched.

``_run`` is wrapped by swapping in a subclass of the tool's class (same name and module) whose
``_run`` is guarded, never by an instance attribute: pydantic's ``model_copy`` copies instance
attributes, so a copied tool ran the original instance's bound ``_run`` (its state, its
configuration) before 2026-12-07. A method of the class binds to each copy.

An ``async def`` tool (or a function returning an awaitable) is repaired in an awaitable that
stands for the call: CrewAI awaits it where it awaits the tool, so the repaired result, or the
last error, is what CrewAI judges (before 2026-12-07 an async tool's error was awaited outside the
wrap: no repair with the ReAct protocol, the repaired ``result_as_answer`` result not the answer
with native calls).
"""

from __future__ import annotations

import functools
import inspect
import logging
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, TypeGuard

from crewai.utilities.string_utils import sanitize_tool_name

from skillevo.adapters import MAX_REPAIRS, EpisodeContext

from ._tool_call import Call, current, failure, next_args, permit

__all__ = ["guard"]

log = logging.getLogger("skillevo_crewai")

_guard_lock = threading.Lock()
_GUARDED = "__skillevo_guarded__"
#: a tool class -> its subclass with a guarded ``_run`` (itself: it refused one)
_classes: dict[type, type] = {}


def guard(tool: Any) -> None:
    """Wrap the functions a CrewAI tool call ends in (once per tool). Never raises: a tool left
    unwrapped is repaired by the after-hook."""
    if tool is None:
        return
    try:
        name = sanitize_tool_name(str(tool.name))
    except Exception:
        log.exception("skillevo: could not wrap tool %r for repairs", tool)
        return
    original = getattr(tool, "_original_tool", None)
    # Each wrap on its own: one that fails (a class that refuses a subclass) leaves the others in
    # place (before, the cache guard was skipped and a repaired or failed result was cached).
    for step in (_guard_funcs, _guard_caches, _guard_class):
        try:
            with _guard_lock:
                step(tool, original, name)
        except Exception:
            log.exception("skillevo: could not wrap tool %r for repairs (%s)", name, step.__name__)


def _guard_funcs(tool: Any, original: Any, name: str) -> None:
    func = getattr(tool, "func", None)
    if _wrappable(func):
        tool.func = _wrapped(func, name)
    own = getattr(original, "func", None) if original is not None else None
    if _wrappable(own):
        # a function tool's field: copies share the function, as they do unwrapped
        object.__setattr__(original, "func", _wrapped(own, name))


def _guard_caches(tool: Any, original: Any, name: str) -> None:
    for holder in (tool, original):
        cache = getattr(holder, "cache_function", None)
        if holder is not None and callable(cache) and not getattr(cache, _GUARDED, False):
            holder.cache_function = _uncached_when_repaired(cache, name)


def _wrappable(func: Any) -> TypeGuard[Callable[..., Any]]:
    return callable(func) and not getattr(func, _GUARDED, False)


def _guard_class(tool: Any, original: Any, name: str) -> None:
    if original is None:
        return
    cls = type(original)
    run = getattr(cls, "_run", None)
    if getattr(cls, _GUARDED, False) or not callable(run) or _classes.get(cls) is cls:
        return
    guarded = _classes.get(cls)
    if guarded is None:
        namespace: dict[str, Any] = {
            "__module__": cls.__module__,
            "__qualname__": cls.__qualname__,
            _GUARDED: True,
            "_run": _guarded_method(run),
        }
        _classes[cls] = cls  # (a class that refuses a subclass is tried once: its calls are repaired after)
        guarded = type(cls.__name__, (cls,), namespace)
        _classes[cls] = guarded
    object.__setattr__(original, "__class__", guarded)


def _guarded_method(run: Callable[..., Any]) -> Callable[..., Any]:
    if inspect.iscoroutinefunction(run):

        @functools.wraps(run)
        async def arun(self: Any, *args: Any, **kwargs: Any) -> Any:
            name = sanitize_tool_name(str(self.name))
            return await _through(name, functools.partial(run, self), args, kwargs)

        setattr(arun, _GUARDED, True)
        return arun

    @functools.wraps(run)
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        return _through(sanitize_tool_name(str(self.name)), functools.partial(run, self), args, kwargs)

    setattr(method, _GUARDED, True)
    return method


def _wrapped(func: Callable[..., Any], name: str) -> Callable[..., Any]:
    if inspect.iscoroutinefunction(func):
        # stays a coroutine function: CrewAI tells async tools by it

        @functools.wraps(func)
        async def arun(*args: Any, **kwargs: Any) -> Any:
            return await _through(name, func, args, kwargs)

        setattr(arun, _GUARDED, True)
        return arun

    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        return _through(name, func, args, kwargs)

    setattr(run, _GUARDED, True)
    return run


def _through(name: str, func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Run `func` for the armed call of tool `name` (repairing it), or untouched for any other call."""
    call = current.get()
    if call is None or call.active or call.ep is None or call.name != name:
        return func(*args, **kwargs)
    call.active = True
    try:
        if not call.settled:
            return _repair_inside(call, call.ep, func, args, kwargs)
        # CrewAI's own retry of a raising tool, after the failure was recorded: the after-hook
        # records its success (a raise is recorded already)
        call.raised = True
        result = func(*args, **kwargs)
        if inspect.isawaitable(result):
            return _retried_later(call, result)
        call.raised = False
        return result
    finally:
        call.active = False


async def _retried_later(call: Call, pending: Awaitable[Any]) -> Any:
    call.active = True
    try:
        result = await pending
        call.raised = False
        return result
    finally:
        call.active = False


def _uncached_when_repaired(cache: Callable[..., Any], name: str) -> Callable[..., Any]:
    """The tool's ``cache_function``, refusing a repaired call's result and a failure: CrewAI's
    native tool calls key the cache by the arguments the model wrote, which never gave the repaired
    result (a later call of them would be served it without running, repairing or recording
    anything); a cached failure would be served where a repair learned since could fix the call
    (before 2026-12-07 it was, and with the ReAct protocol it stayed a ``result_as_answer`` answer)."""

    @functools.wraps(cache)
    def should_cache(*args: Any, **kwargs: Any) -> Any:
        call = current.get()
        if call is not None and (call.repaired or call.settled) and call.name == name:
            return False
        return cache(*args, **kwargs)

    setattr(should_cache, _GUARDED, True)
    return should_cache


def _repair_inside(
    call: Call, ep: EpisodeContext, func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """Run the tool's function and record its outcome; after a failure (raised, or a failure it
    returned), retry with repaired arguments while a learned repair offers them and the other hooks
    let the retry run. Returns the last result, or raises the last error, as the tool would (an
    awaitable of them for a tool whose function returns one)."""
    sent = dict(call.ctx.tool_input or {})
    raw, error = _attempt(func, args, kwargs)
    if error is None and inspect.isawaitable(raw):
        return _repair_later(call, ep, func, sent, raw)
    for attempt in range(MAX_REPAIRS + 1):
        step = _next_attempt(call, ep, sent, raw, error, attempt)
        if step is None:
            break
        sent, parsed = step
        raw, error = (None, parsed) if isinstance(parsed, Exception) else _attempt(func, (), parsed)
    return _outcome(call, raw, error)


async def _repair_later(
    call: Call, ep: EpisodeContext, func: Callable[..., Any], sent: dict[str, Any], pending: Awaitable[Any]
) -> Any:
    """`_repair_inside` for a tool whose function returns an awaitable: awaited where CrewAI awaits
    the call."""
    call.active = True
    try:
        raw, error = await _settled(pending)
        for attempt in range(MAX_REPAIRS + 1):
            step = _next_attempt(call, ep, sent, raw, error, attempt)
            if step is None:
                break
            sent, parsed = step
            raw, error = (None, parsed) if isinstance(parsed, Exception) else _attempt(func, (), parsed)
            if error is None and inspect.isawaitable(raw):
                raw, error = await _settled(raw)
        return _outcome(call, raw, error)
    finally:
        call.active = False


def _next_attempt(
    call: Call, ep: EpisodeContext, sent: dict[str, Any], raw: Any, error: Exception | None, attempt: int
) -> tuple[dict[str, Any], dict[str, Any] | Exception] | None:
    """Record one attempt's outcome. None: the call ends with it; else the repaired arguments and
    what the tool's function is called with (the tool's own error when they break its schema)."""
    ctx, name = call.ctx, call.name
    failed = error if error is not None else failure(ep, name, sent, raw)
    if failed is None:
        call.done, call.raised = True, False
        return None
    retry = next_args(ep, name, sent, failed)
    call.settled, call.raised = True, error is not None
    if retry is None or attempt == MAX_REPAIRS or not isinstance(ctx.tool_input, MutableMapping):
        return None
    permitted = permit(ep, ctx, name, sent, retry)
    if permitted is None:
        return None
    call.repaired = True
    try:
        return permitted, _parsed(ctx.tool, permitted)
    except Exception as exc:  # the repaired arguments break the tool's schema: the tool's error
        return permitted, exc


def _outcome(call: Call, raw: Any, error: Exception | None) -> Any:
    if error is not None:
        raise error
    call.done = True  # recorded (a failure returned with no repair left included): the model sees it
    return raw


def _attempt(func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, Exception | None]:
    try:
        return func(*args, **kwargs), None
    except Exception as exc:
        return None, exc


async def _settled(pending: Awaitable[Any]) -> tuple[Any, Exception | None]:
    try:
        return await pending, None
    except Exception as exc:
        return None, exc


def _parsed(tool: Any, args: dict[str, Any]) -> dict[str, Any]:
    """`args` as CrewAI hands them to the tool's function: outside the schema dropped, validated."""
    schema = getattr(tool, "args_schema", None)
    if schema is not None and hasattr(schema, "model_json_schema"):
        accepted = schema.model_json_schema().get("properties", {}).keys()
        args = {k: v for k, v in args.items() if k in accepted}
    parse = getattr(tool, "_parse_args", None)
    return dict(parse(args)) if callable(parse) else args
