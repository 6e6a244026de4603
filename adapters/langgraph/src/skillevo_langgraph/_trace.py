"""What skillevo did in a run, in LangChain's trace: custom callback events and LangSmith run events.

An episode's selections, repairs and guidance are collected as they happen (the core tells the
episode's ``listener``) and dispatched from the middleware hook or graph run that caused them, as
LangChain custom events (``on_custom_event`` of every callback handler, ``astream_events``):

* ``skillevo.selection``: ``skill``, ``version`` (None for the "no skill" arm), ``arm``,
  ``propensity``, ``strategy``, ``candidate``;
* ``skillevo.repair``: ``skill``, ``version``, ``tool``, ``when``, ``applied``, ``before`` /
  ``after`` (the arguments, redacted) and ``changed`` (the argument names that differ);
* ``skillevo.guidance``: ``skill``, ``version``;
* ``skillevo.reward``: ``reward`` (None when unknown), ``run_id``, and ``error`` when the reward
  function failed.

Each carries ``episode_id``. When LangSmith tracing is on, the same records are added as events of
the current LangSmith run (and the episode id as its metadata), so LangSmith and its OpenTelemetry
export show them with no configuration.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from langchain_core.callbacks.manager import adispatch_custom_event, dispatch_custom_event
from langchain_core.messages import ToolMessage
from langsmith.run_helpers import get_current_run_tree

from skillevo import Event, EventKind
from skillevo.adapters import EpisodeContext, score_reward

from ._callbacks import no_receivers
from ._stopped import run_loop

__all__ = [
    "EVENT_NAMES", "REWARD_EVENT", "Trace", "aemit", "aemit_pending", "emit", "emit_pending", "mark_repairs",
    "policy_args", "score", "silent", "trace_of",
]

log = logging.getLogger("skillevo_langgraph")

EVENT_NAMES = {
    EventKind.SELECTION: "skillevo.selection",
    EventKind.REPAIR: "skillevo.repair",
    EventKind.GUIDANCE: "skillevo.guidance",
}
REWARD_EVENT = "skillevo.reward"

Record = tuple[str, dict[str, Any]]


def _changed(before: Any, after: Any) -> list[str]:
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    return sorted(k for k in before.keys() | after.keys() if before.get(k, ...) != after.get(k, ...))


# Guards every trace's lists: a hook holds it for a list operation only, and a lock per run would be
# one more object live for the whole run (young objects the run's garbage collections go through).
_LOCK = threading.Lock()


class Trace:
    """The records of one episode not yet dispatched (the episode's `listener`: the trace itself is
    called with each event, no bound method made per run).

    Args:
        ep: the episode.
        process_args: applied to the (already redacted) arguments of repair records before they
            reach the trace, e.g. a LangChain ``TracePolicy``'s ``process_inputs``.
    """

    __slots__ = ("__weakref__", "_ep", "_episode", "_local", "episode_id", "pending", "process_args", "repaired",
                 "silent_in", "tools")

    def __init__(self, ep: EpisodeContext, process_args: Callable[[Any], Any] | None = None) -> None:
        # The episode holds its trace (its listener); a strong reference back would make a cycle,
        # and every finished episode, with its events, would wait for the garbage collector.
        self._ep = weakref.ref(ep)
        self.episode_id = ep.id
        self._episode = ep.episode
        self.process_args = process_args
        #: the records not yet dispatched, None while there are none (read without the lock: a hook
        #: with none skips `drain`; most runs have none, so the list is made by the first record)
        self.pending: list[Record] | None = None
        #: the applied repairs not yet put on a tool message (None while none; read as `pending`)
        self.repaired: list[dict[str, Any]] | None = None
        #: the graph's tool names (from `evolve`), for guidance before a model bound no tools
        self.tools: Sequence[str] = ()
        #: the LangGraph loop of the invocation the episode started in, when nothing would receive its
        #: records there (set by the middleware: its hooks in that loop drop them)
        self.silent_in: weakref.ref[Any] | None = None
        # made by the first `observing` (only the graph wrapper observes calls)
        self._local: threading.local | None = None
        ep.listener = self

    @property
    def ep(self) -> EpisodeContext | None:
        """The episode (None once nothing else holds it)."""
        return self._ep()

    @contextlib.contextmanager
    def observing(self) -> Iterator[None]:
        """Calls seen only through callbacks in this thread: the core's repairs cannot reach them,
        so no repair of theirs goes into the trace."""
        if self._local is None:
            with _LOCK:
                if self._local is None:
                    self._local = threading.local()
        self._local.observing = True
        try:
            yield
        finally:
            self._local.observing = False

    def __call__(self, event: Event) -> None:
        """Collect one event of the episode (called by the core as it happens)."""
        if event.kind is EventKind.REPAIR and self._local is not None and getattr(self._local, "observing", False):
            return
        data = dict(event.data)
        record: dict[str, Any] = {"episode_id": self.episode_id}
        if event.kind is EventKind.SELECTION:
            record.update(skill=data.get("key"), version=event.version_id, arm=data.get("arm"))
            record.update({k: data.get(k) for k in ("propensity", "strategy", "candidate")})
        elif event.kind is EventKind.GUIDANCE:
            record.update(skill=data.get("skill"), version=event.version_id)
        else:
            before, after = data.get("before"), data.get("after")
            record.update(skill=data.get("skill"), version=event.version_id, tool=event.tool)
            record.update({k: data.get(k) for k in ("when", "applied", "strategy", "source", "error") if k in data})
            record["changed"] = _changed(before, after)
            if data.get("applied"):
                repair = {**record, "before": before, "after": after}
                with _LOCK:
                    if self.repaired is None:
                        self.repaired = [repair]
                    else:
                        self.repaired.append(repair)
            if self.process_args is not None:
                before, after = self.process_args(before), self.process_args(after)
            record.update(before=before, after=after)
        self._queue((EVENT_NAMES[event.kind], record))

    #: `Trace(ep)(event)`: the name it had as a bound-method listener
    listen = __call__

    def _queue(self, item: Record) -> None:
        with _LOCK:
            if self.pending is None:
                self.pending = [item]
            else:
                self.pending.append(item)

    def reward(self, reward: float | None, error: str | None = None) -> None:
        """Queue the episode's reward record."""
        record: dict[str, Any] = {
            "episode_id": self.episode_id,
            "run_id": self._episode.metadata.get("run_id"),
            "reward": reward,
        }
        if error:
            record["error"] = error
        self._queue((REWARD_EVENT, record))

    def drain(self) -> list[Record]:
        """The records collected since the last drain."""
        if not self.pending:  # most hooks made none: no lock, no new list
            return []
        with _LOCK:
            out, self.pending = self.pending, None
        return out or []

    def repairs(self, tool: str | None) -> list[dict[str, Any]]:
        """The applied repairs of `tool` since the last call (for the tool message's metadata)."""
        if not self.repaired:
            return []
        with _LOCK:
            repaired = self.repaired or []
            mine = [r for r in repaired if tool is None or r.get("tool") == tool]
            self.repaired = [r for r in repaired if not (tool is None or r.get("tool") == tool)] or None
        return mine


def policy_args(policy: Any, value: Any) -> Any:
    """`value` (arguments) shaped by a trace policy's ``process_inputs``: `policy`, or LangChain's
    process-wide default (``configure_trace_policy``) when it is None."""
    if policy is None:
        try:
            from langchain.agents.middleware import _trace_policy

            policy = getattr(_trace_policy, "_DEFAULT_TRACE_POLICY", None)
        except ImportError:  # pragma: no cover - a langchain without trace policies
            policy = None
    process = getattr(policy, "process_inputs", None)
    return process(value) if process is not None else value


def trace_of(ep: EpisodeContext | None) -> Trace | None:
    """The `Trace` listening to `ep`, if any."""
    listener = getattr(ep, "listener", None)
    if isinstance(listener, Trace):
        return listener
    owner = getattr(listener, "__self__", None)  # a `Trace.listen` bound by hand
    return owner if isinstance(owner, Trace) else None


def _langsmith(records: list[Record]) -> None:
    """Add the records to the current LangSmith run (only when LangSmith tracing is on)."""
    run = get_current_run_tree()
    if run is None:
        return
    now = datetime.now(UTC).isoformat()
    run.add_event([{"name": name, "time": now, "kwargs": data} for name, data in records])
    run.add_metadata({"skillevo_episode_id": records[-1][1].get("episode_id")})


def emit(records: list[Record], config: Any = None) -> None:
    """Dispatch records from inside a run (outside one, with `config` naming the run to attach to)."""
    if not records:
        return
    if no_receivers(config):  # nobody listens: skip building a callback manager per record
        _langsmith(records)
        return
    for name, data in records:
        try:
            dispatch_custom_event(name, data, config=config)
        except RuntimeError:  # not inside a run: nothing to attach the event to
            break
        except Exception:
            log.exception("skillevo: dispatching %s failed", name)
    _langsmith(records)


async def aemit(records: list[Record], config: Any = None) -> None:
    """Async `emit` (async callback handlers are awaited in the run's event loop)."""
    if not records:
        return
    if no_receivers(config):
        _langsmith(records)
        return
    for name, data in records:
        try:
            await adispatch_custom_event(name, data, config=config)
        except RuntimeError:
            break
        except Exception:
            log.exception("skillevo: dispatching %s failed", name)
    _langsmith(records)


def mark_repairs(result: Any, trace: Trace | None, tool: str | None) -> Any:
    """`result` (a ToolMessage) with the repairs made to its call in ``response_metadata["skillevo"]``."""
    if trace is None:
        return result
    repairs = trace.repairs(tool)
    if not repairs or not isinstance(result, ToolMessage):
        return result
    meta = dict(result.response_metadata or {})
    meta["skillevo"] = {
        "episode_id": trace.episode_id,
        "repairs": [{k: r.get(k) for k in ("skill", "version", "when", "changed", "before", "after")} for r in repairs],
    }
    return result.model_copy(update={"response_metadata": meta})


def score(reward: Callable[[Any], Any] | None, state: Any, ep: EpisodeContext) -> tuple[float | None, str | None]:
    """``reward(state)`` under the adapter contract (`skillevo.adapters.score_reward`)."""
    return score_reward(ep, reward, state)


def silent(trace: Trace) -> bool:
    """Whether this hook runs in the invocation the episode started in, when that one had no
    receiver for its records (asking again would cost more than the hook)."""
    loop = trace.silent_in() if trace.silent_in is not None else None
    return loop is not None and loop is run_loop()


def emit_pending(trace: Trace) -> None:
    """Dispatch the trace's pending records (dropped unread where `silent`)."""
    records = trace.drain()
    if not silent(trace):
        emit(records)


async def aemit_pending(trace: Trace) -> None:
    """`emit_pending`, async."""
    records = trace.drain()
    if not silent(trace):
        await aemit(records)
