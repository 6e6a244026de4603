"""What changed in a skill library: added, revised, promoted, rejected, retired and pruned skills.

`library_diff` compares two states of a library:

* two database snapshots (yesterday's backup and today's file, or any two stores);
* the library now against itself at an earlier point, rebuilt from its append-only event log:
  at a time (``since=``) or at the end of a ``skillevo train`` run (``since_run=``). Statuses are
  replayed from the lifecycle and review events; posteriors come from the snapshot the train run
  stored, else they are replayed from the credit log (without forgetting: marked approximate).

The result renders as Markdown (`render_markdown`) or one self-contained HTML page
(`skillevo._report_html.render_html`). Text that came from tools (the failures that created a
skill) is redacted and quoted again on the way out, whatever was stored.
"""

from __future__ import annotations

import difflib
import html
import json
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._errors import ConfigError, NotFoundError
from ._guidance_facts import observed_values
from ._hygiene import quote_untrusted, redact
from ._instance_data import mask_data
from ._models import Event, EventKind, Origin, Strategy, Trigger, TriggerKind, VersionStatus
from ._redaction import mask_url
from ._shadow import held_back, shadow_evidence
from ._shape import shape
from ._store import SkillStore

__all__ = [
    "SECTIONS",
    "DiffEntry",
    "Evidence",
    "LibraryDiff",
    "ReportSection",
    "Snapshot",
    "describe_trigger",
    "library_diff",
    "render_markdown",
    "snapshot_at",
    "snapshot_of",
]

#: Diff sections in report order, each with the one sentence that explains it to a reviewer.
SECTIONS: tuple[tuple[str, str, str], ...] = (
    (
        "pending",
        "Awaiting your review",
        "Versions no person has approved yet: those that won their test against the version in use (or "
        "against doing nothing), and those review holds back (they run in shadow: what they would have "
        "done is logged and scored against what really happened, shown as shadow evidence). Approve or "
        "reject each with `skillevo review approve|reject ID --reason ...`.",
    ),
    (
        "added",
        "Added skills",
        "Skills that did not exist before, usually mined from the failures listed as their evidence; "
        "a new skill is only tried on a share of calls until it proves better than doing nothing.",
    ),
    (
        "revised",
        "Revised skills",
        "New versions of existing skills; the diff shows how the guidance text or argument repair "
        "changed from the version it was derived from.",
    ),
    (
        "promoted",
        "Promoted",
        "Versions that won their comparison (or were approved by a reviewer) and are now applied by "
        "default; the version they replaced was retired.",
    ),
    (
        "rejected",
        "Rejected",
        "Versions that lost their comparison, ran out of test budget, or were rejected by a reviewer; "
        "they are kept for audit and are never applied.",
    ),
    (
        "retired",
        "Retired",
        "Versions taken out of use because a newer version replaced them or because they stopped "
        "beating doing nothing; they are kept for audit.",
    ),
    (
        "pruned",
        "Pruned",
        "Active versions the nightly job retired because their skill stopped firing for a long time; "
        "nothing is deleted and a pruned skill can be re-mined.",
    ),
)

_SECTION_KEYS = tuple(s[0] for s in SECTIONS)


# --------------------------------------------------------------------------- snapshots


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


@dataclass(frozen=True)
class SkillState:
    """One skill (without versions) as a snapshot sees it."""

    name: str
    description: str
    trigger: Trigger


@dataclass
class Snapshot:
    """A library state: skills and versions with statuses and posteriors.

    Attributes:
        label: how the report names this state.
        approximate: posteriors were replayed from the credit log, not recorded.
        upto_event_id: for a state rebuilt from a library's own log, the last event it includes.
    """

    label: str
    skills: dict[str, SkillState] = field(default_factory=dict)
    versions: dict[str, VersionState] = field(default_factory=dict)
    approximate: bool = False
    upto_event_id: int | None = None

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
    for skill in store.skills():
        snap.skills[skill.name] = SkillState(skill.name, skill.description, skill.trigger)
        for v in skill.versions:
            snap.versions[v.id] = VersionState(
                v.id, v.skill, v.number, v.status, v.strategy, v.parent, v.origin, v.created_at,
                v.alpha, v.beta, v.observations,
            )
    return snap


def _lifecycle_events(store: SkillStore) -> list[Event]:
    """Every lifecycle and review event about a version, in id order."""
    events = [e for kind in (EventKind.LIFECYCLE, EventKind.REVIEW) for e in store.events(kind=kind) if e.version_id]
    events.sort(key=lambda e: e.id or 0)
    return events


def _status_changes(events: Iterable[Event]) -> list[Event]:
    """The status changes among `events` (pending-promotion notes are not changes)."""
    return [e for e in events if isinstance(e.data.get("to"), str) and not e.data.get("pending")]


def _status_events(store: SkillStore) -> list[Event]:
    return _status_changes(_lifecycle_events(store))


def last_event_id_at(store: SkillStore, ts: float) -> int:
    """The id of the last event written at or before `ts` (0 if none), by binary search on ids.

    Event ids grow with their timestamps (writes commit one at a time), so this reads ~2 log2(n)
    single events instead of the whole log.
    """
    hi = 1
    while store.events(after_id=hi, limit=1):
        hi *= 2
    lo = 0
    while lo < hi:
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


# --------------------------------------------------------------------------- diff model


@dataclass(frozen=True)
class Evidence:
    """One stored event behind a version (a failure, usually), redacted and quoted for display."""

    event_id: int
    kind: str
    tool: str
    error_type: str
    message: str
    args: str


@dataclass
class DiffEntry:
    """One line of a diff section: a version, what happened to it, and why."""

    section: str
    skill: str
    version_id: str
    kind: str
    description: str
    trigger: str
    status_before: str | None
    status_after: str
    reason: str = ""
    actor: str = ""
    when: float | None = None
    before: tuple[float, float] | None = None
    after: tuple[float, float] = (1.0, 1.0)
    observations: float = 0.0
    strategy: Strategy | None = None
    base_version: str | None = None
    diff: str = ""
    evidence: list[Evidence] = field(default_factory=list)
    evidence_ids: list[int] = field(default_factory=list)
    evidence_total: int = 0
    shadow: str = ""
    miner: str = ""
    compact: bool = False
    # filled by `_intervals`: (mean, low, high) of the 95% credible interval
    before_ci: tuple[float, float, float] | None = None
    after_ci: tuple[float, float, float] = (0.5, 0.025, 0.975)


@dataclass(frozen=True)
class ReportSection:
    """An extra table a report carries (the train job adds its stages and estimates)."""

    title: str
    explanation: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass
class LibraryDiff:
    """Everything a reviewer needs about the changes between two library states."""

    old_label: str
    new_label: str
    generated_at: float
    sections: dict[str, list[DiffEntry]]
    totals: dict[str, int]
    skills_total: int
    approximate_before: bool = False
    extra: list[ReportSection] = field(default_factory=list)
    title: str = "Skill library changes"

    def counts(self) -> dict[str, int]:
        """Entries per section."""
        return {k: len(v) for k, v in self.sections.items()}

    @property
    def empty(self) -> bool:
        """Whether nothing changed."""
        return not any(self.sections.values())

    def to_markdown(self) -> str:
        """The report as Markdown."""
        return render_markdown(self)

    def to_html(self) -> str:
        """The report as one self-contained HTML page."""
        from ._report_html import render_html

        return render_html(self)


def describe_trigger(trigger: Trigger) -> str:
    """The trigger in plain words."""
    tool = "any tool" if trigger.tool == "*" else f"tool {trigger.tool}"
    kind = trigger.kind
    if kind is TriggerKind.ALWAYS:
        text = "on every model call"
    elif kind is TriggerKind.TASK_START:
        text = "at the start of each task"
    elif kind is TriggerKind.BEFORE_TOOL:
        text = f"before each call of {tool}"
    elif kind is TriggerKind.OBSERVATION:
        text = f"when {tool} returns"
    else:
        text = f"when a call of {tool} fails"
    if trigger.error_type:
        text += f" with error {trigger.error_type}"
    if trigger.pattern:
        text += f" and the {'result' if kind is TriggerKind.OBSERVATION else 'message'} matches /{trigger.pattern}/"
    if trigger.task_pattern:
        text += f", for tasks matching /{trigger.task_pattern}/"
    return text


def _strategy_lines(strategy: Strategy) -> list[str]:
    lines: list[str] = []
    if strategy.guidance:
        lines.append("guidance:")
        lines.extend("  " + line for line in strategy.guidance.splitlines())
    if strategy.repair:
        lines.append("repair:")
        text = json.dumps(strategy.repair.model_dump(mode="json", exclude_none=True), indent=2, sort_keys=True)
        lines.extend("  " + line for line in text.splitlines())
    if strategy.code:
        lines.append("code:")
        lines.extend("  " + line for line in strategy.code.splitlines())
    return lines


def strategy_diff(old: Strategy | None, new: Strategy, old_name: str, new_name: str) -> str:
    """A unified diff of two strategies' guidance, repair JSON and code."""
    return "\n".join(
        difflib.unified_diff(
            _strategy_lines(old) if old else [], _strategy_lines(new), old_name, new_name, lineterm="", n=3
        )
    )


def origin_text(miner: str) -> str:
    """Who proposed a version, in words."""
    return "added by hand or imported" if miner == "manual" else f"the {miner} miner"


def load_events(store: SkillStore, ids: Iterable[int], gap: int = 64) -> dict[int, Event]:
    """The events with these ids, read in a few range queries (ids close together share one)."""
    wanted = sorted(set(ids))
    out: dict[int, Event] = {}
    i = 0
    while i < len(wanted):
        j = i
        while j + 1 < len(wanted) and wanted[j + 1] - wanted[j] <= gap:
            j += 1
        first, last = wanted[i], wanted[j]
        for e in store.events(after_id=first - 1, limit=last - first + 1):
            if e.id is not None and e.id > last:
                break
            out[e.id or 0] = e
        i = j + 1
    return out


def _values(args: Any) -> list[Any]:
    return observed_values(args) if isinstance(args, dict) else []


def _shapes(args: Any) -> Any:
    """Arguments as their shapes (``{"order_id": "`#W` + 7 digits"}``), names kept."""
    if isinstance(args, dict):
        return {k: _shapes(v) if isinstance(v, dict) else shape(v) for k, v in args.items()}
    return shape(args)


def _evidence(ids: Sequence[int], events: dict[int, Event]) -> list[Evidence]:
    out = []
    for event_id in ids:
        e = events.get(event_id)
        if e is None:
            out.append(Evidence(event_id, "missing", "", "", "(this event is no longer in the log)", ""))
            continue
        # Stored text was redacted on the way in; redact and quote again so nothing a tool said is
        # shown raw (older rows, or a redaction rule added since).
        args = e.data.get("args")
        message = e.data.get("error") or e.data.get("result") or ""
        out.append(
            Evidence(
                event_id=event_id,
                kind=e.kind.value,
                tool=e.tool or "",
                error_type=str(e.data.get("error_type", "")),
                # quote_untrusted redacts text itself. A report is an export: the message keeps its
                # class, not the customer (`mask_data`), and arguments are shown by shape.
                message=quote_untrusted(mask_data(str(message), _values(args)), 240) if message != "" else "",
                args=quote_untrusted(json.dumps(_shapes(redact(args)), sort_keys=True, default=str), 240)
                if args is not None
                else "",
            )
        )
    return out


def _ppf(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The 2.5% and 97.5% quantiles of Beta(a, b) (``scipy.stats.beta.ppf``, via ``scipy.special``,
    which imports in a fraction of the time)."""
    from scipy import special  # on first use: `import skillevo` should not pay for scipy

    lo: np.ndarray = special.betaincinv(a, b, 0.025)
    hi: np.ndarray = special.betaincinv(a, b, 0.975)
    return lo, hi


def _intervals(entries: Iterable[DiffEntry]) -> None:
    """Posterior means and 95% credible intervals, vectorised over every entry (10,000s stay fast)."""
    items = list(entries)
    if not items:
        return
    a = np.array([e.after[0] for e in items])
    b = np.array([e.after[1] for e in items])
    lo, hi = _ppf(a, b)
    for i, e in enumerate(items):
        e.after_ci = (float(a[i] / (a[i] + b[i])), float(lo[i]), float(hi[i]))
    with_before = [e for e in items if e.before is not None]
    if with_before:
        a = np.array([e.before[0] for e in with_before if e.before])
        b = np.array([e.before[1] for e in with_before if e.before])
        lo, hi = _ppf(a, b)
        for i, e in enumerate(with_before):
            e.before_ci = (float(a[i] / (a[i] + b[i])), float(lo[i]), float(hi[i]))


def _run_index(store: SkillStore) -> list[dict[str, Any]]:
    raw = store.get_meta("train.runs")
    if not raw:
        return []
    try:
        runs = json.loads(raw)
    except ValueError:
        return []
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
    import datetime as dt

    runs = _run_index(store)
    if since_run is not None:
        run = next((r for r in runs if r.get("run") == since_run), None)
        if run is None or not isinstance(run.get("end_event"), int):
            known = ", ".join(str(r.get("run")) for r in runs[-5:]) or "none yet"
            raise NotFoundError(f"no finished train run {since_run!r} in this library (latest: {known})")
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


def library_diff(
    old: SkillStore | Snapshot | None,
    new: SkillStore,
    *,
    since: float | None = None,
    since_run: str | None = None,
    evidence_per_version: int = 3,
    new_label: str | None = None,
) -> LibraryDiff:
    """The changes from `old` to `new`.

    Args:
        old: another store (a database snapshot), a `Snapshot`, or ``None`` to compare `new` with
            itself at `since` (a UNIX time) or at the end of train run `since_run`; with neither,
            against an empty library.
        new: the library now; its event log supplies reasons and evidence.
        evidence_per_version: failures shown per version (the total is given too). Past the first
            `FULL_LIMIT` entries of a section, versions are listed compactly, without evidence.
        new_label: how the report names `new` (its location by default).
    """
    if old is not None and (since is not None or since_run is not None):
        raise ConfigError("compare with an older database or with since/since_run, not both")
    current = snapshot_of(new, mask_url(new_label or new.location))
    log = _lifecycle_events(new)
    status_events = _status_changes(log)
    if isinstance(old, Snapshot):
        before = old
    elif old is not None:
        before = snapshot_of(old)
    elif since is not None or since_run is not None:
        before = old_state(new, since=since, since_run=since_run, current=current, status_events=status_events)
    else:
        before = Snapshot(label="an empty library")
    # Rebuilt from the same log: only changes after the old point explain this diff.
    after_id = before.upto_event_id or 0
    last_change: dict[str, Event] = {}
    for ev in status_events:
        if (ev.id or 0) > after_id and ev.version_id:
            last_change[ev.version_id] = ev
    builder = _Builder(new, before, last_change, evidence_per_version)
    pending = _pending_versions(log, current)
    held = held_back(
        new,
        [vid for vid, v in current.versions.items() if v.status is VersionStatus.TESTING and vid not in pending],
        [vid for vid, v in current.versions.items() if v.status is VersionStatus.ACTIVE],
    )
    sections: dict[str, list[DiffEntry]] = {k: [] for k in _SECTION_KEYS}
    by_skill = current.by_skill()
    for name, versions in by_skill.items():
        skill = current.skills[name]
        trig = describe_trigger(skill.trigger)
        numbers = {v.number: v for v in versions}
        known = name in before.skills
        if not known:
            shown = next((v for v in reversed(versions) if v.status is VersionStatus.ACTIVE), versions[-1])
            sections["added"].append(builder.entry("added", skill, trig, shown))
        for v in versions:
            old_v = before.versions.get(v.id)
            if old_v is None and known:
                base = numbers.get(_number(v.parent)) if v.parent else None
                base = base or numbers.get(v.number - 1)
                d = builder.entry("revised", skill, trig, v)
                d.base_version = base.id if base else None
                d.diff = strategy_diff(
                    base.strategy if base else None, v.strategy, base.id if base else "/dev/null", v.id
                )
                sections["revised"].append(d)
            if v.id in pending:
                p = pending[v.id]
                d = builder.entry("pending", skill, trig, v)
                d.reason, d.when, d.actor = str(p.data.get("reason", "")), p.ts, str(p.data.get("actor", ""))
                prob = p.data.get("p")
                if isinstance(prob, int | float):
                    d.reason += f" (P(better than {p.data.get('against', 'the incumbent')}) = {float(prob):.3f})"
                sections["pending"].append(d)
            elif v.id in held:
                d = builder.entry("pending", skill, trig, v)
                d.reason = held[v.id]
                sections["pending"].append(d)
            old_status = old_v.status if old_v else None
            if old_status is v.status:
                continue
            change = last_change.get(v.id)
            if old_v is None and (change is None or change.data.get("from") is None):
                continue  # created in this status: listed as added or revised, not as a transition
            if v.status is VersionStatus.ACTIVE:
                sections["promoted"].append(builder.entry("promoted", skill, trig, v))
            elif v.status is VersionStatus.REJECTED:
                sections["rejected"].append(builder.entry("rejected", skill, trig, v))
            elif v.status is VersionStatus.RETIRED:
                section = "pruned" if change is not None and change.data.get("pruned") else "retired"
                sections[section].append(builder.entry(section, skill, trig, v))
    for entries in sections.values():
        entries.sort(key=lambda d: (d.skill, d.version_id))
    for entries in sections.values():
        # Thousands of cards help no reviewer: past the first FULL_LIMIT a section lists its
        # versions as table rows (id, status, posteriors, why), without strategy or evidence.
        for d in entries[FULL_LIMIT:]:
            d.compact = True
            d.evidence_ids.clear()
    for d in sections["pending"]:
        if not d.compact:
            d.shadow = shadow_evidence(new, new.version(d.version_id), skill=new.skill(d.skill)).summary()
    every = [d for entries in sections.values() for d in entries]
    events = load_events(new, (i for d in every for i in d.evidence_ids))
    for d in every:
        d.evidence = _evidence(d.evidence_ids, events)
    _intervals(every)
    totals: dict[str, int] = {}
    for versions in by_skill.values():
        st = next((s for s in _RANK if any(v.status is s for v in versions)), VersionStatus.CANDIDATE)
        totals[st.value] = totals.get(st.value, 0) + 1
    return LibraryDiff(
        old_label=before.label,
        new_label=current.label,
        generated_at=time.time(),
        sections=sections,
        totals=totals,
        skills_total=len(current.skills),
        approximate_before=before.approximate and old is None and (since is not None or since_run is not None),
    )


def _number(version_id: str) -> int:
    tail = version_id.rsplit("@", 1)[-1]
    return int(tail) if tail.isdigit() else -1


class _Builder:
    """Makes `DiffEntry` objects, sharing one evidence cache."""

    def __init__(
        self, store: SkillStore, before: Snapshot, last_change: dict[str, Event], evidence_per_version: int
    ) -> None:
        self.store = store
        self.before = before
        self.last_change = last_change
        self.evidence_per_version = evidence_per_version

    def entry(self, section: str, skill: SkillState, trigger: str, v: VersionState) -> DiffEntry:
        old_v = self.before.versions.get(v.id)
        change = self.last_change.get(v.id)
        ev = v.origin.evidence
        show = section in ("added", "revised", "pending")
        return DiffEntry(
            section=section,
            skill=v.skill,
            version_id=v.id,
            kind=v.strategy.kind,
            description=skill.description,
            trigger=trigger,
            status_before=old_v.status.value if old_v else None,
            status_after=v.status.value,
            reason=str(change.data.get("reason", "")) if change else "",
            actor=str(change.data.get("actor", "")) if change else "",
            when=change.ts if change else None,
            before=(old_v.alpha, old_v.beta) if old_v else None,
            after=(v.alpha, v.beta),
            observations=v.observations,
            strategy=v.strategy,
            miner=v.origin.miner,
            evidence_ids=list(ev[: self.evidence_per_version]) if show else [],
            evidence_total=len(ev),
        )


#: Entries per section shown in full; the rest are listed as compact rows.
FULL_LIMIT = 200

_RANK = (
    VersionStatus.ACTIVE,
    VersionStatus.TESTING,
    VersionStatus.CANDIDATE,
    VersionStatus.RETIRED,
    VersionStatus.REJECTED,
)


def _pending_versions(log: Sequence[Event], current: Snapshot) -> dict[str, Event]:
    """Versions under test with a pending-promotion event and no review after it."""
    testing = {vid for vid, v in current.versions.items() if v.status is VersionStatus.TESTING}
    out: dict[str, Event] = {}
    for e in log:
        vid = e.version_id or ""
        if vid not in testing:
            continue
        if e.kind == EventKind.LIFECYCLE and e.data.get("pending") == "promote":
            out[vid] = e
        elif e.kind == EventKind.REVIEW:
            out.pop(vid, None)
    return out


# --------------------------------------------------------------------------- Markdown


def _fmt_ci(ci: tuple[float, float, float] | None) -> str:
    if ci is None:
        return "-"
    return f"{ci[0]:.2f} [{ci[1]:.2f}, {ci[2]:.2f}]"


def _when(ts: float | None, missing: str = "-") -> str:
    import datetime as dt

    if ts is None:
        return missing
    return dt.datetime.fromtimestamp(ts, tz=dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


#: Characters Markdown (CommonMark + GFM) gives a meaning to inside a line: each is backslash-escaped.
_MD_ACTIVE = re.compile(r"([\\`*_{}\[\]()#+!|~])")
#: A URL scheme or ``www.`` that GFM would turn into a live link: defanged (``http[:]//``).
_MD_LINKY = re.compile(r"(?i)\b(https?|ftp|file|javascript|data|vbscript|mailto)(:)|\b(www)(\.)")


def _md_cell(text: str) -> str:
    """Skill, tool or reviewer text as inert Markdown: one line, HTML and Markdown syntax escaped.

    ``<``, ``>`` and ``&`` become entities (no raw HTML: no ``<script>``), every Markdown-active
    character is backslash-escaped (no link, image, emphasis or table cell can open), and URL
    schemes are defanged so GFM's autolinks do not make a bare URL live.
    """
    flat = " ".join(str(text).split())
    flat = html.escape(flat, quote=False)
    flat = _MD_LINKY.sub(lambda m: f"{m.group(1) or m.group(3)}[{m.group(2) or m.group(4)}]", flat)
    return _MD_ACTIVE.sub(r"\\\1", flat)


def _md_code(text: str) -> str:
    """Inline code (literal in Markdown: no HTML, link or image) that survives backticks in the text."""
    flat = " ".join(str(text).split())
    longest = max((len(run) for run in re.findall(r"`+", flat)), default=0)
    ticks = "`" * (longest + 1)
    return f"{ticks}{flat}{ticks}" if longest == 0 else f"{ticks} {flat} {ticks}"


def _fence(text: str, lang: str) -> str:
    fence = "```"
    while fence in text:
        fence += "`"
    return f"{fence}{lang}\n{text}\n{fence}"


READING_GUIDE = (
    "A *skill* is a learned rule: when its trigger fires (a tool call fails in a certain way, a task "
    "starts, ...), it adds *guidance* to the model's prompt or *repairs* the tool call's arguments. "
    "Each skill keeps every version; a new version is tried on a share of calls and compared with the "
    "version in use, or with doing nothing. The *posterior mean* is the estimated success rate of calls "
    "or episodes where the version was applied, and the bracket is its 95% credible interval (the true "
    "rate lies there with 95% probability); *before* is the old state, *after* the new one. *Evidence* "
    "lists the recorded failures the skill was mined from, with secrets redacted."
)


def render_markdown(diff: LibraryDiff) -> str:
    """The diff as a Markdown document (sections explained for a reviewer new to skillevo)."""
    out: list[str] = [f"# {_md_cell(diff.title)}", ""]
    out.append(
        f"From **{_md_cell(diff.old_label)}** to **{_md_cell(diff.new_label)}** (generated {_when(diff.generated_at)})."
    )
    out += ["", READING_GUIDE, ""]
    if diff.approximate_before:
        out += [
            "_Before-posteriors were replayed from the credit log (no train run recorded them at that "
            "point) and ignore forgetting: treat them as approximate._",
            "",
        ]
    out += ["## Summary", "", "_How many versions each section lists, and the library's skills by status now._", ""]
    out += ["| section | versions |", "|---|---:|"]
    for key, title, _ in SECTIONS:
        out.append(f"| {title} | {len(diff.sections[key])} |")
    status_text = ", ".join(f"{n} {s}" for s, n in sorted(diff.totals.items())) or "none"
    out += ["", f"Library now: {diff.skills_total} skills ({status_text}).", ""]
    for extra in diff.extra:
        out += _md_table(extra)
    for key, title, explanation in SECTIONS:
        entries = diff.sections[key]
        out += [f"## {title} ({len(entries)})", "", f"_{explanation}_", ""]
        if not entries:
            out += ["Nothing.", ""]
            continue
        full = [e for e in entries if not e.compact]
        rest = [e for e in entries if e.compact]
        for e in full:
            out += _md_entry(e)
        if rest:
            out += [f"{len(rest)} more, listed compactly (narrow the comparison, e.g. `--since`, for details):", ""]
            out += ["| version | kind | status | posterior before | posterior after | why |", "|---" * 6 + "|"]
            for e in rest:
                status = e.status_after if e.status_before is None else f"{e.status_before} → {e.status_after}"
                out.append(
                    f"| {_md_code(e.version_id)} | {e.kind} | {status} | {_fmt_ci(e.before_ci)} | "
                    f"{_fmt_ci(e.after_ci)} | {_md_cell(e.reason)} |"
                )
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def _md_table(section: ReportSection) -> list[str]:
    out = [f"## {_md_cell(section.title)}", "", f"_{section.explanation}_", ""]
    if not section.rows:
        return [*out, "Nothing.", ""]
    out.append("| " + " | ".join(_md_cell(h) for h in section.headers) + " |")
    out.append("|" + "---|" * len(section.headers))
    for row in section.rows:
        out.append("| " + " | ".join(_md_cell(c) for c in row) + " |")
    return [*out, ""]


def _md_entry(e: DiffEntry) -> list[str]:
    status = e.status_after if e.status_before is None else f"{e.status_before} → {e.status_after}"
    out = [f"### {_md_code(e.version_id)} ({_md_cell(e.kind)}, {_md_cell(status)})", ""]
    if e.description:
        out.append(f"- **what it is for:** {_md_cell(e.description)}")
    out.append(f"- **when it applies:** {_md_cell(e.trigger)}")
    out.append(f"- **posterior mean [95% interval]:** before {_fmt_ci(e.before_ci)}, after {_fmt_ci(e.after_ci)}"
               f" ({int(e.observations)} outcomes)")
    if e.reason:
        by = f" by {_md_cell(e.actor)}" if e.actor else ""
        out.append(f"- **why:** {_md_cell(e.reason)} ({_when(e.when)}{by})")
    if e.shadow:
        out.append(f"- **shadow evidence:** {_md_cell(e.shadow)}")
    if e.miner and e.section in ("added", "revised"):
        out.append(f"- **proposed by:** {origin_text(e.miner)}")
    out.append("")
    if e.section in ("added", "revised", "pending") and e.strategy is not None:
        if e.diff and e.section == "revised":
            out += [f"Change from {_md_code(e.base_version or '(nothing)')}:", "", _fence(e.diff, "diff"), ""]
        else:
            if e.strategy.guidance:
                # A fenced block shows the text exactly as the model gets it, and renders none of it.
                out += ["Guidance added to the prompt:", "", _fence(e.strategy.guidance, "text"), ""]
            if e.strategy.repair:
                repair = json.dumps(e.strategy.repair.model_dump(mode="json", exclude_none=True), indent=2)
                out += ["Argument repair:", "", _fence(repair, "json"), ""]
            if e.strategy.code:
                out += ["Repair code (runs only in the sandbox):", "", _fence(e.strategy.code, "python"), ""]
    if e.evidence:
        more = f" (showing {len(e.evidence)} of {e.evidence_total})" if e.evidence_total > len(e.evidence) else ""
        out += [f"Evidence: the recorded events it was mined from (failures, and corrections that followed){more}:", ""]
        for ev in e.evidence:
            what = f"{_md_cell(ev.error_type)}: " if ev.error_type else ""
            args = f" with arguments {_md_code(ev.args)}" if ev.args else ""
            tool = _md_code(ev.tool or "?")
            out.append(f"- event {ev.event_id}, {ev.kind} of {tool}{args}: {what}{_md_code(ev.message)}")
        out.append("")
    return out
