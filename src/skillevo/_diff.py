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

import time
from collections.abc import Sequence

from ._diff_entries import (
    EntryBuilder,
    describe_trigger,
    evidence,
    intervals,
    load_events,
    origin_text,
    strategy_diff,
)
from ._diff_history import (
    Snapshot,
    last_event_id_at,
    lifecycle_events,
    mark_change_events,
    mark_change_key,
    old_state,
    snapshot_at,
    snapshot_of,
    status_changes,
)
from ._diff_markdown import READING_GUIDE, render_markdown
from ._diff_model import SECTION_KEYS, SECTIONS, DiffEntry, Evidence, LibraryDiff, ModeChange, ReportSection
from ._errors import ConfigError
from ._models import Event, EventKind, VersionStatus
from ._redaction import mask_url, redact_text
from ._review_mode import library_review, library_share
from ._shadow import held_back, shadow_evidence
from ._store import SkillStore

__all__ = [
    "FULL_LIMIT",
    "READING_GUIDE",
    "SECTIONS",
    "DiffEntry",
    "Evidence",
    "LibraryDiff",
    "ReportSection",
    "Snapshot",
    "describe_trigger",
    "last_event_id_at",
    "library_diff",
    "load_events",
    "old_state",
    "origin_text",
    "render_markdown",
    "snapshot_at",
    "snapshot_of",
    "strategy_diff",
]

#: Entries per section shown in full; the rest are listed as compact rows.
FULL_LIMIT = 200


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
    if not isinstance(new, SkillStore) or not (old is None or isinstance(old, SkillStore | Snapshot)):
        wrong = new if not isinstance(new, SkillStore) else old
        raise ConfigError(f"library_diff: expected open libraries, SkillLibrary(path) (got {type(wrong).__name__})")
    if old is not None and (since is not None or since_run is not None):
        raise ConfigError("compare with an older database or with since/since_run, not both")
    current = snapshot_of(new, mask_url(new_label or new.location))
    log = lifecycle_events(new)
    status_events = status_changes(log)
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
    builder = EntryBuilder(new, before, last_change, evidence_per_version)
    pending = _pending_events(log, current)
    held = held_back(
        new,
        [vid for vid, v in current.versions.items() if v.status is VersionStatus.TESTING and vid not in pending],
        [vid for vid, v in current.versions.items() if v.status is VersionStatus.ACTIVE],
        library_review(new),
    )
    sections: dict[str, list[DiffEntry]] = {k: [] for k in SECTION_KEYS}
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
        d.evidence = evidence(d.evidence_ids, events)
    intervals(every)
    totals: dict[str, int] = {}
    for versions in by_skill.values():
        # The store's own ranking of a skill's versions (`Skill.status`).
        st = current.skills[versions[0].skill].status.value
        totals[st] = totals.get(st, 0) + 1
    mode, share = library_review(new), library_share(new)
    return LibraryDiff(
        review_mode=mode,
        canary_share=share if mode == "canary" else None,
        review_mode_changes=_mark_changes(new, before, after_id),
        old_label=before.label,
        new_label=current.label,
        generated_at=time.time(),
        sections=sections,
        totals=totals,
        skills_total=len(current.skills),
        approximate_before=before.approximate and old is None and (since is not None or since_run is not None),
    )


def _mark_changes(new: SkillStore, before: Snapshot, after_id: int) -> list[ModeChange]:
    """The changes of the review mark after the old state, redacted (a reason is typed by a person,
    who may paste anything into it)."""
    changes: list[ModeChange] = []
    for e in mark_change_events(new):
        if (e.id or 0) <= after_id or mark_change_key(e) in before.mark_changes:
            continue
        data = e.data
        changes.append(
            ModeChange(
                when=e.ts,
                previous=redact_text(str(data.get("previous", "?"))),
                mode=redact_text(str(data.get("mode", "?"))),
                previous_canary_share=_share(data.get("previous_canary_share")),
                canary_share=_share(data.get("canary_share")),
                actor=redact_text(str(data.get("actor", ""))),
                reason=redact_text(str(data.get("reason", ""))),
            )
        )
    return changes


def _share(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _number(version_id: str) -> int:
    tail = version_id.rsplit("@", 1)[-1]
    return int(tail) if tail.isdigit() else -1


def _pending_events(log: Sequence[Event], current: Snapshot) -> dict[str, Event]:
    """The pending-promotion event of each version the store marks as awaiting review.

    Which versions wait is the stored ``pending_review`` flag (the lifecycle reads the same); the
    log only supplies the details of the last pending event (why, when, by whom, the probability).
    """
    waiting = {vid for vid, v in current.versions.items() if v.pending_review and v.status is VersionStatus.TESTING}
    return {
        e.version_id: e
        for e in log
        if e.version_id in waiting and e.kind == EventKind.LIFECYCLE and e.data.get("pending") == "promote"
    }
