"""The adapter contract: what every framework adapter needs, owned by the core.

An adapter (LangGraph, CrewAI, or a third party's) turns a framework's run into one skillevo
episode. Everything it needs is here, with one policy, the same everywhere:

* **Never the reason a run fails.** An error inside skillevo, or in the user's reward function,
  is logged, recorded on the episode (``metadata["skillevo_error"]`` / ``metadata["reward_error"]``,
  the reward then unknown) and never raised into the user's run. The tool's own exceptions are the
  tool's: they propagate (or become the framework's error result) exactly as without skillevo.
* **Never lose an episode.** A run that raises is finished as ``aborted`` (`abort`): recorded with
  ``metadata["aborted"]`` (the exception's class name) and reward 0, like a failed run inside
  ``with evo.episode()``; a run the caller stopped (a closed stream, a cancelled task) is recorded
  as aborted with its reward unknown, since it did not fail.
* **Rewards are real numbers in [0, 1]** (not ``"0.7"``, not ``True``): anything else is a
  reward error.
* **Guidance goes into the model request**, never into the framework's state (`guidance_for`).
* **Tools declare their schemas** (`declare_tools`): a call that breaks its tool's declared JSON
  schema then gets a candidate repair before it fails (see docs/mining.md).
* **Injected parameters are not arguments**: values a framework injects into a tool call (the
  graph state, a store, a runtime, the call id) are passed to the tool but neither recorded nor
  seen by repairs (`injected_params`, `call_tool(..., injected=...)`).

See docs/adapters.md for a worked adapter.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import sys
from collections.abc import Awaitable, Callable, Collection, Iterator, Mapping
from typing import Any

from ._episode_scope import bind, unbind
from ._errors import ConfigError
from ._evolver import EpisodeContext, IsFailure, _check_reward, _current, current_episode
from ._framework import require_framework
from ._idcache import IdCache
from ._logsafe import KNOWN
from ._models import Episode
from ._redaction import capped_text
from ._repair import same_args
from ._repeats import admit
from ._surface import present_as
from ._tool_schema import declare_tools

__all__ = [
    "MAX_REPAIRS",
    "EpisodeContext",
    "IsFailure",
    "aabort",
    "abort",
    "acall_tool",
    "afinish_with",
    "call_left",
    "call_tool",
    "current_episode",
    "declare_tools",
    "finish_with",
    "guidance_for",
    "injected_params",
    "record_error",
    "record_tool_error",
    "require_framework",
    "same_args",
    "score_reward",
    "strip_injected",
    "use_episode",
]

log = logging.getLogger("skillevo.adapters")

#: follow at most this many repaired retries of one tool call
MAX_REPAIRS = 5
_ERROR_CHARS = 300

#: what `call_tool` reads from a tool's result: ``(content to classify, error text or None)``; an
#: error text marks a result the framework already calls an error (e.g. ``ToolMessage.status``)
ReadResult = Callable[[Any], tuple[Any, str | None]]

# Exceptions a caller stopping the run (or the process) raises into it: the run did not fail, its
# reward is unknown.
_STOPPED: tuple[type[BaseException], ...] = (GeneratorExit, asyncio.CancelledError, KeyboardInterrupt, SystemExit)


# ---------------------------------------------------------------------------------------- errors


def _describe(exc: BaseException) -> str:
    """``"<Type>: <message>"``, or the type alone when the exception's ``__str__`` fails (a user's
    exception must never turn skillevo's error handling into an error of its own)."""
    try:
        return f"{type(exc).__name__}: {exc}"
    except Exception:
        return type(exc).__name__


def _secrets_of(ep: EpisodeContext | None) -> set[str] | None:
    """The episode's secrets seen so far (see `_logsafe`), or None."""
    try:
        return ep._secrets_seen() if ep is not None else None
    except Exception:  # a log line must never fail the run
        return None


def record_error(ep: EpisodeContext | None, where: str, exc: BaseException) -> None:
    """Log an error skillevo made while observing a run and record it on the episode.

    The first error of an episode is kept in ``metadata["skillevo_error"]`` (``"<where>: <Type>:
    <message>"``, cut to 300 characters); every one is logged with the episode's id (an episode the
    store could not save is then still traceable), with its traceback but where the same fault was
    logged in the last minute: a store error (`LibraryError`) after another, or a fault of skillevo's
    own raised at the same line, is then counted at DEBUG and the next one logged in full says how
    many (`_repeats`).
    """
    known = _secrets_of(ep)
    text = capped_text(f"{where}: {_describe(exc)}", _ERROR_CHARS, known=known)  # redacted before the cut
    loud, note = admit(exc)
    log.log(
        logging.ERROR if loud else logging.DEBUG,
        "skillevo: episode %s: %s (the run goes on%s)",
        ep.id if ep is not None else "-",
        text,
        note,
        exc_info=exc if loud else None,
        extra={KNOWN: known},
    )
    if ep is not None:
        with contextlib.suppress(Exception):
            ep.episode.metadata.setdefault("skillevo_error", text)


@contextlib.contextmanager
def use_episode(ep: EpisodeContext) -> Iterator[EpisodeContext]:
    """Make `ep` the current episode (`current_episode`) inside the block, without finishing it.

    For adapters whose tools and models find the run's episode through a context variable (a
    graph wrapper around ``stream``); the adapter finishes the episode itself.
    """
    token = _current.set(ep)
    # (where the block is: a generator's, suspended at a yield, hides it from its caller's code)
    site = bind(ep, sys._getframe(0))
    try:
        yield ep
    finally:
        unbind(site)
        try:
            _current.reset(token)
        except ValueError:  # left in another context (an async generator closed elsewhere)
            _current.set(None)


# ---------------------------------------------------------------------------------------- injected parameters

# Names of the marker classes frameworks put in a parameter's annotation to inject its value.
# Compared by name along the class hierarchy so the core imports no framework.
_INJECTED_MARKERS = frozenset({"InjectedToolArg", "InjectedState", "InjectedStore", "InjectedToolCallId"})
_INJECTED_TYPES = frozenset({"ToolRuntime"})


def _is_marker(obj: Any) -> bool:
    cls = obj if isinstance(obj, type) else type(obj)
    names = {c.__name__ for c in getattr(cls, "__mro__", ())}
    return bool(names & (_INJECTED_MARKERS | _INJECTED_TYPES))


def _annotation_injected(annotation: Any, metadata: Collection[Any] = ()) -> bool:
    if any(_is_marker(m) for m in metadata):
        return True
    if isinstance(annotation, type) and _is_marker(annotation):
        return True
    origin = getattr(annotation, "__origin__", None)
    if origin is not None and _is_marker(origin):  # ToolRuntime[Context, State]
        return True
    return any(_is_marker(m) for m in getattr(annotation, "__metadata__", ()))  # Annotated[x, InjectedState]


def _schema_fields(schema: Any) -> dict[str, Any]:
    fields = getattr(schema, "model_fields", None)
    return dict(fields) if isinstance(fields, Mapping) else {}


def injected_params(source: Any) -> frozenset[str]:
    """The parameters of a tool a framework injects (not arguments the model chose).

    `source` is a tool, its argument schema, or the names themselves:

    * a collection of names: those names;
    * a LangChain tool: the parameters of its input schema that its ``tool_call_schema`` (what
      the model sees) leaves out: ``InjectedState``, ``InjectedStore``, ``InjectedToolCallId``,
      ``ToolRuntime`` and any other ``InjectedToolArg``;
    * a pydantic model class (a tool's ``args_schema``, LangChain's or CrewAI's): its fields
      annotated with one of those markers.

    Anything else has none. A tool's answer is computed once (tools are long-lived; LangChain
    builds its ``tool_call_schema`` anew on each read).
    """
    # A tool seen before first: the type checks below cost more than the look-up (every tool call asks).
    cached = _injected_cache.entries.get(id(source))  # `IdCache.get`, inline: every tool call asks
    if cached is not None and cached[0]() is source:
        return cached[1]
    if source is None:
        return frozenset()
    if isinstance(source, str):
        return frozenset({source})
    if isinstance(source, Collection) and not isinstance(source, Mapping) and not isinstance(source, type):
        return frozenset(str(n) for n in source)
    names = _injected_names(source)
    _injected_cache.put(source, names)
    return names


_INJECTED_CACHE_MAX = 4096
# tool -> its injected names, for the tools still alive (a tool built per request is freed).
_injected_cache: IdCache[frozenset[str]] = IdCache(_INJECTED_CACHE_MAX)


def _injected_names(source: Any) -> frozenset[str]:
    names: set[str] = set()
    call_schema = getattr(source, "tool_call_schema", None)
    full = getattr(source, "args_schema", None)
    if call_schema is not None and full is not None:
        with contextlib.suppress(Exception):
            get_input = getattr(source, "get_input_schema", None)
            if callable(get_input):
                full = get_input()
        if isinstance(call_schema, Mapping):  # a JSON schema
            seen: Collection[str] = dict(call_schema.get("properties") or {})
        else:
            seen = _schema_fields(call_schema)
        names.update(n for n in _schema_fields(full) if n not in seen)
    schema = full if full is not None else source
    for name, info in _schema_fields(schema).items():
        if _annotation_injected(getattr(info, "annotation", None), getattr(info, "metadata", ()) or ()):
            names.add(name)
    return frozenset(names)


def strip_injected(args: Mapping[str, Any], injected: Collection[str]) -> dict[str, Any]:
    """`args` without the injected parameters (what is recorded and what repairs see)."""
    return {k: v for k, v in args.items() if k not in injected}


# ---------------------------------------------------------------------------------------- tool calls


def _default_read(result: Any) -> tuple[Any, str | None]:
    # Objects that are not data (a framework's control object, a message) count as "went through".
    data = isinstance(result, str | bytes | dict | list | int | float | bool) or result is None
    return (result if data else "ok"), None


def _start(
    ep: EpisodeContext, name: str, args: Any, injected: Collection[str]
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A tool call's start: (the arguments recorded and repaired, a copy; the injected values passed
    along with them; the arguments after the pre-emptive repairs)."""
    if type(args) is dict and not injected:
        sent, extra = dict(args), {}
    else:
        full: dict[str, Any] = dict(args) if isinstance(args, Mapping) else {"input": args}
        extra = {k: v for k, v in full.items() if k in injected} if injected else {}
        sent = strip_injected(full, injected) if extra else full
    try:
        return sent, extra, ep.before_tool(name, sent)
    except Exception as exc:
        record_error(ep, f"before_tool({name})", exc)
        return sent, extra, sent


def _failed(ep: EpisodeContext, name: str, args: dict[str, Any], error: Any) -> dict[str, Any] | None:
    try:
        return ep.on_tool_error(name, args, error)
    except Exception as exc:
        record_error(ep, f"on_tool_error({name})", exc)
        return None


async def _afailed(ep: EpisodeContext, name: str, args: dict[str, Any], error: Any) -> dict[str, Any] | None:
    try:
        return await ep.aon_tool_error(name, args, error)
    except Exception as exc:
        record_error(ep, f"on_tool_error({name})", exc)
        return None


def record_tool_error(
    ep: EpisodeContext, name: str, args: dict[str, Any], error: Any, *, unparsed: bool = False
) -> None:
    """Record a failed call that cannot be retried (a framework callback only observes it): what
    `EpisodeContext.on_tool_error` records and credits, without its back-off wait or a retry.

    ``unparsed=True``: the model's arguments did not parse in full (broken JSON, no object), and
    `args` holds only what did. The call's later correction is then no evidence of what to change:
    its values were never compared with the model's, so no repair is learned from it.
    """
    ep._repair_after_error(name, args, error, unparsed)


def call_left(ep: EpisodeContext, name: str, args: dict[str, Any], sent: dict[str, Any]) -> None:
    """The framework left a tool call without an outcome (an interrupt paused it, another hook
    refused it) while it was to run with `sent`: nothing waits on it (a later call of `args` is
    repaired again). Never raises: an error is recorded on the episode."""
    try:
        ep._tool_paused(name, args, sent)
    except Exception as exc:
        record_error(ep, f"tool paused({name})", exc)


def call_tool(
    ep: EpisodeContext,
    name: str,
    args: Any,
    invoke: Callable[[dict[str, Any]], Any],
    *,
    read: ReadResult | None = None,
    injected: Collection[str] = (),
    passthrough: tuple[type[BaseException], ...] = (),
    on_exception: Callable[[BaseException], Any] | None = None,
) -> Any:
    """Run one tool call with the episode's repairs: pre-emptive repair, then repair-and-retry.

    Args:
        ep: the run's episode.
        name: the tool's name.
        args: the arguments the model chose (a mapping; anything else is recorded as ``{"input": args}``),
            injected parameters included.
        invoke: ``invoke(args) -> result`` runs the tool. It is called with `args` itself (the same
            object) when nothing was repaired, so an adapter can pass the original request on.
        read: ``read(result) -> (content, error_text)``: what to classify of a returned result, and
            the error text when the framework already marks it failed (default: the result itself).
        injected: parameters the framework injects (see `injected_params`): passed to the tool,
            never recorded or repaired.
        passthrough: exception types that are the framework's control flow (an interrupt): they
            propagate at once, unrecorded; the call's repairs wait on no outcome of it and apply
            again when the framework runs the call anew (a resumed run).
        on_exception: turns the tool's last exception (no repair left) into a result; without it
            the exception propagates, as it would without skillevo.

    Returns:
        The result of the last attempt.
    """
    # Every tool call runs this: the hooks are called inline, the error paths are functions.
    reader = read or _default_read
    sent, extra, recorded = _start(ep, name, args, injected)
    result: Any = None
    for _ in range(MAX_REPAIRS + 1):
        try:
            # The call's own object when nothing was repaired, else the repaired args plus the injected values.
            result = invoke(args if recorded is sent else {**recorded, **extra} if extra else recorded)
        except passthrough:
            call_left(ep, name, sent, recorded)
            raise
        except Exception as exc:
            retry = _failed(ep, name, recorded, exc)
            if retry is None:
                if on_exception is not None:
                    return on_exception(exc)
                raise
            recorded = retry
            continue
        try:
            content, error = reader(result)
            if error is None and ep.on_tool_result(name, recorded, content):
                error = content  # the error is the result itself
        except Exception as exc:
            record_error(ep, f"on_tool_result({name})", exc)
            error = None
        if error is None:
            return result
        retry = _failed(ep, name, recorded, error)
        if retry is None:
            return result
        recorded = retry
    return result


async def acall_tool(
    ep: EpisodeContext,
    name: str,
    args: Any,
    invoke: Callable[[dict[str, Any]], Awaitable[Any]],
    *,
    read: ReadResult | None = None,
    injected: Collection[str] = (),
    passthrough: tuple[type[BaseException], ...] = (),
    on_exception: Callable[[BaseException], Any] | None = None,
) -> Any:
    """`call_tool` for async tools: store writes run in a worker thread, back-off is awaited."""
    reader = read or _default_read
    sent, extra, recorded = _start(ep, name, args, injected)
    result: Any = None
    for _ in range(MAX_REPAIRS + 1):
        try:
            result = await invoke(args if recorded is sent else {**recorded, **extra} if extra else recorded)
        except passthrough:
            call_left(ep, name, sent, recorded)
            raise
        except Exception as exc:
            retry = await _afailed(ep, name, recorded, exc)
            if retry is None:
                if on_exception is not None:
                    return on_exception(exc)
                raise
            recorded = retry
            continue
        try:
            content, error = reader(result)
            if error is None and await ep.aon_tool_result(name, recorded, content):
                error = content
        except Exception as exc:
            record_error(ep, f"on_tool_result({name})", exc)
            error = None
        if error is None:
            return result
        retry = await _afailed(ep, name, recorded, error)
        if retry is None:
            return result
        recorded = retry
    return result


# ---------------------------------------------------------------------------------------- model calls


def guidance_for(ep: EpisodeContext | None, tools: Collection[str] | None = None) -> str:
    """The guidance to add to one model request of the run ("" when none, or when it failed).

    Put it in the request's system message; never write it into the framework's state (a
    checkpointed thread would pile it up, and providers refuse system messages after the first).
    """
    if ep is None:
        return ""
    try:
        return ep.guidance(tools=list(tools) if tools is not None else None)
    except Exception as exc:
        record_error(ep, "guidance", exc)
        return ""


# ---------------------------------------------------------------------------------------- end of a run


def score_reward(
    ep: EpisodeContext, reward_fn: Callable[[Any], Any] | None, state: Any
) -> tuple[float | None, str | None]:
    """``reward_fn(state)`` checked to be a real number in [0, 1]: ``(reward, None)``.

    A reward function that raises, or returns anything else (5, ``"0.7"``, ``True``, NaN), gives
    ``(None, error)``: the error is logged and recorded as ``metadata["reward_error"]``. An
    interruption inside it (``KeyboardInterrupt``, ``SystemExit``, a cancellation) ends the run:
    the episode is recorded as aborted (`abort`, reward unknown) and the interruption re-raised.
    """
    if reward_fn is None:
        return None, None
    try:
        value = reward_fn(state)
        if inspect.isawaitable(value):  # an async reward function: closed, so it warns of nothing
            close = getattr(value, "close", None)
            if callable(close):
                close()
            raise ConfigError("reward must return a number in [0, 1], not an awaitable (use a sync function)")
        return _check_reward(value), None
    except ConfigError as exc:
        error = str(exc)
    except Exception as exc:
        error = _describe(exc)
    except BaseException as exc:  # never swallowed, never the reason the episode is lost
        abort(ep, exc)
        raise
    known = _secrets_of(ep)
    error = capped_text(error, _ERROR_CHARS, known=known)  # redacted before the cut
    with contextlib.suppress(Exception):
        ep.episode.metadata["reward_error"] = error
    log.warning(
        "skillevo: reward function failed (%s); episode %s kept without a reward", error, ep.id, extra={KNOWN: known}
    )
    return None, error


def _finish(ep: EpisodeContext, reward: float | None) -> Episode | None:
    try:
        return ep.finish(reward)
    except Exception as exc:
        record_error(ep, "finish", exc)
        return None


def finish_with(ep: EpisodeContext, reward_fn: Callable[[Any], Any] | None, state: Any) -> Episode | None:
    """Finish the run's episode with ``reward_fn(state)``; never raises.

    A failing reward function leaves the reward unknown (see `score_reward`); an error while
    saving is logged and recorded (``metadata["skillevo_error"]``) and None is returned. An
    episode finished already is returned as it is.
    """
    if ep.finished:
        return ep.episode
    value, _ = score_reward(ep, reward_fn, state)
    return _finish(ep, value)


async def afinish_with(ep: EpisodeContext, reward_fn: Callable[[Any], Any] | None, state: Any) -> Episode | None:
    """`finish_with` with the store write (and any mining) in a worker thread."""
    if ep.finished:
        return ep.episode
    value, _ = score_reward(ep, reward_fn, state)
    return await asyncio.to_thread(_finish, ep, value)


def abort(ep: EpisodeContext, exc: BaseException | type[BaseException] | None = None) -> Episode | None:
    """Record a run that ended without finishing: ``metadata["aborted"]`` names why; never raises.

    A run that raised (`exc`, e.g. the model timing out) is a failed run: reward 0, as in
    ``with evo.episode()``. A run the caller stopped (``GeneratorExit``, cancellation, no `exc`)
    did not fail: its reward stays unknown (send one later with ``evo.feedback``). `exc` may be the
    exception's class (an adapter that keeps only that, not the exception and its traceback).
    """
    if ep.finished:
        return ep.episode
    cls = exc if isinstance(exc, type) else type(exc) if exc is not None else None
    stopped = cls is None or issubclass(cls, _STOPPED)
    with contextlib.suppress(Exception):
        ep.episode.metadata["aborted"] = cls.__name__ if cls is not None else "stopped"
        if not stopped and cls is not None:
            ep.episode.metadata["exception"] = cls.__name__
    return _finish(ep, None if stopped else 0.0)


async def aabort(ep: EpisodeContext, exc: BaseException | type[BaseException] | None = None) -> Episode | None:
    """`abort` with the store write in a worker thread."""
    return await asyncio.to_thread(abort, ep, exc)


present_as(__name__, globals(), __all__)
