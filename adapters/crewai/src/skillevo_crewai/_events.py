"""skillevo's events on CrewAI's event bus: what it selected, repaired, guided and was rewarded.

Listen with ``crewai_event_bus.on(SkillRepairEvent)`` (or any ``BaseEventListener``) like any
CrewAI event; CrewAI's own event tracing sees them as it sees the framework's. Arguments in repair
events are redacted by skillevo before they are emitted.
"""

from __future__ import annotations

import logging
from typing import Any

from crewai.events import crewai_event_bus
from crewai.events.base_events import BaseEvent
from pydantic import Field

from skillevo import Event, EventKind
from skillevo.adapters import EpisodeContext

__all__ = [
    "SkillGuidanceEvent",
    "SkillRepairEvent",
    "SkillRewardEvent",
    "SkillSelectionEvent",
    "SkillevoEvent",
    "listen",
    "reward_event",
]

log = logging.getLogger("skillevo_crewai")


class SkillevoEvent(BaseEvent):
    """A skillevo event of one episode (one kickoff)."""

    type: str = "skillevo"
    episode_id: str
    #: the kickoff's id (the ``event_id`` of its ``CrewKickoffStartedEvent`` / agent execution event), when known
    run_id: str | None = None


class SkillSelectionEvent(SkillevoEvent):
    """A version (or the "no skill" arm, ``version=None``) chosen at a skill's call site."""

    type: str = "skillevo.selection"
    skill: str | None = None
    version: str | None = None
    arm: str | None = None
    propensity: float | None = None
    strategy: str | None = None
    candidate: bool = False


class SkillRepairEvent(SkillevoEvent):
    """A tool call's arguments changed by a learned repair (``applied``), or a repair that could not apply."""

    type: str = "skillevo.repair"
    skill: str | None = None
    version: str | None = None
    tool: str | None = None
    when: str | None = None
    applied: bool = False
    changed: list[str] = Field(default_factory=list)
    before: Any = None
    after: Any = None


class SkillGuidanceEvent(SkillevoEvent):
    """A guidance version added to an agent's system message."""

    type: str = "skillevo.guidance"
    skill: str | None = None
    version: str | None = None


class SkillRewardEvent(SkillevoEvent):
    """The kickoff's reward (None when unknown; ``error`` says why when the reward function failed)."""

    type: str = "skillevo.reward"
    reward: float | None = None
    error: str | None = None


def _changed(before: Any, after: Any) -> list[str]:
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    return sorted(k for k in before.keys() | after.keys() if before.get(k, ...) != after.get(k, ...))


def _event(ep: EpisodeContext, event: Event) -> SkillevoEvent:
    data = event.data
    run_id = ep.episode.metadata.get("run_id")
    common: dict[str, Any] = {"episode_id": ep.id, "run_id": run_id if isinstance(run_id, str) else None}
    if event.kind is EventKind.SELECTION:
        return SkillSelectionEvent(
            **common,
            skill=data.get("key"),
            version=event.version_id,
            arm=data.get("arm"),
            propensity=data.get("propensity"),
            strategy=data.get("strategy"),
            candidate=bool(data.get("candidate")),
        )
    if event.kind is EventKind.GUIDANCE:
        return SkillGuidanceEvent(**common, skill=data.get("skill"), version=event.version_id)
    before, after = data.get("before"), data.get("after")
    return SkillRepairEvent(
        **common,
        skill=data.get("skill"),
        version=event.version_id,
        tool=event.tool,
        when=data.get("when"),
        applied=bool(data.get("applied")),
        changed=_changed(before, after),
        before=before,
        after=after,
    )


def listen(ep: EpisodeContext, source: Any) -> None:
    """Emit the episode's selections, repairs and guidance on CrewAI's event bus as they happen."""

    def tell(event: Event) -> None:
        crewai_event_bus.emit(source, _event(ep, event))

    ep.listener = tell


def reward_event(ep: EpisodeContext, source: Any, reward: float | None, error: str | None) -> None:
    """Emit the episode's reward."""
    run_id = ep.episode.metadata.get("run_id")
    try:
        crewai_event_bus.emit(
            source,
            SkillRewardEvent(
                episode_id=ep.id, run_id=run_id if isinstance(run_id, str) else None, reward=reward, error=error
            ),
        )
    except Exception:  # an observer: never the reason a kickoff fails
        log.exception("skillevo: emitting the reward event failed")
