"""Episodes their caller dropped unfinished: queued by the garbage collector, stored later as abandoned.

A run can lose its episode before ``finish``: an exception path in user code that skips it, a
generator never resumed, a framework run dropped. Before 2026-12-07 the collector freed such an
episode with everything it recorded (20 of 20 lost, even at the library's close).

The collector runs finalizers in whatever thread allocates, in the middle of anything: a section
holding a store lock (the write queue's is not reentrant), a signal handler, interpreter shutdown.
So a finalizer here never writes, logs or takes a lock: it appends the episode (resurrected, as
Python allows a finalizer once) to a deque, which is atomic, and returns. The queue is written
where no lock of skillevo's is held by the caller, nor a transaction on the episode's library
(a write there would go with the caller's rollback): at the next episode's start (`Evolver.episode`),
at a library's close (before its open episodes are stopped), at interpreter exit (the collector run first; before the
write queues' own exit hook, registered earlier, writes what this queued) and on SIGTERM (before
the queues are written for the last time). Each is stored as
abandoned: reward unknown, ``metadata["aborted"] == "abandoned"``, with the events it had. A
``with evo.episode()`` block the collector leaves (a generator in a reference cycle, closed by it)
is queued the same way instead of finishing in place.

At the process's end (the exit hook, SIGTERM) one deadline bounds every wait for a busy episode
together: before 2026-12-07 each busy episode was waited for `LOCK_WAIT_S` in turn (40 busy
episodes: 80 s before the process could end). And what is stored there is not mined
(`ending`): a miner that hangs (a model call without a timeout) held the exit for ever; the
nightly `skillevo train` mines every stored episode with a failure.

Memory: the queue holds only episodes dropped since the last of those points, which the process
held anyway until it dropped them.
"""

from __future__ import annotations

import atexit
import collections
import contextvars
import gc
import logging
import os
import threading
import time
import weakref
from typing import TYPE_CHECKING

from . import _writebehind  # noqa: F401  (its exit hook registered first, so it runs after `_at_exit`)
from ._run_path import record_run_error

if TYPE_CHECKING:
    from ._episode import EpisodeContext

__all__ = [
    "ABANDONED", "abandoned", "collect_and_store", "ending", "in_collector", "opened", "pending", "store_abandoned",
]

log = logging.getLogger("skillevo")

#: ``metadata["aborted"]`` of an episode its caller dropped unfinished
ABANDONED = "abandoned"

#: How long storing an abandoned episode waits for another thread inside it (its lock); at exit,
#: how long the exit hook waits for all such episodes together.
LOCK_WAIT_S = 2.0

# (episode, reward) pairs: appended by finalizers, popped by `store_abandoned` (both atomic)
_queue: collections.deque[tuple[EpisodeContext, float | None]] = collections.deque()

# The episodes of this process not freed yet (`collect_and_store`).
_live: weakref.WeakSet[EpisodeContext] = weakref.WeakSet()

# Set while the episodes of an ending process are stored (`collect_and_store`): nothing is mined.
_ending: contextvars.ContextVar[bool] = contextvars.ContextVar("skillevo_ending", default=False)
# The thread the cycle collector is running in, 0 outside a collection (`gc.callbacks`).
_collecting = [0]


def _phase(phase: str, info: dict[str, int]) -> None:
    _collecting[0] = threading.get_ident() if phase == "start" else 0


gc.callbacks.append(_phase)


def in_collector() -> bool:
    """Whether this thread is inside a collection of the cycle collector (running its finalizers)."""
    return _collecting[0] == threading.get_ident()


def abandoned(ep: EpisodeContext, reward: float | None = None) -> None:
    """Queue `ep`, dropped unfinished (or left by the collector), to be stored with `reward`.

    Safe in a finalizer: no lock, no allocation beyond the pair, never raises (at interpreter
    shutdown the module's globals may be gone already)."""
    try:
        _queue.append((ep, reward))
    except Exception:
        pass


def ending() -> bool:
    """Whether the caller stores the episodes of a process that is ending (its finish does not mine)."""
    return _ending.get()


def pending() -> bool:
    """Whether episodes wait in the queue."""
    return bool(_queue)


def store_abandoned(deadline: float | None = None) -> int:
    """Store every queued episode as abandoned, in this thread; returns how many. Never raises.

    An episode another thread is inside (holding it) is waited for until `deadline` (a
    `time.monotonic()` time; default: `LOCK_WAIT_S` from each wait's start), then left.

    Call only where this thread holds no lock of skillevo's (the stores' writes take theirs); a
    call from inside the collector (a finalizer that closes a library) stores nothing, and an
    episode of a library this thread holds a transaction on stays queued."""
    if not _queue or in_collector():  # (the first: at every episode's start, nearly always empty)
        return 0
    n = 0
    held: list[tuple[EpisodeContext, float | None]] = []
    while True:
        try:
            ep, reward = _queue.popleft()
        except IndexError:
            _queue.extend(held)
            return n
        if ep.finished:  # a finish that raced the collector (a library's close stopping it)
            continue
        if ep._opened_pid != os.getpid():
            # A forked child's copy of its parent's episode (queued before the fork, or dropped here):
            # the parent stores it (before 2026-12-07 both did: its events recorded twice).
            continue
        if _in_transaction(ep):
            # Its write would join the transaction this thread's caller holds open on its library,
            # and go with that caller's rollback (before 2026-12-07: lost). It waits for the next point.
            held.append((ep, reward))
            continue
        # A thread still in the episode's run (a daemon thread at exit, the thread SIGTERM
        # interrupted) may hold its lock: waited for a bounded time, never for ever.
        wait_s = LOCK_WAIT_S if deadline is None else max(0.0, deadline - time.monotonic())
        if not ep._lock.acquire(timeout=wait_s):
            log.warning("skillevo: episode %s is busy in another thread; not stored as abandoned", ep.id)
            continue
        n += 1
        try:
            if not ep.finished:
                ep.episode.metadata["aborted"] = ABANDONED
            ep.finish(reward)
        except Exception as exc:
            # (a library closed meanwhile, a store away: recorded on the episode and logged)
            try:
                record_run_error(ep, "finish", exc)
            except Exception:
                log.exception("skillevo: could not store abandoned episode %s", ep.id)
        finally:
            ep._lock.release()


def _in_transaction(ep: EpisodeContext) -> bool:
    try:
        return bool(ep.evo.store._in_transaction())
    except Exception:  # (a store of another kind, closed: its own finish reports that)
        return False


def collect_and_store(deadline: float | None = None) -> int:
    """`store_abandoned` for a process that is ending: the collector runs first, so that episodes
    dropped in reference cycles it has not reached yet are queued too (before 2026-12-07 they were
    freed after the exit hook, unrecorded), then every episode of this process still open (held
    by the user's code, a daemon thread still in its run) is queued as well: nothing else would
    ever store it (before 2026-12-07: 25 of 25 lost). `deadline` (default: `LOCK_WAIT_S` from
    now) bounds the waits for busy episodes in all. Nothing stored here is mined (`ending`). Never
    raises."""
    deadline = time.monotonic() + LOCK_WAIT_S if deadline is None else deadline
    token = _ending.set(True)
    try:
        return _collect_and_store(deadline)
    finally:
        _ending.reset(token)


def _collect_and_store(deadline: float) -> int:
    try:
        # (only where an episode is still unfinished: a full collection of a large heap costs)
        if any(not ep.finished for ep in list(_live)):
            gc.collect()
        _queue_held()
    except Exception:
        pass
    return store_abandoned(deadline)


def _queue_held() -> None:
    """Queue the episodes of this process still unfinished that are not queued already."""
    queued = {id(ep) for ep, _ in list(_queue)}
    pid = os.getpid()
    for ep in list(_live):
        if not ep.finished and ep._opened_pid == pid and id(ep) not in queued:
            _queue.append((ep, None))


def opened(ep: EpisodeContext) -> None:
    """Note `ep`, just opened (held weakly: whether the process ends with one unfinished)."""
    _live.add(ep)


@atexit.register
def _at_exit() -> None:
    collect_and_store()  # (one lock wait in all, not one per busy episode: its default deadline)
