"""Runs the caller stopped between two hooks: a closed stream, a cancelled task.

`SkillMiddleware` sees a run only through its hooks. A caller that stops reading a stream
(``for chunk in agent.stream(...): break``) or cancels an ``astream`` between two hooks raises
``GeneratorExit`` / ``CancelledError`` in LangGraph's loop, never in a hook, so the run's episode
would stay open and never be stored. What marks the end of a run is its stream writer: LangGraph
makes one function per ``stream`` call (``Runtime.stream_writer``, shared by every task of the
run) and drops it when the run ends, however it ends. The watch holds a weak reference to it;
the reference's callback (run by the garbage collector, anywhere) only puts the episode's id on a
`queue.SimpleQueue` (safe there), and a daemon thread hands it to the middleware, which records
the episode as aborted ("stopped", reward unknown) unless a hook finished it meanwhile. At
interpreter exit every episode still watched is handed over.

Only runs without a checkpointed thread are watched: a run on a thread can stop at an interrupt
and be resumed by a later ``stream`` call (one episode for both), and the thread's next run already
ends an episode it did not resume.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import weakref
from collections.abc import Callable
from typing import Any

from langchain_core.runnables.config import var_child_runnable_config

__all__ = ["RunWatch", "settle"]

log = logging.getLogger("skillevo_langgraph")

_CHECKPOINTER = "__pregel_checkpointer"  # LangGraph's CONFIG_KEY_CHECKPOINTER


def _threaded() -> bool:
    config = var_child_runnable_config.get() or {}
    conf = config.get("configurable") or {}
    return conf.get("thread_id") is not None or conf.get(_CHECKPOINTER) is not None


class RunWatch:
    """Hands the middleware (`stopped(ids)`) the episodes whose run ended without a hook hearing of it."""

    def __init__(self, stopped: Callable[[list[str]], None]) -> None:
        self._stopped = stopped
        self._refs: dict[str, weakref.ref[Any]] = {}
        _LIVE.add(self)

    def watch(self, episode_id: str, runtime: Any) -> None:
        """Watch the run `runtime` belongs to (not when it cannot be told apart, or is threaded)."""
        writer = getattr(runtime, "stream_writer", None)
        if writer is None or _threaded():
            return
        me = weakref.ref(self)
        try:
            self._refs[episode_id] = weakref.ref(writer, lambda _: _ENDED.put((me, episode_id)))
        except TypeError:  # not weak-referenceable: the run is not watched
            return
        _start()

    def forget(self, episode_id: str) -> None:
        """A hook finished or aborted the episode (its reference goes, and with it the callback)."""
        self._refs.pop(episode_id, None)

    def hand_over(self, ids: list[str]) -> None:
        ids = [i for i in ids if self._refs.pop(i, None) is not None]
        if ids:
            self._stopped(ids)


# (the watch, the episode id) of each run that ended; put from weakref callbacks
_ENDED: queue.SimpleQueue[tuple[weakref.ref[RunWatch], str]] = queue.SimpleQueue()
_LIVE: weakref.WeakSet[RunWatch] = weakref.WeakSet()
_handling = threading.Lock()
_started_in: int | None = None
_start_lock = threading.Lock()


def _handle(item: tuple[weakref.ref[RunWatch], str]) -> None:
    watch = item[0]()
    if watch is None:
        return
    try:
        watch.hand_over([item[1]])
    except Exception:
        log.exception("skillevo: could not record a stopped run")


def _run() -> None:
    while True:
        item = _ENDED.get()
        with _handling:
            _handle(item)


def _start() -> None:
    global _started_in
    if _started_in == os.getpid():
        return
    with _start_lock:
        if _started_in != os.getpid():  # once per process (a forked child has no thread yet)
            threading.Thread(target=_run, name="skillevo-stopped-runs", daemon=True).start()
            _started_in = os.getpid()


def settle() -> None:
    """Record every run that has ended so far (in the caller's thread), and wait for the one the
    background thread is recording. For tests and for callers that read the library next."""
    with _handling:
        while True:
            try:
                item = _ENDED.get_nowait()
            except queue.Empty:
                return
            _handle(item)


def _after_fork_in_child() -> None:
    # The thread (and a lock it may have held) stayed in the parent; the child starts its own.
    global _handling, _ENDED
    _handling = threading.Lock()
    _ENDED = queue.SimpleQueue()


os.register_at_fork(after_in_child=_after_fork_in_child)


@atexit.register
def _at_exit() -> None:
    # Registered after skillevo's own exit hook (imported first), so it runs before the queues are written.
    settle()
    for watch in list(_LIVE):
        try:
            watch.hand_over(list(watch._refs))
        except Exception:  # the process is ending: nothing left to tell
            pass
