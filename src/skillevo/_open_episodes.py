"""The episodes of an `Evolver` still open: recorded as stopped when their library closes.

An episode is finished by its run (``finish``, leaving ``with evo.episode()``, an adapter at the
end of the framework's run). A run can outlive its library: a LangGraph run paused at an interrupt
on a checkpointed thread waits for a person, a CrewAI flow waits for feedback, another thread is
still in its run while the application shuts down. Finished after the close, such an episode is
refused by the library and lost with everything it recorded. So closing the library first records
each of its episodes still open as stopped (reward unknown, ``metadata["aborted"] == "stopped"``,
as a run the caller stopped), with the events it has; the run's own finish later is a no-op.

Held weakly: an episode nothing refers to any more is not kept alive here.
"""

from __future__ import annotations

import logging
import threading
import weakref
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._episode import EpisodeContext

__all__ = ["OpenEpisodes", "reward_after_close"]

log = logging.getLogger("skillevo")


class OpenEpisodes:
    """The unfinished episodes of one Evolver (safe from any thread)."""

    def __init__(self) -> None:
        self._open: weakref.WeakSet[EpisodeContext] = weakref.WeakSet()
        self._lock = threading.Lock()

    def opened(self, ep: EpisodeContext) -> None:
        with self._lock:
            self._open.add(ep)

    def finished(self, ep: EpisodeContext) -> None:
        with self._lock:
            self._open.discard(ep)

    def stop_all(self) -> None:
        """Record every episode still open as stopped; never raises (the library's close goes on)."""
        from .adapters import abort  # (the adapter contract imports the Evolver's module)

        with self._lock:
            left = list(self._open)
        for ep in left:
            ep._library_closed = True  # the run's own finish later, its reward included, is a no-op
            try:
                abort(ep)  # records its own store error on the episode and logs it
            except Exception:
                log.exception("skillevo: could not record episode %s, open when its library closed", ep.id)


def reward_after_close(episode_id: str) -> None:
    """A run's reward for its episode `episode_id`, stopped when its library closed, came after the
    close: no library takes it, and the run is not failed for it (logged, not raised)."""
    log.warning(
        "skillevo: episode %s was stored as stopped when its library closed; its reward, given after, is not recorded",
        episode_id,
    )
