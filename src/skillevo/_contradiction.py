"""Constants that the agent's own later corrections contradict.

A `set` of an argument the caller left out is mined only when corrections of two episodes added
it with one value; two tasks may agree by chance (a free-text reason, a category). Applied, such a
constant makes its calls succeed and its episodes fail. A correction of a later episode that adds
the argument with another value is a call the constant would have got wrong: it is charged to every
live version writing that constant (a call-level 0, logged as a ``contradicted`` credit), and a
version contradicted in `RETRACT_EPISODES` episodes is retired (rejected while under test): the
stored corrections show the value varies by task.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ._mining import correction_pairs
from ._models import Event, EventKind, SetArg, SkillVersion, TriggerKind, VersionStatus
from ._repair import same_args
from ._repair_plan import adds_constant

if TYPE_CHECKING:
    from ._evolver import Evolver

__all__ = ["RETRACT_EPISODES", "adds_constant", "charge_contradicted"]

#: Episodes whose corrections contradict a constant before it is retired.
RETRACT_EPISODES = 2
_LIVE = (VersionStatus.CANDIDATE, VersionStatus.TESTING, VersionStatus.ACTIVE)


def _contradicts(version: SkillVersion, bad: dict[str, Any], good: dict[str, Any]) -> bool:
    repair = version.strategy.repair
    return repair is not None and any(
        isinstance(op, SetArg) and op.arg not in bad and op.arg in good and not same_args(good[op.arg], op.value)
        for op in repair.ops
    )


def _contradicted(evo: Evolver, events: Sequence[Event]) -> Iterable[tuple[str, SkillVersion]]:
    for bad, good in correction_pairs(events):
        args, fixed = bad.data.get("args"), good.data.get("args")
        if not bad.tool or not isinstance(args, dict) or not isinstance(fixed, dict) or fixed.keys() <= args.keys():
            continue
        for kind, skill in evo.triggers.preemptive(bad.tool):
            if kind is not TriggerKind.TOOL_ERROR:
                continue
            for version in skill.versions:
                if version.status in _LIVE and _contradicts(version, args, fixed):
                    yield skill.name, version


def charge_contradicted(evo: Evolver, episode_id: str, events: Sequence[Event]) -> list[Event]:
    """Charge (and, when contradicted often enough, retire) the constants this episode's corrections
    contradict; returns the credit events to log."""
    log: list[Event] = []
    seen: set[str] = set()
    for key, version in _contradicted(evo, events):
        if version.id in seen:
            continue
        seen.add(version.id)
        evo.ledger.credit(key, version.id, 0.0)
        log.append(Event(kind=EventKind.CREDIT, episode_id=episode_id, version_id=version.id,
                         data={"key": key, "arm": version.id, "reward": 0.0, "source": "contradicted"}))
        earlier = {
            e.episode_id
            for e in evo.store.events(kind=EventKind.CREDIT, version_id=version.id)
            if e.data.get("source") == "contradicted" and e.episode_id != episode_id
        }
        if len(earlier) + 1 >= RETRACT_EPISODES:
            evo.lifecycle.retract(version.id, f"contradicted by the corrections of {len(earlier) + 1} episodes: "
                                              "the argument's value varies by task")
        else:
            evo.ledger.evaluate({key})
    return log
