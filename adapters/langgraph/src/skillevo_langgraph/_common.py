"""Pieces shared by the middleware and the graph wrapper: reading messages, running a tool call with repairs."""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Awaitable, Callable, Collection, Iterator, Sequence
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.runnables.config import get_callback_manager_for_config, var_child_runnable_config
from langgraph.errors import GraphBubbleUp
from langgraph.prebuilt.tool_node import ToolCallRequest
from langsmith.run_helpers import get_current_run_tree

from skillevo.adapters import EpisodeContext, acall_tool, call_tool, injected_params, record_error

from ._callbacks import handlers_and_silence


def task_text(messages: Sequence[Any] | None) -> str:
    """The episode's task: the text of the last human message."""
    for message in reversed(messages if isinstance(messages, list | tuple) else list(messages or [])):
        if isinstance(message, HumanMessage):
            return message.text
        if isinstance(message, dict) and message.get("role") in ("user", "human"):
            return str(message.get("content", ""))
        if isinstance(message, tuple) and len(message) == 2 and message[0] in ("user", "human"):
            return str(message[1])
        if isinstance(message, str):
            return message
    return ""


# message class -> whether it is a human message (see `last_human`)
_HUMAN: dict[type, bool] = {HumanMessage: True}


def last_human(messages: Sequence[Any]) -> HumanMessage | None:
    """The last human message of `messages` (LangChain messages), if any."""
    # Every model call of the middleware reads it, across the whole history: `isinstance` against a
    # message class that does not match walks the ABC caches (most messages are not human ones), so
    # the answer is kept per message class.
    human = _HUMAN
    for message in reversed(messages):
        is_human = human.get(type(message))
        if is_human is None:
            is_human = isinstance(message, HumanMessage)
            if len(human) < 64:
                human[type(message)] = is_human
        if is_human:
            return message  # type: ignore[no-any-return]
    return None


def add_guidance(system: SystemMessage | None, text: str) -> SystemMessage:
    """A system message with `text` appended (content blocks kept)."""
    if system is None:
        return SystemMessage(content=text)
    if text in system.text:
        return system
    content = system.content
    if isinstance(content, str):
        return SystemMessage(content=f"{content}\n\n{text}" if content else text)
    return SystemMessage(content=[*content, {"type": "text", "text": text}])


def tool_names(tools: Sequence[Any]) -> list[str]:
    """Names of LangChain tools or tool dicts."""
    names = []
    for tool in tools:
        name = tool.get("name") if isinstance(tool, dict) else getattr(tool, "name", None)
        if name is None and isinstance(tool, dict) and isinstance(tool.get("function"), dict):
            name = tool["function"].get("name")
        if isinstance(name, str):
            names.append(name)
    return names


def _error_message(exc: BaseException, call: dict[str, Any]) -> ToolMessage:
    try:
        described = f"{type(exc).__name__}: {exc}"
    except Exception:  # the tool's exception cannot say what it is (its __str__ raises): its type does
        described = type(exc).__name__
    return ToolMessage(
        content=f"Error: {described}",
        tool_call_id=call.get("id") or "",
        name=call.get("name"),
        status="error",
    )


def read_result(result: Any) -> tuple[Any, str | None]:
    """What the contract classifies of a tool's result: a message's content, and its error text
    when LangChain already marks it failed (``ToolMessage.status == "error"``)."""
    if isinstance(result, ToolMessage) and result.status == "error":
        return result.content, result.text or "error"
    if isinstance(result, BaseMessage):
        return result.content, None
    # Commands and other graph-control objects: the call went through.
    return (result if isinstance(result, str | dict | list) else "ok"), None


_PASSTHROUGH = (GraphBubbleUp,)


def run_tool_call(
    ep: EpisodeContext,
    call: dict[str, Any],
    execute: Callable[[dict[str, Any]], Any],
    *,
    on_exception: Callable[[BaseException], Any] | None = None,
    injected: Collection[str] = (),
) -> Any:
    """Run one tool call under the adapter contract (`skillevo.adapters.call_tool`).

    `execute(args)` runs the tool with those args (the call's own ``args`` object when nothing was
    repaired). With `on_exception`, an exception becomes what it returns (an error `ToolMessage`:
    `ToolRun.error`) instead of propagating (graph interrupts always propagate). `injected`
    parameters are passed on, never recorded.
    """
    return call_tool(ep, str(call.get("name") or ""), call.get("args"), execute, read=read_result,
                     injected=injected, passthrough=_PASSTHROUGH, on_exception=on_exception)


async def arun_tool_call(
    ep: EpisodeContext,
    call: dict[str, Any],
    execute: Callable[[dict[str, Any]], Awaitable[Any]],
    *,
    on_exception: Callable[[BaseException], Any] | None = None,
    injected: Collection[str] = (),
) -> Any:
    """`run_tool_call` for async tools; store writes and back-off waits do not block the loop."""
    return await acall_tool(ep, str(call.get("name") or ""), call.get("args"), execute, read=read_result,
                            injected=injected, passthrough=_PASSTHROUGH, on_exception=on_exception)


_FRAMES_MAX = 400  # how far up the stack an outer tool middleware is looked for


def _task_frames(task: Any) -> list[Any]:
    """The frames of `task`'s coroutine chain, innermost first (where it awaits another task)."""
    frames: list[Any] = []
    coro = task.get_coro()
    while coro is not None and len(frames) < _FRAMES_MAX:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        if frame is None:
            break
        frames.append(frame)
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
    frames.reverse()
    return frames


def _waiter(task: Any) -> Any:
    """The task awaiting `task` (LangSmith's ``traceable`` runs each async hook in a task of its own)."""
    for other in asyncio.all_tasks():
        if getattr(other, "_fut_waiter", None) is task:
            return other
    return None


def _callers() -> Iterator[Any]:
    """The frames of the running call, innermost first, across the asyncio tasks that await it."""
    frame: Any = sys._getframe(2)
    while frame is not None:
        yield frame
        frame = frame.f_back
    try:
        task = asyncio.current_task()
    except RuntimeError:  # no running event loop: the stack above is all there is
        return
    while task is not None:
        task = _waiter(task)
        if task is not None:
            yield from _task_frames(task)


def outer_tool_wrapper(owner: object) -> bool:
    """True when another agent middleware wraps `owner`'s tool-call hook, which is running now.

    ``create_agent`` composes the middlewares' tool-call hooks into one chain (the first middleware
    outermost) that its tool node calls, and exposes neither the chain nor a middleware's place in
    it. The call stack has both: above `owner`'s frame, up to the tool node's, a frame run by
    another ``AgentMiddleware`` (its first parameter) is a hook of a middleware stacked before it (async
    hooks run in tasks of their own: the stack goes on in the task awaiting each). Called only when
    a tool raised, never on a call that succeeded; anything unexpected reads as "no outer hook".
    """
    from langchain.agents.middleware import AgentMiddleware  # (imported with the middleware already)
    from langgraph.prebuilt import ToolNode

    above = False
    try:
        for depth, frame in enumerate(_callers()):
            if depth > _FRAMES_MAX:
                return False
            # A method's instance is its first parameter, whatever its name (LangChain's own
            # ``@wrap_tool_call`` hooks call it ``_self``).
            code = frame.f_code
            this = frame.f_locals.get(code.co_varnames[0]) if code.co_argcount else None
            if this is owner:
                above = True
            elif isinstance(this, ToolNode):
                return False
            elif above and isinstance(this, AgentMiddleware):
                return True
    except Exception:  # an interpreter or asyncio without these internals: the documented default
        return False
    return False


class ToolRun:
    """One tool call of a middleware hook, as `call_tool` calls it back: `execute(args)` runs it (the
    request as it came when `args` is its own arguments object, else a copy with `args`), `error`
    makes the error message of an exception. Methods of one object, where closures would make a
    function and a cell per variable on every call (live while the tool runs)."""

    __slots__ = ("call", "handler", "original", "owner", "request")

    def __init__(
        self, request: ToolCallRequest, handler: Callable[[ToolCallRequest], Any], owner: object = None
    ) -> None:
        self.request = request
        self.handler = handler
        self.owner = owner
        self.call: dict[str, Any] = request.tool_call  # type: ignore[assignment]
        self.original = self.call.get("args")

    def execute(self, args: dict[str, Any]) -> Any:
        if args is self.original:  # not repaired: the request as it came
            return self.handler(self.request)
        return self.handler(self.request.override(tool_call={**self.call, "args": args}))  # type: ignore[typeddict-item]

    async def aexecute(self, args: dict[str, Any]) -> Any:
        if args is self.original:
            return await self.handler(self.request)
        return await self.handler(self.request.override(tool_call={**self.call, "args": args}))  # type: ignore[typeddict-item]

    def error(self, exc: BaseException) -> ToolMessage:
        # A middleware stacked before the owner (a ToolRetryMiddleware, the user's fallback) handles
        # the tool's exceptions itself: it gets the exception, as it would without skillevo.
        if self.owner is not None and outer_tool_wrapper(self.owner):
            raise exc
        return _error_message(exc, self.call)


def run_request(
    ep: EpisodeContext, request: ToolCallRequest, handler: Callable[[ToolCallRequest], Any], catch: bool,
    owner: object = None,
) -> Any:
    """`run_tool_call` for a middleware's request: `handler(request)` runs the call. With `catch`, the
    tool's remaining exception becomes an error message, unless a middleware stacked before `owner`
    (the middleware running it) is there to handle it."""
    try:
        injected = injected_params(request.tool)
    except Exception as exc:  # what is not an argument unknown: the call runs unobserved
        record_error(ep, "injected parameters", exc)
        return handler(request)
    run = ToolRun(request, handler, owner)
    return run_tool_call(ep, run.call, run.execute, on_exception=run.error if catch else None, injected=injected)


async def arun_request(
    ep: EpisodeContext, request: ToolCallRequest, handler: Callable[[ToolCallRequest], Awaitable[Any]], catch: bool,
    owner: object = None,
) -> Any:
    """`run_request` for async tools."""
    try:
        injected = injected_params(request.tool)
    except Exception as exc:
        record_error(ep, "injected parameters", exc)
        return await handler(request)
    run = ToolRun(request, handler, owner)
    return await arun_tool_call(ep, run.call, run.aexecute, on_exception=run.error if catch else None,
                                injected=injected)


def injected_of(tool: Any) -> frozenset[str]:
    """The parameters LangGraph injects into `tool`'s calls (state, store, runtime, call id)."""
    return injected_params(tool) if tool is not None else frozenset()


def run_identity(runtime: Any = None) -> tuple[str | None, bool]:
    """The id of the run a user sees for the current invocation, if it can be known, and whether a
    custom event dispatched now would reach nobody (`no_receivers`).

    The run id, in order: the ``run_id`` the caller passed in the invocation's config (LangGraph's
    ``runtime.execution_info``); the current LangSmith trace's id (its root run); the root of the
    run tree kept by a tracer among the run's callback handlers (e.g. ``collect_runs``).
    """
    found, silent = handlers_and_silence()
    info = getattr(runtime, "execution_info", None)
    rid = getattr(info, "run_id", None)
    if rid:
        return str(rid), silent
    if silent:  # no handler, no LangSmith run: nothing else to read it from
        return None, True
    tree = get_current_run_tree()
    if tree is not None and getattr(tree, "trace_id", None):
        return str(tree.trace_id), False
    config = var_child_runnable_config.get()
    if config is None:
        return None, False
    if found is None:  # LangChain would add more than the existing handlers: let it build the manager
        manager = get_callback_manager_for_config(config)
        found = manager.handlers, manager.parent_run_id
    handlers, parent_run_id = found
    for handler in handlers:
        run_map = getattr(handler, "run_map", None)
        if not isinstance(run_map, dict) or not run_map:
            continue
        run = run_map.get(str(parent_run_id))
        while run is not None and getattr(run, "parent_run_id", None) is not None:
            parent = run_map.get(str(run.parent_run_id))
            if parent is None:
                break
            run = parent
        if run is not None and getattr(run, "parent_run_id", None) is None:
            return str(run.id), False
        roots = [r for r in run_map.values() if getattr(r, "parent_run_id", None) is None]
        if len(roots) == 1:
            return str(roots[0].id), False
    return None, False


#: The key of the invocation config's ``metadata`` whose value becomes the episode's group key
#: (``skillevo export grpo`` groups episodes by it: one group per task template or intent).
GROUP_KEY_METADATA = "skillevo_group_key"


def run_group_key() -> str | None:
    """The group key the caller put in the invocation's config metadata, if any (a short string)."""
    config = var_child_runnable_config.get()
    metadata = (config or {}).get("metadata") or {}
    value = metadata.get(GROUP_KEY_METADATA) if isinstance(metadata, dict) else None
    return value[:200] if isinstance(value, str) and value.strip() else None


class EndedRuns:
    """The ids of the last `limit` episodes a middleware ended (thread-safe): a tool call of a run
    arriving after its run ended (a parallel call still running when another's exception ended the
    run) is that run's straggler, not a run resumed in this instance, and opens no episode."""

    __slots__ = ("_ids", "_limit", "_lock")

    def __init__(self, limit: int) -> None:
        self._ids: dict[str, None] = {}
        self._limit = limit
        self._lock = threading.Lock()

    def add(self, episode_id: str) -> None:
        with self._lock:
            self._ids[episode_id] = None
            if len(self._ids) > self._limit:
                del self._ids[next(iter(self._ids))]

    def __contains__(self, episode_id: object) -> bool:
        return episode_id in self._ids
