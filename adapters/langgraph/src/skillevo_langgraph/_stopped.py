"""Runs the caller stopped between two hooks: a closed stream, a cancelled task.

`SkillMiddleware` sees a run only through its hooks. A caller that stops reading a stream
(``for chunk in agent.stream(...): break``) or cancels an ``astream`` between two hooks raises
``GeneratorExit`` / ``CancelledError`` in LangGraph's loop, never in a hook, so the run's episode
would stay open and never be stored. What marks the end of a run is its stream writer: LangGraph
makes one function per ``stream`` call (``Runtime.stream_writer``, shared by every task of the
run) and drops it when the run ends, however it ends. The watch holds a weak reference to it;
the reference's callback (run by the garbage collector, anywhere) only puts the episode's id on a
`queue.SimpleQueue` (safe there), and a daemon thread hands it to the middleware, which records
the episode as aborted ("stopped", reward unknown; failed, reward 0, where the loop exited on an
ordinary exception, e.g. another middleware's) unless a hook finished it meanwhile. At
interpreter exit every episode still open is handed over, a run paused at an interrupt on a
checkpointed thread too (`RunWatch.at_exit`).

The writer is dropped only when nothing refers to it any more: a run that ended by raising (the
recursion limit's ``GraphRecursionError``) leaves it in the frames of the traceback the caller
holds, and in reference cycles only the garbage collector frees, so such a run was recorded late,
or at exit. Where LangGraph's loop can be found from the hook (the run's task config carries its
methods), the watch also registers a callback on the loop's exit stack: it runs as the loop exits,
however the run ends, before the error reaches the caller, and reads why it ended (a loop out of
steps: the run failed with ``GraphRecursionError``, reward 0). The writer's reference stays as the
fallback for a LangGraph whose loop is not found.

A run that ends on an ordinary exception (a model call's, a tool's under ``catch_tool_errors=False``,
another middleware's) is recorded there too, at once, before the exception reaches a caller that
may close the library as it leaves a ``with`` block (an async loop's exit
awaits the record in a worker thread, so the store write never holds the event loop): the middleware leaves
that exception to an outer middleware that may call the model again in the same step (a retry, a
fallback model), so only the loop's exit tells that the run went no further. The loop each episode
runs in is also how the middleware tells a run whose history another middleware rewrote (a summary
in place of its input message) from the next run of its thread (`RunWatch.in_run`).

Only runs without a checkpointed thread are watched for a stop: a run on a thread can stop at an
interrupt and be resumed by a later ``stream`` call (one episode for both), and the thread's next
run already ends an episode it did not resume. A run on a thread that runs out of steps is recorded
as failed all the same: it ended there (a run resuming the episode, ``Command(resume=...)``, as well:
`RunWatch.rewatch` watches its loop).
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import queue
import threading
import weakref
from collections.abc import Callable, Collection
from typing import Any

from langchain_core.runnables.config import var_child_runnable_config
from langgraph.errors import GraphBubbleUp, GraphRecursionError, NodeCancelledError, ParentCommand

__all__ = ["RunWatch", "run_loop", "settle"]

log = logging.getLogger("skillevo_langgraph")

_CHECKPOINTER = "__pregel_checkpointer"  # LangGraph's CONFIG_KEY_CHECKPOINTER
_CALL = "__pregel_call"  # LangGraph's CONFIG_KEY_CALL: a partial holding the loop's own methods
_OUT_OF_STEPS = "out_of_steps"  # the loop's status when the recursion limit ended the run
_GONE = object()
_NOT_FAILED = (GraphBubbleUp, NodeCancelledError)  # exceptions a run's loop exits on that are no failure


def _configurable() -> dict[str, Any]:
    config = var_child_runnable_config.get() or {}
    return config.get("configurable") or {}


def _threaded(conf: dict[str, Any]) -> bool:
    return conf.get("thread_id") is not None or conf.get(_CHECKPOINTER) is not None


def run_loop(conf: dict[str, Any] | None = None) -> Any:
    """The LangGraph loop running the current task (its exit stack takes exit callbacks), or None;
    `conf`: the task config's ``configurable``, when the caller has read it already."""
    call = (_configurable() if conf is None else conf).get(_CALL)
    keywords = getattr(call, "keywords", None)
    method = keywords.get("schedule_task") if isinstance(keywords, dict) else None
    loop = getattr(method, "__self__", None)
    stack = getattr(loop, "stack", None)
    return loop if callable(getattr(stack, "push", None)) and hasattr(loop, "status") else None


class _LoopExit(weakref.ref):  # type: ignore[type-arg]
    """The weak reference to the LangGraph loop running an episode's run (`RunWatch`), registered on
    the loop's exit stack (``ExitStack.push``: an object with ``__exit__``).

    One object per run: ``ExitStack.callback`` would make a closure, its cells, an argument tuple and
    a keyword dict, and the loop a reference of its own, all live until the run ends (young objects
    the run's garbage collections go through).
    """

    __slots__ = ("episode_id", "threaded", "watch")
    episode_id: str
    threaded: bool
    watch: weakref.ref[RunWatch]

    def __exit__(self, exc_type: type[BaseException] | None, *exc_info: object) -> None:
        # Returns None: the run's own exception, if any, goes on (as with ``ExitStack.callback``).
        try:
            failed = self._ended(exc_type)
            if failed is not None:
                failed[0].hand_over([self.episode_id], failed[1])
        except Exception:  # the exit stack must never replace the run's own outcome
            log.exception("skillevo: could not record a failed run")

    def _ended(self, exc_type: type[BaseException] | None) -> tuple[RunWatch, type[BaseException]] | None:
        """Queue the run's end, or return what records it in place: (the watch, why it failed)."""
        # Run by the loop's exit stack, in the thread (or event loop) ending the run: only queued. A run
        # a hook already finished (nearly every run) queues nothing: waking the background thread at
        # the end of every run would take the GIL from the caller's thread for nothing.
        live = self.watch()
        episode_id = self.episode_id
        if live is None or episode_id not in live._refs:
            return None
        if exc_type is not None and issubclass(exc_type, ParentCommand):
            # A handoff to the parent graph ends the run (threaded or not): recorded in place, finished
            # with the state a tool handed over (before 2026-12-07 taken for a run the caller stopped).
            return live, exc_type
        if getattr(self(), "status", None) == _OUT_OF_STEPS:
            if exc_type is not None and issubclass(exc_type, GeneratorExit):  # (see below: only queued)
                _ENDED.put((self.watch, episode_id, GraphRecursionError))
                return None
            # The loop raises GraphRecursionError once it has exited: recorded in place, before the
            # error reaches a caller that may close the library as it leaves a `with` block (queued,
            # it lost that race: 6 of 6 sync runs unrecorded before 2026-12-07).
            return live, GraphRecursionError
        elif (failed := live._failed(episode_id)) is not None:
            if exc_type is not None and issubclass(exc_type, GeneratorExit):
                # A stream closed, maybe by the garbage collector, which runs in whatever thread
                # allocates, in the middle of anything (a section holding the middleware's lock):
                # only queued. No error reaches the caller to be ahead of.
                _ENDED.put((self.watch, episode_id, failed))
                return None
            # The run ended on a model call's exception, which the hook left to an outer retry: recorded
            # in place, before the error reaches the caller (as when the hook records it itself).
            return live, failed
        elif not self.threaded:
            why = _failure(exc_type)
            if why is None:  # the caller stopped it (or it ended with no hook hearing): queued
                _ENDED.put((self.watch, episode_id, None))
            else:
                # An ordinary exception (a tool's, with catch_tool_errors=False; another middleware's)
                # ends the run here, in the caller's thread: recorded in place, before it reaches the
                # caller, whose `with SkillLibrary(...)` it may leave (closing the library at once).
                return live, why
        else:  # a threaded run may be resumed: its next run ends it
            live.forget(episode_id)
        return None


class _AsyncLoopExit(_LoopExit):
    """`_LoopExit` on an async loop's exit stack (``AsyncExitStack.push_async_exit``): a failed run is
    recorded in a worker thread, as the async hooks record theirs, so the store write (a commit, a
    round trip to PostgreSQL) never holds the event loop."""

    __slots__ = ()

    async def __aexit__(self, exc_type: type[BaseException] | None, *exc_info: object) -> None:
        try:
            failed = self._ended(exc_type)
            if failed is not None:
                await asyncio.to_thread(failed[0].hand_over, [self.episode_id], failed[1])
        except Exception:
            log.exception("skillevo: could not record a failed run")


def _failure(exc_type: type[BaseException] | None) -> type[BaseException] | None:
    """The exception a run's loop exited on when it is the run's failure (reward 0): an ordinary one
    (another middleware's, a node's); not the caller stopping the run (``GeneratorExit``, a
    cancellation, LangGraph's ``NodeCancelledError`` for one, Ctrl-C: None, stopped) nor a graph
    interrupt."""
    if exc_type is None or not issubclass(exc_type, Exception) or issubclass(exc_type, _NOT_FAILED):
        return None
    return exc_type


class _WriterRef(weakref.ref):  # type: ignore[type-arg]
    """The weak reference to a run's stream writer, with what its callback needs (`_writer_dropped`):
    one object per run where a lambda would add a function and its cells."""

    __slots__ = ("episode_id", "watch")
    episode_id: str
    watch: weakref.ref[RunWatch]


def _writer_dropped(ref: _WriterRef) -> None:
    _ENDED.put((ref.watch, ref.episode_id, None))


class RunWatch:
    """Hands the middleware (`stopped(ids, why)`) the episodes whose run ended without a hook
    hearing of it: `why` is the exception class that ended it (None: the caller stopped it)."""

    def __init__(
        self,
        stopped: Callable[[list[str], type[BaseException] | None], None],
        failed: Callable[[str], type[BaseException] | None] = lambda _: None,
        open_runs: Callable[[], Collection[str]] = tuple,
    ) -> None:
        self._stopped = stopped
        # the episodes of every run still open (a run paused at an interrupt on a checkpointed thread too)
        self._open_runs = open_runs
        # why a run that ended at its loop's exit failed there, if it did (recorded at once)
        self._failed = failed
        # The episodes watched: the weak reference to their run's writer (None: the loop's exit alone).
        self._refs: dict[str, weakref.ref[Any] | None] = {}
        #: the ids of the episodes watched (read only; a hook of a run already watched skips `rewatch`)
        self.watched: Collection[str] = self._refs.keys()
        # The LangGraph loop running each episode's run, where it was found.
        self._loops: dict[str, weakref.ref[Any]] = {}
        # the weak reference to the watch every run's callbacks hold (one, not one per run)
        self._me = weakref.ref(self)
        _LIVE.add(self)

    def watch(self, episode_id: str, runtime: Any) -> None:
        """Watch the run `runtime` belongs to (a threaded run only for running out of steps)."""
        conf = _configurable()
        threaded = _threaded(conf)
        found = self._watch_loop(episode_id, threaded, conf)
        writer = getattr(runtime, "stream_writer", None)
        if writer is None or threaded:
            return
        try:
            ref = _WriterRef(writer, _writer_dropped)
        except TypeError:  # not weak-referenceable: the run is not watched that way
            return
        ref.watch = self._me
        ref.episode_id = episode_id
        self._refs[episode_id] = ref
        if not found:  # (else `_watch_loop` started it)
            _start()

    def rewatch(self, episode_id: str) -> None:
        """A hook of a run that found its episode open: a run of a thread resuming the episode an
        interrupted run left (``Command(resume=...)``) is a new loop, whose exit is watched too (a
        resumed run that ran out of steps stayed open until the thread's next run). A dict lookup
        for a run already watched: nearly every call."""
        if episode_id not in self._refs:
            conf = _configurable()
            self._watch_loop(episode_id, _threaded(conf), conf)

    def _watch_loop(self, episode_id: str, threaded: bool, conf: dict[str, Any]) -> bool:
        """Register a `_LoopExit` on the exit of the LangGraph loop running this hook, if it is found
        (returns whether it was)."""
        loop = run_loop(conf)
        if loop is None:
            return False
        self._refs[episode_id] = None
        stack = loop.stack
        is_async = callable(getattr(stack, "push_async_exit", None))
        ref = self._loops[episode_id] = (_AsyncLoopExit if is_async else _LoopExit)(loop)
        ref.watch = self._me
        ref.episode_id = episode_id
        ref.threaded = threaded
        if is_async:
            stack.push_async_exit(ref)
        else:
            stack.push(ref)
        _start()
        return True

    def loop_of(self, episode_id: str) -> weakref.ref[Any] | None:
        """The LangGraph loop the episode's run was found in (see `watch`), if it was."""
        return self._loops.get(episode_id)

    def in_run(self, episode_id: str) -> bool:
        """Whether the hook calling is one of the episode's run: the LangGraph loop running it is the
        one the episode's run started in (False where the loop is not found)."""
        ref = self._loops.get(episode_id)
        loop = ref() if ref is not None else None
        return loop is not None and loop is run_loop()

    def forget(self, episode_id: str) -> None:
        """A hook finished or aborted the episode (its reference goes, and with it the callback)."""
        self._refs.pop(episode_id, None)
        self._loops.pop(episode_id, None)

    def at_exit(self) -> None:
        """The process is ending: every run still open ends here, the one paused at an interrupt on
        a checkpointed thread too (a resume in another process is an episode of its own there, see
        `SkillMiddleware._adopt`), recorded as stopped (reward unknown) while the library's own exit
        hook can still write it."""
        self.hand_over([i for i, ref in list(self._refs.items()) if ref is not None])
        self._refs.clear()
        left = list(self._open_runs())  # (those just handed over are no longer open)
        if left:
            self._stopped(left, None)

    def hand_over(self, ids: list[str], why: type[BaseException] | None = None) -> None:
        """Record `ids` as ended by `why` (those still watched: a hook may have finished them)."""
        for i in ids:
            self._loops.pop(i, None)
        ids = [i for i in ids if self._refs.pop(i, _GONE) is not _GONE]
        if ids:
            self._stopped(ids, why)


# (the watch, the episode id, why it ended) of each run that ended; put from weakref callbacks
# and from the loop's exit
_ENDED: queue.SimpleQueue[tuple[weakref.ref[RunWatch], str, type[BaseException] | None]] = queue.SimpleQueue()
_LIVE: weakref.WeakSet[RunWatch] = weakref.WeakSet()
_handling = threading.Lock()
_started_in: int | None = None
_start_lock = threading.Lock()


def _handle(item: tuple[weakref.ref[RunWatch], str, type[BaseException] | None]) -> None:
    watch = item[0]()
    if watch is None:
        return
    try:
        watch.hand_over([item[1]], item[2])
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
            watch.at_exit()
        except Exception:  # the process is ending: nothing left to tell
            pass
