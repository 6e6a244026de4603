"""Episodes whose learning the store refused, learned from once it answers again.

An Evolver learns from a finished episode (mines its failures, offers its repairs to other tools)
after the episode is stored, mostly off the agent's thread. When the store does not answer then
(a PostgreSQL outage, a full disk), the learning fails with `LibraryError` while the episode itself
is kept (stored, or queued until the store takes writes). Before 2026-12-07 that learning was
dropped: the episode was never mined by the process that ran it (274 jobs in a 5 s PostgreSQL
outage under 600 async runs). Now the Evolver notes the episode's id here, and the next learning
that succeeds learns from the noted ones too, reading each back from the store. An id is taken off
before it is learned from, and noted again only if that fails: an episode is mined once. At most
`UNLEARNED_MAX` ids are kept (the oldest dropped, counted); what a process drops or never reaches
(it ended first) is mined by the nightly ``skillevo train``, which mines every stored episode with
a failure since its last run.
"""

from __future__ import annotations

import collections
import logging
import threading

__all__ = ["UNLEARNED_MAX", "Unlearned"]

_log = logging.getLogger("skillevo")

#: the most episode ids an Evolver keeps to learn from later
UNLEARNED_MAX = 1000
#: how often an episode's learning is tried again before it is left to the nightly job (an episode
#: whose queued write the store refused for good is never found)
ATTEMPTS = 3


class Unlearned:
    """A bounded, ordered set of episode ids to learn from later, with the repairs each used."""

    def __init__(self, most: int = UNLEARNED_MAX) -> None:
        self.most = most
        #: ids dropped past `most` (left to the nightly job)
        self.dropped = 0
        self._ids: collections.OrderedDict[str, tuple[tuple[str, ...], int]] = collections.OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._ids)

    def note(self, episode_id: str, repairs: tuple[str, ...] = (), tries: int = 0) -> None:
        """Keep `episode_id` to learn from later (`tries`: the failed tries so far, this one included)."""
        with self._lock:
            if tries >= ATTEMPTS:
                self.dropped += 1
                return
            self._ids[episode_id] = (repairs, tries)
            while len(self._ids) > self.most:
                self._ids.popitem(last=False)
                self.dropped += 1
                if self.dropped == 1:
                    _log.warning("skillevo: over %d episodes not learned from yet: the oldest are left to "
                                 "the nightly `skillevo train`", self.most)

    def take(self) -> list[tuple[str, tuple[str, ...], int]]:
        """Every noted id (taken off: whoever takes it learns from it, or notes it again)."""
        with self._lock:
            taken = [(k, repairs, tries) for k, (repairs, tries) in self._ids.items()]
            self._ids.clear()
        return taken
