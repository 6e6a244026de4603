"""A library's past states, rebuilt from its append-only event log (and train runs' posterior snapshots).

Statuses are replayed from the lifecycle and review events; posteriors come from the snapshot a
train run stored, else they are replayed from the credit log (without forgetting: marked approximate).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._errors import ConfigError, NotFoundError
from ._models import Event, EventKind, Origin, Strategy, Trigger, VersionStatus
from ._redaction import mask_url
from ._store import SkillStore
from ._train_state import RUNS_KEY, load_json

__all__ = [
    "SkillState",
    "Snapshot",
    "VersionState",
    "last_event_id_at",
    "lifecycle_events",
    "mark_change_events",
    "mark_change_key",
    "old_state",
    "snapshot_at",
    "snapshot_of",
    "status_changes",
]


@dataclass(frozen=True)
class VersionState:
    """One version as a snapshot sees it."""

    id: str
    skill: str
    number: int
    status: VersionStatus
    strategy: Strategy
    parent: str | None
    origin: Origin
    created_at: float
    alpha: float
    beta: float
    observations: float
    #: won its test under required review and no review has answered yet (stored by the library)
    pending_review: bool = False


@dataclass(frozen=True)
class SkillState:
    """One skill (without versions) as a snapshot sees it."""

    name: str
    description: str
    trigger: Trigger
    #: the most advanced status among its versions (`Skill.status`)
    status: VersionStatus = VersionStatus.CANDIDATE


@dataclass
class Snapshot:
    """A library state: skills and versions with statuses and posteriors.

    Attributes:
        label: how the report names this state.
        approximate: posteriors were replayed from the credit log, not recorded.
        upto_event_id: for a state rebuilt from a library's own log, the last event it includes.
        mark_changes: for another store's state (an older copy), the changes of the review mark
            its log already holds (`mark_change_key`), so the report lists only the later ones.
    """

    label: str
    skills: dict[str, SkillState] = field(default_factory=dict)
    versions: dict[str, VersionState] = field(default_factory=dict)
    approximate: bool = False
    upto_event_id: int | None = None
    mark_changes: frozenset[tuple[object, ...]] = frozenset()

    def by_skill(self) -> dict[str, list[VersionState]]:
        """Versions grouped by skill, in number order."""
        out: dict[str, list[VersionState]] = {}
        for v in self.versions.values():
            out.setdefault(v.skill, []).append(v)
        for vs in out.values():
            vs.sort(key=lambda v: v.number)
        return out


def snapshot_of(store: SkillStore, label: str | None = None) -> Snapshot:
    """The current state of `store`."""
    snap = Snapshot(label=mask_url(label or store.location))
    snap.mark_changes = frozenset(mark_change_key(e) for e in mark_change_events(store))
    for skill in store.skills():
        snap.skills[skill.name] = SkillState(skill.name, skill.description, skill.trigger, skill.status)
        for v in skill.versions:
            snap.versions[v.id] = VersionState(
                v.id, v.skill, v.number, v.status, v.strategy, v.parent, v.origin, v.created_at,
                v.alpha, v.beta, v.observations, v.pending_review,
            )
    return snap


def mark_change_events(store: SkillStore) -> list[Event]:
    """Every logged change of the library's review mark (`skillevo._review_mode`), in id order."""
    events = [
        e for e in store.events(kind=EventKind.REVIEW) if e.version_id is None and e.data.get("what") == "review_mode"
    ]
    events.sort(key=lambda e: e.id or 0)
    return events


def mark_change_key(event: Event) -> tuple[object, ...]:
    """What identifies a change of the mark across copies of a library (ids may differ)."""
    data = event.data
    return (event.ts, data.get("previous"), data.get("mode"), data.get("actor"), data.get("reason"))


def lifecycle_events(store: SkillStore) -> list[Event]:
    """Every lifecycle and review event about a version, in id order."""
    events = [e for kind in (EventKind.LIFECYCLE, EventKind.REVIEW) for e in store.events(kind=kind) if e.version_id]
    events.sort(key=lambda e: e.id or 0)
    return events


def status_changes(events: Iterable[Event]) -> list[Event]:
    """The status changes among `events` (pending-promotion notes are not changes)."""
    return [e for e in events if isinstance(e.data.get("to"), str) and not e.data.get("pending")]


def _status_events(store: SkillStore) -> list[Event]:
    return status_changes(lifecycle_events(store))


def last_event_id_at(store: SkillStore, ts: float) -> int:
    """The id of the last event written at or before `ts` (0 if none), reading ~3 log2(n) single
    events instead of the whole log.

    Event ids grow with their timestamps only while the wall clock does: a clock stepped ahead
    for a while, then corrected (a VM resumed, NTP catching up), leaves a run of events stamped
    later than the ones written after it. So the search gallops back from the newest event to the
    first one at or before `ts`, and only then bisects, between it and the last one found past
    `ts`: before 2026-12-07 it bisected from the oldest, and such a run ended it there, so `train`
    read nothing written after it until the clock reached its stamps (40 events stamped a year
    ahead: 100 settled events after them unread for that year; `tests/test_fault_clock_step.py`).
    """
    hi = 1
    while store.events(after_id=hi, limit=1):
        hi *= 2
    lo, step = 0, 1
    while hi > 0:
        probe = max(0, hi - step)
        found = store.events(after_id=probe, limit=1)
        if found and found[0].ts <= ts and (found[0].id or 0) <= hi:
            lo = found[0].id or probe + 1
            break
        if probe == 0:
            break
        hi, step = probe, step * 2
    while lo < hi:  # bisect (lo: at or before `ts`; past hi: none found)
        mid = (lo + hi + 1) // 2
        found = store.events(after_id=mid - 1, limit=1)
        if found and found[0].ts <= ts and (found[0].id or 0) <= hi:
            lo = found[0].id or mid
        else:
            hi = mid - 1
    return lo


def snapshot_at(
    store: SkillStore,
    *,
    upto_event_id: int,
    label: str,
    posteriors: dict[str, tuple[float, float, float]] | None = None,
    upto_ts: float | None = None,
    current: Snapshot | None = None,
    status_events: Sequence[Event] | None = None,
) -> Snapshot:
    """`store` as it was once event `upto_event_id` was written.

    Versions exist if their creation was logged by then; statuses are the last change logged by
    then. `posteriors` (version id -> alpha, beta, observations) come from a train run's snapshot;
    without them they are replayed from call credits and episode rewards up to `upto_ts`.
    """
    now = current or snapshot_of(store)
    events = list(status_events) if status_events is not None else _status_events(store)
    status: dict[str, VersionStatus] = {}
    created: dict[str, int] = {}
    for e in events:
        if (e.id or 0) > upto_event_id:
            break
        vid = e.version_id
        assert vid is not None
        if vid not in created:
            created[vid] = e.id or 0
        try:
            status[vid] = VersionStatus(str(e.data["to"]))
        except ValueError:
            continue
    logged = {e.version_id for e in events}
    snap = Snapshot(label=label, approximate=posteriors is None, upto_event_id=upto_event_id)
    replayed = _replay_posteriors(store, upto_event_id, upto_ts) if posteriors is None else {}
    for vid, v in now.versions.items():
        if vid in created or (vid not in logged and upto_ts is not None and v.created_at <= upto_ts):
            a, b, n = (posteriors or replayed).get(vid, (1.0, 1.0, 0.0))
            snap.versions[vid] = VersionState(
                v.id, v.skill, v.number, status.get(vid, v.status), v.strategy, v.parent, v.origin,
                v.created_at, a, b, n,
            )
            if v.skill in now.skills:
                snap.skills[v.skill] = now.skills[v.skill]
    return snap


def _replay_posteriors(
    store: SkillStore, upto_event_id: int, upto_ts: float | None
) -> dict[str, tuple[float, float, float]]:
    out: dict[str, list[float]] = {}

    def add(arm: str, r: float) -> None:
        s = out.setdefault(arm, [1.0, 1.0, 0.0])
        s[0] += r
        s[1] += 1.0 - r
        s[2] += 1.0

    for e in store.events(kind=EventKind.CREDIT):
        if (e.id or 0) > upto_event_id:
            break
        arm, r = e.data.get("arm"), e.data.get("reward")
        if isinstance(arm, str) and isinstance(r, int | float) and e.data.get("source") == "call":
            add(arm, float(r))
    for ep in store.episodes():
        if upto_ts is not None and ep.started_at > upto_ts:
            break
        if ep.reward is None or (upto_ts is not None and (ep.finished_at or ep.started_at) > upto_ts):
            continue
        for a in ep.applied:
            if a.kind == "guidance":
                add(a.arm, float(ep.reward))
    return {k: (v[0], v[1], v[2]) for k, v in out.items()}


def _run_index(store: SkillStore) -> list[dict[str, Any]]:
    runs = load_json(store.get_meta(RUNS_KEY))
    return [r for r in runs if isinstance(r, dict)] if isinstance(runs, list) else []


def _run_posteriors(store: SkillStore, run: dict[str, Any]) -> dict[str, tuple[float, float, float]] | None:
    event_id = run.get("snapshot_event")
    if not isinstance(event_id, int):
        return None
    found = store.events(after_id=event_id - 1, limit=1)
    if not found or found[0].id != event_id:
        return None
    rows = found[0].data.get("posteriors")
    if not isinstance(rows, list):
        return None
    out: dict[str, tuple[float, float, float]] = {}
    for row in rows:
        if isinstance(row, list) and len(row) == 4 and isinstance(row[0], str):
            out[row[0]] = (float(row[1]), float(row[2]), float(row[3]))  # type: ignore[arg-type]
    return out


def old_state(
    store: SkillStore,
    *,
    since: float | None = None,
    since_run: str | None = None,
    current: Snapshot | None = None,
    status_events: Sequence[Event] | None = None,
) -> Snapshot:
    """The state of `store` at a time or at the end of a train run, rebuilt from its log."""
    runs = _run_index(store)
    if since_run is not None:
        run = next((r for r in runs if r.get("run") == since_run), None)
        if run is None or not isinstance(run.get("end_event"), int):
            known = ", ".join(str(r.get("run")) for r in reversed(runs[-5:])) or "none yet"
            raise NotFoundError(f"no finished train run {since_run!r} in this library (latest first: {known})")
        when = float(run.get("finished_at") or 0.0)
        return snapshot_at(
            store,
            upto_event_id=int(run["end_event"]),
            upto_ts=when,
            label=f"after train run {since_run} ({dt.datetime.fromtimestamp(when, tz=dt.UTC):%Y-%m-%d %H:%M} UTC)",
            posteriors=_run_posteriors(store, run),
            current=current,
            status_events=status_events,
        )
    if since is None:
        raise ConfigError("old_state needs since= or since_run=")
    upto = last_event_id_at(store, since)
    # A train run that ended at or before `since` recorded every posterior: use the latest one.
    earlier = [r for r in runs if isinstance(r.get("end_event"), int) and int(r["end_event"]) <= upto]
    posteriors = _run_posteriors(store, earlier[-1]) if earlier and earlier[-1].get("end_event") == upto else None
    return snapshot_at(
        store,
        upto_event_id=upto,
        upto_ts=since,
        label=f"{dt.datetime.fromtimestamp(since, tz=dt.UTC):%Y-%m-%d %H:%M} UTC",
        posteriors=posteriors,
        current=current,
        status_events=status_events,
    )
