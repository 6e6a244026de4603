"""What the GRPO export reads from the store, once: episodes, their events, skills and versions."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ._models import NULL_ARM, Episode, Event, EventKind, Skill, SkillVersion
from ._store import SkillStore

__all__ = ["ADVANTAGE_EPS", "TRAJECTORY", "Snapshot", "finite", "to_json", "unique"]

#: The epsilon of the group-relative advantage.
ADVANTAGE_EPS = 1e-6
#: The events of an episode's trajectory.
TRAJECTORY = (EventKind.TOOL_CALL, EventKind.TOOL_RESULT, EventKind.TOOL_ERROR, EventKind.REPAIR)
_KEPT = (*TRAJECTORY, EventKind.GUIDANCE, EventKind.PROPOSAL)


@dataclass
class Snapshot:
    """Everything the export needs, read from the store once."""

    episodes: list[Episode]
    events: dict[str, list[Event]]
    by_id: dict[int, Event]
    proposals: dict[str, set[str]]
    skills: list[Skill]
    versions: dict[str, SkillVersion]
    null_means: dict[str, float] = field(default_factory=dict)
    #: The versions whose words wait for a person (`skillevo._probation.held_texts`): no training target.
    held_text: frozenset[str] = frozenset()

    @classmethod
    def read(cls, store: SkillStore) -> Snapshot:
        episodes = store.episodes()
        ids = {ep.id for ep in episodes}
        events: dict[str, list[Event]] = defaultdict(list)
        by_id: dict[int, Event] = {}
        proposals: dict[str, set[str]] = defaultdict(set)
        for ev in store.iter_events():
            if ev.episode_id is None or ev.episode_id not in ids or ev.kind not in _KEPT:
                continue
            if ev.kind is EventKind.PROPOSAL:
                if ev.version_id:
                    proposals[ev.episode_id].add(ev.version_id)
                continue
            events[ev.episode_id].append(ev)
            if ev.id is not None:
                by_id[ev.id] = ev
        skills = store.skills()
        versions = {v.id: v for s in skills for v in s.versions}
        null_means: dict[str, float] = {}
        for state in store.posteriors():
            if state.arm == NULL_ARM and state.observations > 0:
                null_means[state.key] = state.alpha / (state.alpha + state.beta)
        from ._probation import held_texts

        return cls(episodes, dict(events), by_id, dict(proposals), skills, versions, null_means,
                   held_texts(store, skills))

    def best_later_use(self) -> dict[str, float]:
        """Per version: the best reward of an episode that applied it after it was created."""
        best: dict[str, float] = {}
        for ep in self.episodes:
            if ep.reward is None:
                continue
            for arm in {a.arm for a in ep.applied if a.arm != NULL_ARM}:
                version = self.versions.get(arm)
                if version is not None and ep.started_at >= version.created_at:
                    best[arm] = max(best.get(arm, 0.0), ep.reward)
        return best

    def created_by(self) -> dict[str, set[str]]:
        """Per episode: the versions mined from it (its `PROPOSAL` events and the versions' origins)."""
        out: dict[str, set[str]] = defaultdict(set)
        for episode_id, vids in self.proposals.items():
            out[episode_id] |= vids
        for version in self.versions.values():
            for episode_id in version.origin.episodes:
                out[episode_id].add(version.id)
        return out


def unique(items: Iterable[str]) -> list[str]:
    """`items` without repeats, first occurrence first."""
    return list(dict.fromkeys(items))


def to_json(value: Any) -> str:
    """`value` as compact, sorted JSON (anything not JSON as its string)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def finite(x: float) -> float:
    """`x`, or 0 when it is not finite."""
    return x if math.isfinite(x) else 0.0
