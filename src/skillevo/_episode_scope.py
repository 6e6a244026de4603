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

A generator a context manager drives (``@contextmanager``, ``@asynccontextmanager``, an
``ExitStack``: the entry resumed by a ``__enter__`` or ``__aenter__``) is suspended for exactly its
caller's ``with`` body, which is the episode's body: no site is recorded, and the episode is current
there as for a plain ``with`` (hidden before, 2026-12-07: a run wrapped in such a helper recorded
nothing).
"""

from __future__ import annotations

import asyncio
import inspect
import sys
import threading
from types import CodeType, FrameType
from typing import NamedTuple

__all__ = ["EntrySite", "entering_site", "entry_site", "suspended_here"]

_GENERATOR_FLAGS = inspect.CO_GENERATOR | inspect.CO_ASYNC_GENERATOR
#: The methods by which a context manager resumes the generator it wraps into its caller's block.
_CONTEXT_ENTRIES = frozenset({"__enter__", "__aenter__"})


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


def entry_site(frame: FrameType | None) -> EntrySite | None:
    """The site of an entry made by `frame` (the ``with`` statement's), if it is a generator's."""
    if frame is None or not frame.f_code.co_flags & _GENERATOR_FLAGS:
        return None
    driver = frame.f_back
    if driver is not None and driver.f_code.co_name in _CONTEXT_ENTRIES:
        return None  # a context manager's generator: the caller's with-body is the episode's
    return EntrySite(frame, threading.get_ident(), _task())


def entering_site(aenter: CodeType) -> EntrySite | None:
    """The site of the ``with`` statement entering the episode: the caller of the ``__enter__`` that
    calls this, or one frame further up for ``async with`` (whose ``__aenter__`` has code `aenter`)."""
    frame: FrameType | None = sys._getframe(2)
    if frame is not None and frame.f_code is aenter:
        frame = frame.f_back
    return entry_site(frame)


def suspended_here(site: EntrySite) -> bool:
    """Whether the generator of `site` is suspended and the asker is its caller's code (same thread, same task)."""
    return site.frame.f_back is None and site.thread == threading.get_ident() and site.task is _task()
