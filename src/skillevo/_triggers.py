"""The trigger index: which stored skills a call site can use, and the views derived from them.

Reads the store at most every `ttl_s` per (trigger kind, tool), each read vetted (a stored row is
not trusted input: `skillevo._stored_repair`), so `guidance` and `before_tool`
cost dictionary lookups on the per-call path; `invalidate` drops everything at once after a change
made in this process (a lifecycle decision, a mined version).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, NamedTuple

from ._models import Skill, TriggerKind
from ._regex import Pattern, any_of, found_in
from ._regex import usable as usable_pattern
from ._store import SkillStore

__all__ = ["MAX_CACHED", "ToolPlan", "TriggerIndex"]

#: The most entries each of the index's caches holds. The keys are tool names (and tool sets), which a
#: long-lived process may meet without end (a model inventing names, tools made per tenant); a full
#: cache drops what has expired, then its oldest half, and a dropped entry is read again when asked.
MAX_CACHED = 4096


class _MatchKey(NamedTuple):
    kind: TriggerKind
    tool: str | None


class _Matched(NamedTuple):
    skills: list[Skill]
    at: float


#: (view, arg): which derived view ("preemptive", "observation", "guidance") for what (a tool name,
#: a tuple of tool names). A plain tuple: it is built on every lookup, several times per tool call.
_DerivedKey = tuple[str, Any]


class _Derived(NamedTuple):
    at: float
    generation: int
    value: Any


#: What a successful result of a tool is checked against (`TriggerIndex.observation`).
_Observation = tuple[list[tuple[Skill, Pattern | None]], Pattern | None, list[Skill]]


class ToolPlan(NamedTuple):
    """What a call of one tool can meet, read in one look-up (`TriggerIndex.plan`): a call of a tool
    with nothing to do reads two empty lists and None."""

    at: float
    generation: int
    #: `TriggerIndex.preemptive`
    preemptive: list[tuple[TriggerKind, Skill]]
    #: `TriggerIndex.observation`'s observers, their patterns in one program, and the observers
    #: without a pattern (each with None for its pattern: the only ones a result the program rejects
    #: can still fire)
    observers: list[tuple[Skill, Pattern | None]]
    gate: Pattern | None
    without_pattern: list[tuple[Skill, Pattern | None]]
    #: ``found(gate, text)`` bound to the gate (None without a gate)
    gate_found: Callable[[str], bool] | None


class TriggerIndex:
    """Trigger matches read from `store`, cached for `ttl_s` seconds (thread-safe)."""

    def __init__(
        self, store: SkillStore, ttl_s: float, vet: Callable[[list[Skill]], list[Skill]] | None = None
    ) -> None:
        """`vet`: applied to each store read before anything sees it (the Evolver's leaves out the
        versions whose stored repair fails the proposal checks: `skillevo._stored_repair`)."""
        self.store = store
        self.ttl_s = float(ttl_s)
        self._vet = vet
        self._lock = threading.Lock()
        self._matches: dict[_MatchKey, _Matched] = {}
        self._derived_views: dict[_DerivedKey, _Derived] = {}
        self._plans: dict[str, ToolPlan] = {}
        self._generation = 0

    def invalidate(self) -> None:
        """Forget every cached match and derived view."""
        with self._lock:
            self._matches.clear()
            self._derived_views.clear()
            self._plans.clear()
            self._generation += 1

    def match(self, kind: TriggerKind, tool: str | None) -> list[Skill]:
        """The skills whose trigger is of `kind` on `tool` (a cached store `match`)."""
        now = time.monotonic()
        key = _MatchKey(kind, tool)
        with self._lock:
            hit = self._matches.get(key)
            if hit is not None and now - hit.at < self.ttl_s:
                return hit.skills
            generation = self._generation
        skills = self.store.match(kind, tool)
        if self._vet is not None:
            skills = self._vet(skills)
        with self._lock:
            # Read before an `invalidate` that ran meanwhile (another thread's rejection, say): not
            # kept, else it would outlive the invalidation by a whole `ttl_s`, and every view built
            # from it after the invalidation would carry the new generation.
            if generation == self._generation:
                if len(self._matches) >= MAX_CACHED:
                    self._evict(self._matches, lambda hit: now - hit.at >= self.ttl_s)
                self._matches[key] = _Matched(skills, now)
        return skills

    def current(self, kind: TriggerKind, tool: str, name: str) -> tuple[Skill | None, float]:
        """Skill `name` as `match` (`kind` on `tool`) returns it now (None: it has no live version
        there any more), and when that lookup was read (-inf: another thread replaced it meanwhile;
        see `unchanged`)."""
        skills = self.match(kind, tool)
        hit = self._matches.get(_MatchKey(kind, tool))
        at = hit.at if hit is not None and hit.skills is skills else float("-inf")
        return next((skill for skill in skills if skill.name == name), None), at

    def _fresh(self, view: str, arg: Any) -> Any:
        """The cached derived value `view` for `arg` while it is fresh, else None (the per-call fast path)."""
        # A dict read is atomic: no lock needed; `invalidate` bumps the generation after clearing.
        hit = self._derived_views.get((view, arg))
        if hit is not None and hit.generation == self._generation and time.monotonic() - hit.at < self.ttl_s:
            return hit.value
        return None

    def _derived(self, view: str, arg: Any, build: Callable[[], Any]) -> Any:
        """A value computed from trigger matches, cached as long as the matches are."""
        now = time.monotonic()
        hit = self._fresh(view, arg)
        if hit is not None:
            return hit
        generation = self._generation
        value = build()
        with self._lock:
            views = self._derived_views
            if len(views) >= MAX_CACHED:
                self._evict(views, lambda hit: hit.generation != self._generation or now - hit.at >= self.ttl_s)
            views[(view, arg)] = _Derived(now, generation, value)
        return value

    def preemptive(self, tool: str) -> list[tuple[TriggerKind, Skill]]:
        """Skills on `tool` with a live repair version that has a precondition (pre-emptive candidates)."""
        hit: list[tuple[TriggerKind, Skill]] | None = self._fresh("preemptive", tool)
        if hit is not None:
            return hit

        def build() -> list[tuple[TriggerKind, Skill]]:
            return [
                (kind, skill)
                for kind in (TriggerKind.BEFORE_TOOL, TriggerKind.TOOL_ERROR)
                for skill in self.match(kind, tool)
                if any(
                    v.strategy.repair is not None and v.strategy.repair.precondition is not None for v in skill.versions
                )
            ]

        result: list[tuple[TriggerKind, Skill]] = self._derived("preemptive", tool, build)
        return result

    def observers(self, tool: str) -> list[tuple[Skill, Pattern | None]]:
        """Skills with an observation trigger on `tool`, each with its result pattern compiled (RE2)."""
        hit: list[tuple[Skill, Pattern | None]] | None = self._fresh("observation", tool)
        if hit is not None:
            return hit

        def build() -> list[tuple[Skill, Pattern | None]]:
            return [
                (skill, None if skill.trigger.pattern is None else usable_pattern(skill.trigger.pattern, True))
                for skill in self.match(TriggerKind.OBSERVATION, tool)
            ]

        result: list[tuple[Skill, Pattern | None]] = self._derived("observation", tool, build)
        return result

    def observer_gate(self, tool: str) -> Pattern | None:
        """All the result patterns of `tool`'s observers in one program (None: search them one by one)."""
        return self.observation(tool)[1]

    def observation(self, tool: str) -> _Observation:
        """What a successful result of `tool` is checked against, in one look-up (every result asks):
        its observers (`observers`), their patterns in one program (`observer_gate`), and the
        observers without a pattern (the only ones a result that program rejects can still fire)."""
        hit: _Observation | None = self._fresh("observation-gate", tool)
        if hit is not None:
            return hit

        def build() -> _Observation:
            observers = self.observers(tool)
            patterns = [s.trigger.pattern for s, p in observers if p is not None and s.trigger.pattern]
            without = [s for s, _ in observers if s.trigger.pattern is None]
            return observers, (any_of(tuple(patterns), True) if patterns else None), without

        view: _Observation = self._derived("observation-gate", tool, build)
        return view

    def plan(self, tool: str) -> ToolPlan:
        """`preemptive` and `observation` of `tool` in one look-up (each tool call asks twice), cached
        as they are."""
        # A dict read is atomic: no lock needed; `invalidate` bumps the generation after clearing.
        hit = self._plans.get(tool)
        if hit is not None and hit.generation == self._generation and time.monotonic() - hit.at < self.ttl_s:
            return hit
        generation = self._generation
        preemptive = self.preemptive(tool)
        observers, gate, without = self.observation(tool)
        # As old as the oldest view it holds: it expires with them.
        views = (self._derived_views.get(("preemptive", tool)), self._derived_views.get(("observation-gate", tool)))
        at = min([time.monotonic()] + [v.at for v in views if v is not None])
        finder = None if gate is None else found_in(gate)
        plan = ToolPlan(at, generation, preemptive, observers, gate, [(s, None) for s in without], finder)
        with self._lock:
            plans = self._plans
            if len(plans) >= MAX_CACHED:
                now = time.monotonic()
                self._evict(plans, lambda hit: hit.generation != self._generation or now - hit.at >= self.ttl_s)
            plans[tool] = plan
        return plan

    @staticmethod
    def _evict(cache: dict[Any, Any], stale: Callable[[Any], bool]) -> None:
        """Make room in a full cache (the lock held): drop its stale entries, else its oldest half."""
        for key in [k for k, hit in cache.items() if stale(hit)]:
            del cache[key]
        if len(cache) >= MAX_CACHED:
            for key in list(cache)[: len(cache) // 2]:
                del cache[key]

    def guidance_candidates(self, tools: tuple[str, ...]) -> tuple[list[Skill], list[Skill]]:
        """(skills for every call, task-start skills) that carry guidance, for this tool set."""
        hit: tuple[list[Skill], list[Skill]] | None = self._fresh("guidance", tools)
        if hit is not None:
            return hit

        def build() -> tuple[list[Skill], list[Skill]]:
            every: dict[str, Skill] = {}
            for skill in self.match(TriggerKind.ALWAYS, None):
                every.setdefault(skill.name, skill)
            for tool in tools:
                for kind in (TriggerKind.BEFORE_TOOL, TriggerKind.TOOL_ERROR):
                    for skill in self.match(kind, tool):
                        every.setdefault(skill.name, skill)
            start = list(self.match(TriggerKind.TASK_START, None))

            def has(sk: Skill) -> bool:
                return any(v.strategy.guidance for v in sk.versions)

            return [sk for sk in every.values() if has(sk)], [sk for sk in start if has(sk)]

        result: tuple[list[Skill], list[Skill]] = self._derived("guidance", tools, build)
        return result

    def guidance_lease(self, tools: tuple[str, ...]) -> tuple[tuple[list[Skill], list[Skill]], int, float]:
        """`guidance_candidates`, with what `unchanged` needs to tell whether a lookup would still
        return that same value: its generation and when it was read (-inf: another thread
        replaced it meanwhile)."""
        value = self.guidance_candidates(tools)
        hit = self._derived_views.get(("guidance", tools))
        if hit is None or hit.value is not value:
            return value, -1, float("-inf")
        return value, hit.generation, hit.at

    def unchanged(self, generation: int, at: float) -> bool:
        """Whether a view of `generation` read at `at` is what a lookup returns now (as `_fresh`)."""
        return generation == self._generation and time.monotonic() - at < self.ttl_s
