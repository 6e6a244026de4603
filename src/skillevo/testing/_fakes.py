"""The framework-free test doubles: an in-memory library, a selector without chance, a scripted miner."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence

from .._library import SkillLibrary
from .._mining import Miner, Proposal
from .._models import NULL_ARM, Event, Strategy, Trigger, VersionStatus
from .._selection import Selector
from .._store import SkillStore

__all__ = ["FixedSelector", "ScriptedMiner", "memory_library"]


def memory_library(
    skills: Mapping[str, tuple[Trigger, Strategy]] | None = None,
    *,
    status: VersionStatus = VersionStatus.ACTIVE,
) -> SkillLibrary:
    """An in-memory SQLite skill library holding `skills` (name -> (trigger, strategy)).

    Each skill gets one version with `status` (active by default, so an `Evolver` can choose it on
    the first call). Nothing is written to disk; close it (or use it in a ``with``) when done.
    """
    lib = SkillLibrary(":memory:")
    try:
        for name, (trigger, strategy) in (skills or {}).items():
            lib.add_skill(name, trigger, strategy, status=status)
    except BaseException:
        lib.close()
        raise
    return lib


class FixedSelector(Selector):
    """A selector without chance: applies the first live version at every call site, learns nothing.

    With ``apply=False`` it takes the "no skill" arm whenever it is offered (the Evolver offers only
    versions where doing nothing is no option, e.g. when repairing a failed call). Every reward it
    is given is kept in `updates` as ``(key, arm, reward)``, every announced change in `changes`;
    its posteriors stay at the prior (1, 1), so the lifecycle never promotes or retires anything on
    its numbers.
    """

    def __init__(self, *, apply: bool = True) -> None:
        self.apply = apply
        self.updates: list[tuple[str, str, float]] = []
        self.changes: list[tuple[str | None, str | None]] = []
        self._lock = threading.Lock()

    def choose(self, key: str, arms: Sequence[str]) -> str:
        """The first version among `arms` (or the null arm, with ``apply=False`` or when no version is there)."""
        versions = [a for a in arms if a != NULL_ARM]
        if self.apply and versions:
            return versions[0]
        return NULL_ARM if NULL_ARM in arms else arms[0]

    def update(self, key: str, arm: str, reward: float) -> None:
        """Record the reward; nothing is learned."""
        with self._lock:
            self.updates.append((key, arm, reward))

    def notify_change(self, key: str | None = None, arm: str | None = None) -> None:
        """Record the announced change."""
        with self._lock:
            self.changes.append((key, arm))

    def posterior(self, key: str, arm: str) -> tuple[float, float]:
        """Always the uniform prior."""
        return 1.0, 1.0

    def propensity(self, key: str, arms: Sequence[str], arm: str) -> float:
        """1 for the arm `choose` returns, else 0: the choice is deterministic."""
        return 1.0 if self.choose(key, arms) == arm else 0.0

    def prob_better(self, key: str, a: str, b: str) -> float:
        """One half: with the prior on every arm, neither is better."""
        return 0.5

    def attach(self, store: SkillStore) -> None:
        """Nothing to persist."""


class ScriptedMiner(Miner):
    """A miner that proposes what the test says: a fixed list, or ``script(events)``'s answer.

    The proposals are checked like any miner's before they become candidate versions. Every call's
    events are kept in `seen`.
    """

    name = "scripted"

    def __init__(self, script: Sequence[Proposal] | Callable[[Sequence[Event]], Sequence[Proposal]] = ()) -> None:
        self.script = script
        self.seen: list[list[Event]] = []
        self._lock = threading.Lock()

    def mine(self, events: Sequence[Event], store: SkillStore) -> list[Proposal]:
        """The scripted proposals for `events`."""
        with self._lock:
            self.seen.append(list(events))
        return list(self.script(events) if callable(self.script) else self.script)
