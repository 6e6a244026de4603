"""Where an episode was entered: whether it is current for the code that asks (`current_episode`).

A generator (or an async generator) runs in its caller's context, so an episode entered with
``with evo.episode()`` inside one, and left open across a ``yield``, stays set in the caller's
context variable while the generator is suspended: the caller's unrelated code found it current
(before 2026-12-07), its tool and model calls recorded on, and guided by, another run. Python has no
per-generator context (PEP 568 was deferred), so the entry records the generator frame it was
made in, with the thread and asyncio task that ran it; a read from that same thread and task while
the frame is suspended (it has no caller: ``f_back is None``) is the caller's code, and sees no
episode. Tasks and threads started inside the block run in a copy of the context, under another
task or thread, and keep the episode while the generator is suspended, as before.

A generator that ``contextlib.contextmanager`` (or ``asynccontextmanager``) drives is the other
kind: it yields so that the caller's ``with`` block runs inside its own, and that block is the
episode's run. Such a generator is climbed through: the site is the frame of the ``with``
statement that entered it (a streaming generator's, or none); so is one resumed by any other
``__enter__``/``__aenter__`` (an ``ExitStack``, a hand-written context manager).

An adapter that makes its run's episode current with `skillevo.adapters.use_episode` (a graph
wrapper's ``stream`` is a generator) records the site of its block the same way (`bind`), in the
context, next to the episode it made current.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import inspect
import sys
import threading
from types import CodeType, FrameType
from typing import Any, NamedTuple

__all__ = ["EntrySite", "bind", "entering_site", "entry_site", "out_of_scope", "suspended_here", "unbind"]

_GENERATOR_FLAGS = inspect.CO_GENERATOR | inspect.CO_ASYNC_GENERATOR
#: the frames that run a context-manager generator up to its ``yield`` (the caller's block follows)
_CM_ENTRIES = frozenset({
    contextlib._GeneratorContextManager.__enter__.__code__,
    contextlib._AsyncGeneratorContextManager.__aenter__.__code__,
})
#: a hand-written context manager resuming its generator from its own ``__enter__``/``__aenter__``
_ENTRY_NAMES = frozenset({"__enter__", "__aenter__"})


class EntrySite(NamedTuple):
    """The generator frame an episode was entered in, and the thread and task that ran it."""

    frame: FrameType
    thread: int
    task: object


def _task() -> object:
    try:
        return asyncio.current_task()
    except RuntimeError:  # no running loop in this thread
        return None


def _generator(frame: FrameType | None) -> bool:
    return frame is not None and bool(frame.f_code.co_flags & _GENERATOR_FLAGS)


def entry_site(frame: FrameType | None) -> EntrySite | None:
    """The site of an entry made by `frame` (the ``with`` statement's), if it is a generator's: a
    context manager's generator is climbed through to the frame whose ``with`` entered it."""
    while frame is not None and _generator(frame):
        driver = frame.f_back
        if driver is None or (driver.f_code not in _CM_ENTRIES and driver.f_code.co_name not in _ENTRY_NAMES):
            break
        frame = driver.f_back
    if frame is None or not _generator(frame):
        return None
    return EntrySite(frame, threading.get_ident(), _task())


def entering_site(aenter: CodeType) -> EntrySite | None:
    """The site of the ``with`` statement entering the episode: the caller of the ``__enter__`` that
    calls this, or one frame further up for ``async with`` (whose ``__aenter__`` has code `aenter`)."""
    try:
        frame: FrameType | None = sys._getframe(2)
    except ValueError:  # no Python caller (a thread's own target, a native callback): no generator
        return None
    if frame is not None and frame.f_code is aenter:
        frame = frame.f_back
    return entry_site(frame)


def suspended_here(site: EntrySite) -> bool:
    """Whether the generator of `site` is suspended and the asker is its caller's code (same thread, same task)."""
    return site.frame.f_back is None and site.thread == threading.get_ident() and site.task is _task()


# The site of the block `use_episode` made an episode current in, with that episode (a context's own).
_bound: contextvars.ContextVar[tuple[Any, EntrySite] | None] = contextvars.ContextVar(
    "skillevo_episode_site", default=None
)


def bind(ep: Any, frame: FrameType | None) -> contextvars.Token[tuple[Any, EntrySite] | None]:
    """Record, for this context, the site of the block that makes `ep` current (`frame`: the code
    inside it, a context manager's generator or the block's own); `unbind` with the token."""
    site = entry_site(frame)
    return _bound.set(None if site is None else (ep, site))


def unbind(token: contextvars.Token[tuple[Any, EntrySite] | None]) -> None:
    """Undo `bind` (in another context, where the token does not apply: nothing is bound there)."""
    try:
        _bound.reset(token)
    except ValueError:  # left in another context (an async generator closed elsewhere)
        _bound.set(None)


def out_of_scope(ep: Any, site: EntrySite | None) -> bool:
    """Whether `ep`, current in this context, is hidden from the asker: its ``with`` block's
    generator (`site`), or the one `bind` recorded for it, is suspended and the asker is its caller."""
    if site is not None and suspended_here(site):
        return True
    bound = _bound.get()
    return bound is not None and bound[0] is ep and suspended_here(bound[1])
