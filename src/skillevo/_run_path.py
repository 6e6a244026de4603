"""A store error on an agent's run path: recorded and logged, never raised into the run.

The hooks an agent calls while it runs (`EpisodeContext.guidance`, `before_tool`, `on_tool_result`,
`on_tool_error`, leaving ``with evo.episode()``) read and write the library. When it does not
answer (a server away, a full disk, a lock held for good) the run must still finish as it would
without skillevo: a hook answers as a library with no skills would (no guidance, the arguments
unchanged, no retry), and the error is recorded on the episode (``metadata["skillevo_error"]``)
and logged as the adapters log it (`skillevo.adapters.record_error`: the first store error in
full, the next minute's counted). Before 2026-12-07 every hook raised it to an agent written on
the direct API (6 of 6 runs broken in a store outage; `tests/test_direct_api_outage.py`).
Only `LibraryError`: bad input is still the caller's `ConfigError`.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from ._errors import LibraryError

if TYPE_CHECKING:
    from ._episode import EpisodeContext

__all__ = ["on_run_path", "record_run_error", "run_path", "run_path_scope"]

P = ParamSpec("P")
R = TypeVar("R")
C = TypeVar("C", bound="EpisodeContext")


# Set while a hook of a run is running (this thread or task): its reads may skip a locked library.
_in_hook: contextvars.ContextVar[bool] = contextvars.ContextVar("skillevo_run_path", default=False)


def on_run_path() -> bool:
    """Whether the caller is inside a hook of an agent's run (`skillevo._lock_pause`)."""
    return _in_hook.get()


@contextlib.contextmanager
def run_path_scope() -> Iterator[None]:
    """Mark the block as part of an agent's run (a hook `run_path` does not wrap: ``finish``)."""
    token = _in_hook.set(True)
    try:
        yield
    finally:
        _in_hook.reset(token)


def record_run_error(ep: EpisodeContext, where: str, exc: BaseException) -> None:
    """Record and log `exc`, met by `where` on `ep`'s run, as the adapters do."""
    # (The adapters' contract module imports the episode's: imported here when first needed.)
    from .adapters import record_error

    record_error(ep, where, exc)


def run_path(
    fallback: Callable[P, R],
) -> Callable[[Callable[Concatenate[C, P], R]], Callable[Concatenate[C, P], R]]:
    """A hook of the run: a `LibraryError` it raises is recorded and ``fallback(*args)`` answered."""

    def wrap(hook: Callable[Concatenate[C, P], R]) -> Callable[Concatenate[C, P], R]:
        @functools.wraps(hook)
        def guarded(self: C, /, *args: P.args, **kwargs: P.kwargs) -> R:
            token = _in_hook.set(True)
            try:
                return hook(self, *args, **kwargs)
            except LibraryError as exc:
                record_run_error(self, hook.__name__, exc)
                return fallback(*args, **kwargs)
            finally:
                _in_hook.reset(token)

        return guarded

    return wrap


def no_guidance(tools: Any = None) -> str:
    """`guidance` with no skill: nothing to add to the prompt."""
    return ""


def unchanged(name: Any, args: dict[str, Any]) -> dict[str, Any]:
    """`before_tool` with no skill: the arguments the caller sent."""
    return args


def not_judged(name: Any, args: Any, result: Any) -> bool:
    """`on_tool_result` that could not judge the result: not reported a failure (nothing repairs it)."""
    return False


def no_retry(name: Any, args: Any, error: Any) -> dict[str, Any] | None:
    """`on_tool_error` with no skill: nothing to retry with."""
    return None


def no_repair(name: Any, args: Any, error: Any, unparsed: bool = False) -> tuple[dict[str, Any] | None, float]:
    """`_repair_after_error` with no skill: no retry, no wait."""
    return None, 0.0
