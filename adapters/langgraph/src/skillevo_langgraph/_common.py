"""Pieces shared by the middleware and the graph wrapper: reading messages, running a tool call with repairs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langgraph.errors import GraphBubbleUp

from skillevo._evolver import EpisodeContext

#: follow at most this many repaired retries of one tool call
MAX_REPAIRS = 5


def task_text(messages: Sequence[Any] | None) -> str:
    """The episode's task: the text of the last human message."""
    for message in reversed(list(messages or [])):
        if isinstance(message, HumanMessage):
            return message.text
        if isinstance(message, dict) and message.get("role") in ("user", "human"):
            return str(message.get("content", ""))
        if isinstance(message, tuple) and len(message) == 2 and message[0] in ("user", "human"):
            return str(message[1])
        if isinstance(message, str):
            return message
    return ""


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
    return ToolMessage(
        content=f"Error: {type(exc).__name__}: {exc}",
        tool_call_id=call.get("id") or "",
        name=call.get("name"),
        status="error",
    )


def _failure(ep: EpisodeContext, name: str, args: dict[str, Any], result: Any) -> str | None:
    """Report a returned result; the error text when it is a failure."""
    if isinstance(result, ToolMessage):
        if result.status == "error":
            return result.text or "error"
        return result.text if ep.on_tool_result(name, args, result.content) else None
    if isinstance(result, BaseMessage):
        return result.text if ep.on_tool_result(name, args, result.content) else None
    # Commands and other graph-control objects: the call went through.
    ep.on_tool_result(name, args, "ok" if not isinstance(result, str | dict | list) else result)
    return None


def run_tool_call(
    ep: EpisodeContext,
    call: dict[str, Any],
    execute: Callable[[dict[str, Any]], Any],
    *,
    catch: bool,
) -> Any:
    """Run one tool call with pre-emptive repair, then repair-and-retry on failure.

    `execute(args)` runs the tool with those args. With `catch`, an exception becomes an error
    `ToolMessage` instead of propagating (graph interrupts always propagate).
    """
    name = str(call.get("name") or "")
    raw = call.get("args")
    args: dict[str, Any] = raw if isinstance(raw, dict) else {"input": raw}
    args = ep.before_tool(name, args)
    for _ in range(MAX_REPAIRS + 1):
        try:
            result = execute(args)
        except GraphBubbleUp:
            raise
        except Exception as exc:
            retry = ep.on_tool_error(name, args, exc)
            if retry is None:
                if catch:
                    return _error_message(exc, call)
                raise
            args = retry
            continue
        error = _failure(ep, name, args, result)
        if error is None:
            return result
        retry = ep.on_tool_error(name, args, error)
        if retry is None:
            return result
        args = retry
    return result


async def arun_tool_call(
    ep: EpisodeContext,
    call: dict[str, Any],
    execute: Callable[[dict[str, Any]], Awaitable[Any]],
    *,
    catch: bool,
) -> Any:
    """`run_tool_call` for async tools; store writes and back-off waits do not block the loop."""
    name = str(call.get("name") or "")
    raw = call.get("args")
    args: dict[str, Any] = raw if isinstance(raw, dict) else {"input": raw}
    args = ep.before_tool(name, args)
    for _ in range(MAX_REPAIRS + 1):
        try:
            result = await execute(args)
        except GraphBubbleUp:
            raise
        except Exception as exc:
            retry = await ep.aon_tool_error(name, args, exc)
            if retry is None:
                if catch:
                    return _error_message(exc, call)
                raise
            args = retry
            continue
        if isinstance(result, ToolMessage) and result.status == "error":
            error: str | None = result.text or "error"
        else:
            error = await _afailure(ep, name, args, result)
        if error is None:
            return result
        retry = await ep.aon_tool_error(name, args, error)
        if retry is None:
            return result
        args = retry
    return result


async def _afailure(ep: EpisodeContext, name: str, args: dict[str, Any], result: Any) -> str | None:
    if isinstance(result, BaseMessage):
        return result.text if await ep.aon_tool_result(name, args, result.content) else None
    await ep.aon_tool_result(name, args, "ok" if not isinstance(result, str | dict | list) else result)
    return None


def root_run_id(runtime: Any = None) -> str | None:
    """The id of the run a user sees for the current invocation, if it can be known.

    In order: the ``run_id`` the caller passed in the invocation's config (LangGraph's
    ``runtime.execution_info``); the current LangSmith trace's id (its root run); the root of the
    run tree kept by a tracer among the run's callback handlers (e.g. ``collect_runs``).
    """
    info = getattr(runtime, "execution_info", None)
    rid = getattr(info, "run_id", None)
    if rid:
        return str(rid)
    try:
        from langsmith.run_helpers import get_current_run_tree

        tree = get_current_run_tree()
    except Exception:  # pragma: no cover - langsmith missing: the other sources remain
        tree = None
    if tree is not None and getattr(tree, "trace_id", None):
        return str(tree.trace_id)
    from langchain_core.runnables.config import get_callback_manager_for_config, var_child_runnable_config

    config = var_child_runnable_config.get()
    if config is None:
        return None
    manager = get_callback_manager_for_config(config)
    for handler in manager.handlers:
        run_map = getattr(handler, "run_map", None)
        if not isinstance(run_map, dict) or not run_map:
            continue
        run = run_map.get(str(manager.parent_run_id))
        while run is not None and getattr(run, "parent_run_id", None) is not None:
            parent = run_map.get(str(run.parent_run_id))
            if parent is None:
                break
            run = parent
        if run is not None and getattr(run, "parent_run_id", None) is None:
            return str(run.id)
        roots = [r for r in run_map.values() if getattr(r, "parent_run_id", None) is None]
        if len(roots) == 1:
            return str(roots[0].id)
    return None
