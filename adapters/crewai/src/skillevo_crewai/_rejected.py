"""Tool calls CrewAI turns down before they reach its tool hooks: a tool name the agent does not
have, arguments that do not parse.

CrewAI runs no tool hook for those (the ReAct text path, and a native call whose arguments are not
JSON) or runs them with no tool (a native call of an unknown name, whose result is CrewAI's "Tool
not found" text); the model is told, and the call is reported only through CrewAI's tool-failure
handling (``handle_tool_failure``): a ``ToolFailureRecord`` appended, in the calling thread, to the
failure collector of the task or kickoff running (a context variable CrewAI copies into its worker
threads), then a ``ToolFailureDetectedEvent`` on the event bus, whose synchronous handlers run on a
thread pool that nobody waits for. Recorded from the event alone, such a call could land after the
calls the model made next, or after its kickoff ended. So the collector is what keeps the order:
every hook of the run that comes after (the next model call, the next tool call) and the kickoff's
end first record the rejected calls its collectors hold and nobody has recorded yet; the event
handler records them too (whichever comes first: each failure once), and is all there is for a
call made where no collector runs. A rejected call is recorded as the LangGraph adapter records a
tool call that failed: the call (its arguments as far as they parse) and its error, an
`UnknownToolError` for a name none of the agent's tools has, else a `ToolArgumentsError`, with
CrewAI's message, so the miner sees the mistake like any other failure.

A failure CrewAI's ``tool_failure_policy`` says to ignore (``IGNORE``) is neither collected nor
emitted: `_ignored` hands such a failure to `on_failure` from CrewAI's function itself.
"""

from __future__ import annotations

import ast
import json
import logging
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crewai.tools.tool_failure import ToolFailure, ToolFailureReason, active_tool_failures
from crewai.utilities.string_utils import sanitize_tool_name

from skillevo.adapters import record_error, record_tool_error

from ._intended import intended, unknown_message
from ._owners import agents_of

if TYPE_CHECKING:
    from ._hooks import _Run

__all__ = [
    "Rejections",
    "ToolArgumentsError",
    "UnknownToolError",
    "as_recorded",
    "drain",
    "on_failure",
    "on_failure_event",
    "unknown_error",
    "unknown_tool",
]

log = logging.getLogger("skillevo_crewai")

#: the failures CrewAI reports for calls it never ran (every other reason is a call the hooks saw)
_REJECTED = frozenset({ToolFailureReason.UNKNOWN_TOOL, ToolFailureReason.INVALID_INPUT})


class UnknownToolError(LookupError):
    """The model called a tool the agent does not have (CrewAI's message)."""


class ToolArgumentsError(ValueError):
    """The model's arguments for one of the agent's tools did not parse (CrewAI's message)."""


@dataclass
class Rejections:
    """One kickoff's rejected calls: which are recorded, and where CrewAI collects them."""

    #: the failures recorded (or skipped), by id; held, so that an id stays theirs while the run lasts
    seen: dict[int, ToolFailure] = field(default_factory=dict)
    #: the failure collectors the run's hooks ran under (by id): each list, and how far it is read
    collectors: dict[int, tuple[list[Any], int]] = field(default_factory=dict)
    #: unknown-tool calls the tool hooks recorded already (CrewAI's native path runs them with no tool)
    hooked: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    #: set when the kickoff's episodes are finished: nothing is recorded on them after that
    ended: bool = False
    #: held while recording, so that rejected calls are recorded once each and in their order
    #: (reentrant: recording emits skillevo's own events, which must not wait on it)
    lock: threading.RLock = field(default_factory=threading.RLock)


def tool_names(agent: Any) -> set[str]:
    """The (sanitized) names of the tools `agent` can call: its own, and its executor's (a manager's
    delegation tools)."""
    names: set[str] = set()
    for holder in (agent, getattr(agent, "agent_executor", None)):
        for tool in getattr(holder, "tools", None) or []:
            name = getattr(tool, "name", None)
            if isinstance(name, str) and name:
                names.add(sanitize_tool_name(name))
    return names


def as_recorded(ctx: Any) -> str:
    """The tool name the hooks' call `ctx` is recorded under: the called name, or, for a name none
    of its agent's tools has, the one tool it meant when that is unambiguous (see `_intended`)."""
    name = str(ctx.tool_name)
    if getattr(ctx, "tool", None) is not None:
        return name
    names = tool_names(ctx.agent)
    if sanitize_tool_name(name) in names:
        return name
    return intended(name, names) or name


def unknown_error(called: str, agent: Any) -> UnknownToolError:
    """The error a call of `called`, a name none of `agent`'s tools has, is recorded with."""
    return UnknownToolError(unknown_message(called, tool_names(agent)))


def unknown_tool(run: _Run, ctx: Any) -> bool:
    """Whether the hooks' call `ctx` names no tool of its agent (CrewAI found none: ``ctx.tool`` is
    None). It is then recorded as failed, and the failure CrewAI reports for it after is not again."""
    name = str(ctx.tool_name)
    if getattr(ctx, "tool", None) is not None or sanitize_tool_name(name) in tool_names(ctx.agent):
        return False
    with run.rejections.lock:
        run.rejections.hooked.append((sanitize_tool_name(name), dict(ctx.tool_input or {})))
    return True


def drain(run: _Run, agent: Any, *, end: bool = False) -> None:
    """Record the rejected calls that the failure collector of this context, and those the run saw
    before, hold and nobody has recorded (`agent`: the one whose hook runs, None at the end; `end`:
    the kickoff ends, nothing is recorded after). Never raises."""
    try:
        rejections = run.rejections
        collected = active_tool_failures()
        with rejections.lock:
            if rejections.ended:
                return
            rejections.ended = end
            if collected is not None and id(collected) not in rejections.collectors:
                rejections.collectors[id(collected)] = (collected, 0)
            for key, (records, read) in list(rejections.collectors.items()):
                new, rejections.collectors[key] = records[read:], (records, len(records))
                for record in new:
                    who = _agent_of(getattr(record, "agent_role", None), agent, run.owner)
                    _record(run, who, record.tool_name, record.tool_args, record.failure)
    except Exception as exc:  # an observer: never the reason a kickoff fails
        record_error(None, "recording a rejected tool call", exc)


def on_failure_event(run: _Run, event: Any) -> None:
    """CrewAI's ``ToolFailureDetectedEvent``, delivered on its handler pool in a copy of the emitting
    context (so `run` is the kickoff that made the call, and the collector there is its own). Never raises."""
    agent = getattr(event, "agent", None)
    on_failure(run, event.failure, getattr(event, "tool_name", ""), getattr(event, "tool_args", None), agent)


def on_failure(run: _Run, failure: Any, name: Any, args: Any, agent: Any) -> None:
    """One failure CrewAI reported for a call of `run` (from its event, or, under the ``IGNORE``
    policy, which emits none, from `_ignored`), after those its collectors hold. Never raises."""
    drain(run, agent)
    try:
        with run.rejections.lock:
            if not run.rejections.ended:
                _record(run, agent, name, args, failure)
    except Exception as exc:
        record_error(None, "recording a rejected tool call", exc)


def _agent_of(role: Any, agent: Any, owner: Any) -> Any:
    """The agent a collected failure is of: the one whose hook runs (the collector is its task's;
    a coworker it delegated to collects there too), unless the record names another role that an
    agent of the run has."""
    if role is None or getattr(agent, "role", None) == role:
        return agent
    return next((a for a in agents_of(owner) if getattr(a, "role", None) == role), agent)


def _parsed(args: Any) -> tuple[dict[str, Any], bool]:
    """The arguments as far as they parse, and whether they parsed in full: a mapping; text that is
    a JSON object (or a Python literal one, as CrewAI's text protocol accepts); else (in part) the
    members a JSON object's text holds, complete, before the point where it breaks (a reply cut off,
    a quote left open): anything else is no arguments."""
    if isinstance(args, dict):
        return dict(args), True
    if not isinstance(args, str):
        return {}, False
    for parse in (json.loads, ast.literal_eval):
        try:
            value = parse(args)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
        if isinstance(value, dict):
            return {str(k): v for k, v in value.items()}, True
    return _leading_members(args), False


_DECODER = json.JSONDecoder()


def _leading_members(text: str) -> dict[str, Any]:
    """The complete ``"key": value`` members at the start of a JSON object's broken text."""
    members: dict[str, Any] = {}
    at = len(text) - len(text.lstrip())
    if not text.startswith("{", at):
        return members
    at += 1
    try:
        while True:
            at = _skip(text, at)
            key, at = _DECODER.raw_decode(text, at)
            at = _skip(text, at)
            if not isinstance(key, str) or not text.startswith(":", at):
                return members
            value, at = _DECODER.raw_decode(text, _skip(text, at + 1))
            at = _skip(text, at)
            if not text.startswith((",", "}"), at):
                return members  # the value is cut off where it ends: not the one the model wrote
            members[key] = value
            if text.startswith("}", at):
                return members
            at += 1
    except (ValueError, RecursionError):
        return members


def _skip(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \t\r\n":
        at += 1
    return at


def _record(run: _Run, agent: Any, name: Any, args: Any, failure: Any) -> None:
    """Record one rejected call on `agent`'s episode (`run.rejections.lock` held): once per failure."""
    rejections = run.rejections
    if not isinstance(failure, ToolFailure) or failure.reason not in _REJECTED or id(failure) in rejections.seen:
        return
    rejections.seen[id(failure)] = failure
    tool, (parsed, complete) = sanitize_tool_name(str(name or "")), _parsed(args)
    if failure.reason is ToolFailureReason.UNKNOWN_TOOL and (tool, parsed) in rejections.hooked:
        rejections.hooked.remove((tool, parsed))  # its hooks recorded it
        return
    ep = run.of(agent) if agent is not None else None
    if ep is None and agent is None and len(run.episodes) == 1:
        ep = next(iter(run.episodes.values()))[1]  # a flow's run: its one episode
    if ep is None:
        return  # an agent nobody marked
    names = tool_names(agent)
    error: Exception = ToolArgumentsError(failure.as_agent_message())
    if tool not in names:  # recorded as a failed call of the tool it meant, where that is clear
        error, tool = UnknownToolError(unknown_message(tool, names)), intended(tool, names) or tool
    try:
        ep.before_tool(tool, parsed)
        # arguments that did not parse in full teach no values: their correction is no repair
        record_tool_error(ep, tool, parsed, error, unparsed=not complete)
    except Exception as exc:
        record_error(ep, f"rejected call of {tool!r}", exc)
