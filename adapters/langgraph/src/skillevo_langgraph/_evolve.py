"""`evolve(graph, evo)`: the compiled graph itself, each run of it a skillevo episode.

The graph `evolve` returns is an instance of a subclass of the graph's own class (a
``CompiledStateGraph`` stays one) sharing the wrapped graph's nodes, channels, checkpointer and
store: ``get_state``, ``update_state``, ``get_graph``, ``with_config`` and LangGraph's server and
Studio tooling see the same graph. Only ``stream`` / ``astream`` (which ``invoke``, ``ainvoke``,
``batch`` and ``abatch`` go through) are overridden: they open the run's episode in a context
variable, where `wrap_tools` and `with_guidance` find it, and finish it with the reward of the
final state. Nothing is written into the graph's state: guidance reaches the model through
`with_guidance`, in the model request only.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import functools
import logging
import threading
import uuid
import weakref
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any

from langchain_core.runnables import RunnableConfig
from langchain_core.runnables.config import get_async_callback_manager_for_config, get_callback_manager_for_config
from langgraph.errors import GraphInterrupt, ParentCommand
from langgraph.pregel import Pregel
from langgraph.types import Command

from skillevo import ConfigError, Evolver
from skillevo.adapters import EpisodeContext, abort, record_error, use_episode

from ._common import task_text
from ._graph import with_observer
from ._handoff import handed_over
from ._trace import Record, Trace, policy_args, score, trace_of

__all__ = ["EvolvingGraph", "evolve"]

log = logging.getLogger("skillevo_langgraph")

_NOTHING = object()
_INTERRUPT = "__interrupt__"
_CHECKPOINTER = "__pregel_checkpointer"  # LangGraph's CONFIG_KEY_CHECKPOINTER
_RESUMING = "__pregel_resuming"  # LangGraph's CONFIG_KEY_RESUMING: a subgraph called again to resume
#: at most this many interrupted runs wait for their resume (oldest dropped first)
_MAX_PAUSED = 10_000


class _Binding:
    """What `evolve` added, shared by the graph and its copies (``with_config``)."""

    def __init__(self, evo: Evolver, reward: Callable[[Any], float] | None, tools: Sequence[str]) -> None:
        self.evo = evo
        self.reward = reward
        self.tools = list(tools)
        self.last_episode_id: str | None = None
        self.last_run_id: str | None = None
        self.lock = threading.Lock()
        #: episodes of interrupted runs, by thread (``thread_id``, ``checkpoint_ns``), until resumed
        self.paused: dict[tuple[str, str], EpisodeContext] = {}
        _BINDINGS.add(self)


_BINDINGS: weakref.WeakSet[_Binding] = weakref.WeakSet()


@atexit.register
def _store_paused() -> None:
    """At interpreter exit, the runs still paused at an interrupt end here (a resume in another
    process is an episode of its own there): recorded as stopped, reward unknown. Registered after
    skillevo's own exit hook (imported first), so it runs before the library's queue is written."""
    for binding in list(_BINDINGS):
        with binding.lock:
            paused, binding.paused = list(binding.paused.values()), {}
        for ep in paused:
            try:
                abort(ep)
            except Exception:  # the process is ending: nothing left to tell
                log.debug("skillevo: could not record a paused run at exit", exc_info=True)


class _Modes:
    """The stream the caller asked for, read from the stream the graph is run with (which always
    has the ``values`` mode, for the final state the reward is given)."""

    def __init__(self, kwargs: dict[str, Any], default: Any, *, interrupts: bool) -> None:
        requested = kwargs.get("stream_mode") or default
        self.single = isinstance(requested, str)
        self.wanted: list[str] = [requested] if self.single else list(requested)
        self.subgraphs = bool(kwargs.get("subgraphs", False))
        self.v2 = kwargs.get("version", "v1") == "v2"
        # The root graph's updates say when a run stops at an interrupt (watched for checkpointed threads).
        extra = ["values", "updates"] if interrupts else ["values"]
        modes = [*self.wanted, *(m for m in extra if m not in self.wanted)]
        self.kwargs = {**kwargs, "stream_mode": modes}
        self.interrupted = False

    def split(self, chunk: Any) -> tuple[Any, Any]:
        """``(chunk for the caller or _NOTHING, the root graph's state or _NOTHING)``; notes interrupts."""
        if self.v2:
            mode, ns, data = chunk.get("type"), tuple(chunk.get("ns") or ()), chunk.get("data")
            out = chunk if mode in self.wanted else _NOTHING
        else:
            if self.subgraphs:
                ns, mode, data = chunk
            else:
                ns, (mode, data) = (), chunk
            if mode not in self.wanted:
                out = _NOTHING
            elif self.single:
                out = (ns, data) if self.subgraphs else data
            else:
                out = chunk
        state = data if mode == "values" and not ns else _NOTHING
        if not ns and (
            (mode == "updates" and isinstance(data, dict) and _INTERRUPT in data)
            or (self.v2 and mode == "values" and chunk.get("interrupts"))
        ):
            self.interrupted = True
        return out, state


@contextlib.contextmanager
def _running(ep: EpisodeContext, thread: tuple[str, str] | None) -> Iterator[None]:
    """`ep` is the current episode for the run (not finished on the way out, so an interrupted run
    can resume it); a run that raises is recorded as aborted (`skillevo.adapters.abort`: reward 0,
    or unknown when the caller stopped reading) and the exception propagates; a handoff to the
    parent graph (``ParentCommand``), or an interrupt on a checkpointed thread, propagates as it came."""
    try:
        with use_episode(ep):
            yield
    except ParentCommand:  # a handoff to the parent graph: the run's end, finished by the caller
        raise
    except GraphInterrupt:
        # Run as a node of a parent graph, the run's interrupt reaches it as this exception: on a
        # checkpointed thread the caller pauses the episode for the resume, as at the root.
        if thread is None:
            abort(ep, GraphInterrupt)
        raise
    except BaseException as exc:
        abort(ep, exc)
        raise


def _handed_over(ep: EpisodeContext, state: Any, handoff: ParentCommand) -> Any:
    """The state a run that handed off to the parent graph ends in: its last state with the
    messages the handoff's command carries (its last state alone where that cannot be read)."""
    try:
        return handed_over(None if state is _NOTHING else state, handoff.args[0] if handoff.args else None)
    except Exception as exc:
        record_error(ep, "handoff", exc)
        return state


def _close(ep: EpisodeContext, reward: float | None) -> None:
    try:
        if not ep.finished:
            ep.finish(reward)
    except Exception as exc:  # the run's own outcome is what the caller must see
        record_error(ep, "finish", exc)


class EvolvingGraph(Pregel):  # type: ignore[type-arg]
    """A compiled graph whose runs are skillevo episodes (what `evolve` returns).

    An instance is also an instance of the wrapped graph's class; see `evolve`.
    """

    _skillevo: _Binding

    @property
    def evo(self) -> Evolver:
        """The Evolver."""
        return self._skillevo.evo

    @property
    def last_episode_id(self) -> str | None:
        """The id of the episode finished last (use it with ``evo.feedback``)."""
        return self._skillevo.last_episode_id

    @property
    def last_run_id(self) -> str | None:
        """The run id of the run finished last (``evo.feedback`` accepts it too)."""
        return self._skillevo.last_run_id

    def copy(self, update: dict[str, Any] | None = None) -> EvolvingGraph:
        """A copy (``with_config`` makes one) that is still evolving."""
        attrs = {k: v for k, v in self.__dict__.items() if k not in ("__orig_class__", "_skillevo")}
        attrs.update(update or {})
        new = self.__class__(**attrs)
        new._skillevo = self._skillevo
        return new

    # ------------------------------------------------------------------ episodes

    def _task(self, input: Any, config: RunnableConfig) -> str:
        if isinstance(input, dict) and "messages" in input:
            return task_text(input.get("messages"))
        if self.checkpointer is None or not (config.get("configurable") or {}).get("thread_id"):
            return ""
        try:  # a resume (``Command``) or a replay (None) reads the thread
            values = self.get_state(config).values
        except Exception:
            return ""
        return task_text(values.get("messages") if isinstance(values, dict) else None)

    def _thread(self, config: RunnableConfig) -> tuple[str, str] | None:
        """The checkpointed thread a run belongs to, or None."""
        conf = config.get("configurable") or {}
        thread = conf.get("thread_id")
        # A graph compiled without one and run as a subgraph uses its parent's (in the run's config).
        checkpointer = conf.get(_CHECKPOINTER) if self.checkpointer is None else self.checkpointer
        if checkpointer is None or checkpointer is False or thread is None:
            return None
        return str(thread), str(conf.get("checkpoint_ns") or "")

    def _resumed(self, input: Any, thread: tuple[str, str] | None, resuming: bool = False) -> EpisodeContext | None:
        """The episode of the thread's interrupted run when this run resumes it (`resuming`: LangGraph
        says so, calling a subgraph again with its parent's state); a new input on that thread ends
        the interrupted run's episode without a reward."""
        if thread is None:
            return None
        with self._skillevo.lock:
            paused = self._skillevo.paused.pop(thread, None)
        if paused is None or input is None or isinstance(input, Command) or resuming:
            return paused
        abort(paused)  # interrupted, never resumed: its reward unknown
        return None

    def _pause(self, ep: EpisodeContext, thread: tuple[str, str]) -> None:
        b = self._skillevo
        with b.lock:
            b.paused[thread] = ep
            dropped = [b.paused.pop(next(iter(b.paused))) for _ in range(len(b.paused) - _MAX_PAUSED)]
        for old in dropped:  # never resumed: finished without a reward
            abort(old)

    def _begin(
        self, input: Any, config: RunnableConfig | None
    ) -> tuple[EpisodeContext, RunnableConfig, tuple[str, str] | None] | None:
        """The run's episode (an interrupted run's, when this run resumes it), the config to run with
        (its ``run_id`` set) and the run's thread; None when skillevo cannot start one (the graph
        then runs unobserved)."""
        b = self._skillevo
        try:
            cfg = RunnableConfig(**(config or {}))
            # The root run takes this id: callbacks, LangSmith and the episode see the same one.
            run_id = cfg.get("run_id") or uuid.uuid4()
            cfg["run_id"] = run_id
            thread = self._thread(cfg)
            ep = self._resumed(input, thread, bool((cfg.get("configurable") or {}).get(_RESUMING)))
            if ep is None:
                ep = b.evo.episode(task=self._task(input, cfg))
                # Arguments in repair events follow LangChain's process-wide trace policy, if one is set.
                Trace(ep, functools.partial(policy_args, None)).tools = list(b.tools)
            ep.link_run(str(run_id))
            return ep, with_observer(cfg, ep), thread
        except Exception:
            log.exception("skillevo: could not start the run's episode; the graph runs unobserved")
            return None

    def _end(self, ep: EpisodeContext, state: Any) -> tuple[float | None, list[Record]]:
        b = self._skillevo
        try:
            value, error = score(b.reward, None if state is _NOTHING else state, ep)
        except BaseException:  # an interruption in the reward: recorded as aborted by score_reward
            self._done(ep)
            raise
        trace = trace_of(ep)
        if trace is None:
            return value, []
        trace.reward(value, error)
        return value, trace.drain()

    def _done(self, ep: EpisodeContext) -> None:
        with self._skillevo.lock:
            self._skillevo.last_episode_id = ep.id
            self._skillevo.last_run_id = str(ep.episode.metadata.get("run_id") or "") or None

    @staticmethod
    def _tell(records: list[Record], config: RunnableConfig) -> None:
        """Dispatch the last records to the (just ended) root run's handlers."""
        if not records:
            return
        try:
            manager = get_callback_manager_for_config(config)
            for name, data in records:
                manager.on_custom_event(name, data, run_id=config["run_id"])
        except Exception:
            log.exception("skillevo: dispatching the run's last trace events failed")

    @staticmethod
    async def _atell(records: list[Record], config: RunnableConfig) -> None:
        if not records:
            return
        try:
            manager = get_async_callback_manager_for_config(config)
            for name, data in records:
                await manager.on_custom_event(name, data, run_id=config["run_id"])
        except Exception:
            log.exception("skillevo: dispatching the run's last trace events failed")

    # ------------------------------------------------------------------ runs

    def _modes(self, ep: EpisodeContext, kwargs: dict[str, Any], thread: tuple[str, str] | None) -> _Modes | None:
        """The stream modes to run with, or None when skillevo cannot read them (the run then goes
        unobserved, its episode recorded as stopped)."""
        try:
            return _Modes(kwargs, self.stream_mode, interrupts=thread is not None)
        except Exception as exc:
            record_error(ep, "stream modes", exc)
            abort(ep)
            return None

    @staticmethod
    def _split(ep: EpisodeContext, modes: _Modes, chunk: Any) -> tuple[Any, Any]:
        """`_Modes.split`, never raising: a chunk skillevo cannot read goes to the caller as it came."""
        try:
            return modes.split(chunk)
        except Exception as exc:
            record_error(ep, "stream chunk", exc)
            return chunk, _NOTHING

    # The run is over once its stream ends: an error of skillevo's from here on is recorded on the
    # episode, never raised into the caller's run (a reward's interruption still goes on).

    def _paused(self, ep: EpisodeContext, modes: _Modes, thread: tuple[str, str] | None) -> bool:
        """True when the run stopped at an interrupt of its thread: its episode waits for the resume."""
        if not modes.interrupted or thread is None:
            return False
        self._hold(ep, thread)
        return True

    def _hold(self, ep: EpisodeContext, thread: tuple[str, str]) -> None:
        """`_pause`, never raising (an episode that cannot wait is recorded as stopped)."""
        try:
            self._pause(ep, thread)
        except Exception as exc:
            record_error(ep, "run paused", exc)
            abort(ep)

    def _scored(self, ep: EpisodeContext, state: Any) -> tuple[float | None, list[Record]]:
        try:
            return self._end(ep, state)
        except Exception as exc:
            record_error(ep, "run end", exc)
            return None, []

    def _finished(self, ep: EpisodeContext) -> None:
        try:
            self._done(ep)
        except Exception as exc:
            record_error(ep, "run end", exc)

    def stream(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Iterator[Any]:
        """The wrapped graph's ``stream``, unchanged chunk for chunk, as one episode."""
        begun = self._begin(input, config)
        modes = self._modes(begun[0], kwargs, begun[2]) if begun is not None else None
        if begun is None or modes is None:
            yield from super().stream(input, config, **kwargs)
            return
        ep, cfg, thread = begun
        state: Any = _NOTHING
        try:
            with _running(ep, thread):
                for chunk in super().stream(input, cfg, **modes.kwargs):
                    out, values = self._split(ep, modes, chunk)
                    if values is not _NOTHING:
                        state = values
                    if out is not _NOTHING:
                        yield out
        except ParentCommand as handoff:  # (before 2026-12-07 recorded as failed, reward 0)
            value, records = self._scored(ep, _handed_over(ep, state, handoff))
            _close(ep, value)
            self._finished(ep)
            self._tell(records, cfg)
            raise
        except GraphInterrupt:
            if thread is not None:
                self._hold(ep, thread)
            raise
        if self._paused(ep, modes, thread):  # one episode for the run and its resumes
            return
        value, records = self._scored(ep, state)
        _close(ep, value)
        self._finished(ep)
        self._tell(records, cfg)

    async def astream(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> AsyncIterator[Any]:
        """Async `stream`; the episode's store writes run in a worker thread."""
        begun = self._begin(input, config)
        modes = self._modes(begun[0], kwargs, begun[2]) if begun is not None else None
        if begun is None or modes is None:
            async for chunk in super().astream(input, config, **kwargs):
                yield chunk
            return
        ep, cfg, thread = begun
        state: Any = _NOTHING
        try:
            with _running(ep, thread):
                async for chunk in super().astream(input, cfg, **modes.kwargs):
                    out, values = self._split(ep, modes, chunk)
                    if values is not _NOTHING:
                        state = values
                    if out is not _NOTHING:
                        yield out
        except ParentCommand as handoff:
            value, records = self._scored(ep, _handed_over(ep, state, handoff))
            await asyncio.to_thread(_close, ep, value)
            self._finished(ep)
            await self._atell(records, cfg)
            raise
        except GraphInterrupt:
            if thread is not None:
                self._hold(ep, thread)
            raise
        if self._paused(ep, modes, thread):
            return
        value, records = self._scored(ep, state)
        await asyncio.to_thread(_close, ep, value)  # the store write and mining off the event loop
        self._finished(ep)
        await self._atell(records, cfg)


_classes: dict[type, type] = {}
_classes_lock = threading.Lock()


def _evolving_class(base: type[Pregel]) -> type[EvolvingGraph]:  # type: ignore[type-arg]
    if issubclass(base, EvolvingGraph):
        return base
    if base is Pregel:
        return EvolvingGraph
    with _classes_lock:
        cls = _classes.get(base)
        if cls is None:
            cls = type(base.__name__, (EvolvingGraph, base), {"__module__": base.__module__, "__doc__": base.__doc__})
            _classes[base] = cls
        return cls


def evolve(
    graph: Pregel,  # type: ignore[type-arg]
    evo: Evolver,
    reward: Callable[[Any], float] | None = None,
    *,
    tools: Sequence[str] = (),
) -> EvolvingGraph:
    """Run a compiled LangGraph graph under skillevo, keeping its type.

    Returns the graph itself, evolving: an instance of the graph's class (``isinstance(app,
    CompiledStateGraph)``, ``isinstance(app, Pregel)``) with the same nodes, channels,
    checkpointer and store, so ``get_state``, ``update_state``, ``get_graph``, checkpointed
    threads and ``stream(..., subgraphs=True)`` behave as on the wrapped graph. Each run
    (``invoke`` / ``ainvoke`` / ``stream`` / ``astream``, each item of ``batch`` / ``abatch``) is
    one episode; a resumed run (``Command(resume=...)``) reads its task from the thread's state.
    Tool calls, results and errors are observed through LangChain callbacks; for repairs inside
    the graph, build its ``ToolNode`` from `wrap_tools`; for guidance, wrap the chat model with
    `with_guidance` (guidance goes into each model request, never into the graph's state). The
    run's root ``run_id`` (the one in the config, or a new one) is recorded with the episode, so
    ``evo.feedback(run_id, r)`` works; selections, repairs, guidance and the reward are
    dispatched as LangChain custom events (see ``skillevo_langgraph._trace``).

    Args:
        graph: the compiled graph (a ``Pregel``: ``StateGraph.compile()``, ``create_agent``, an
            ``@entrypoint``).
        evo: the Evolver.
        reward: ``fn(final_state) -> float`` in [0, 1], or ``None`` for a later ``evo.feedback``.
            A reward function that raises or returns anything else is logged and recorded on the
            episode (reward unknown); it never fails the run.
        tools: names of the graph's tools, so guidance about them is shown before the first call.

    Raises:
        ConfigError: `graph` is not a compiled graph, `evo` not an Evolver, `reward` not callable.
    """
    if not isinstance(graph, Pregel):
        raise ConfigError(
            f"evolve: expected a compiled LangGraph graph (a Pregel, e.g. StateGraph(...).compile()), "
            f"got {type(graph).__name__}"
        )
    if not isinstance(evo, Evolver):
        raise ConfigError(f"evolve: evo must be a skillevo.Evolver (got {type(evo).__name__})")
    if reward is not None and not callable(reward):
        raise ConfigError(f"evolve: reward must be callable or None (got {type(reward).__name__})")
    app = object.__new__(_evolving_class(type(graph)))
    app.__dict__.update({k: v for k, v in graph.__dict__.items() if k != "_skillevo"})
    app._skillevo = _Binding(evo, reward, tools)
    return app
