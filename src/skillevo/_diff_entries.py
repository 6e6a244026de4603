"""The pieces of a diff entry: the trigger and strategy in words, the evidence, credible intervals."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from ._diff_history import SkillState, Snapshot, VersionState
from ._diff_model import DiffEntry, Evidence
from ._guidance_facts import observed_values
from ._hygiene import quote_untrusted, redact
from ._instance_data import mask_data
from ._models import Event, Strategy, Trigger, TriggerKind
from ._prose import shown_escaped
from ._shape import shape
from ._store import SkillStore

__all__ = ["EntryBuilder", "describe_trigger", "evidence", "intervals", "load_events", "origin_text", "strategy_diff"]


def describe_trigger(trigger: Trigger) -> str:
    """The trigger in plain words."""
    tool = "any tool" if trigger.tool == "*" else f"tools matching {trigger.tool}" if trigger.tool_is_glob \
        else f"tool {trigger.tool}"
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
    strategy = shown_strategy(strategy)
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


def shown_strategy(strategy: Strategy) -> Strategy:
    """`strategy` as a reviewer must see it: hidden and control characters of its guidance and code
    written as escapes (`shown_escaped`), for rows stored before `check_proposal` refused them."""
    update = {k: shown_escaped(t) for k in ("guidance", "code") if (t := getattr(strategy, k)) is not None}
    changed = {k: t for k, t in update.items() if t != getattr(strategy, k)}
    return strategy.model_copy(update=changed) if changed else strategy  # no re-validation: escapes lengthen


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


def evidence(ids: Sequence[int], events: dict[int, Event]) -> list[Evidence]:
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


def intervals(entries: Iterable[DiffEntry]) -> None:
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


class EntryBuilder:
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
            description=shown_escaped(skill.description),
            trigger=shown_escaped(trigger),
            status_before=old_v.status.value if old_v else None,
            status_after=v.status.value,
            reason=str(change.data.get("reason", "")) if change else "",
            actor=str(change.data.get("actor", "")) if change else "",
            when=change.ts if change else None,
            before=(old_v.alpha, old_v.beta) if old_v else None,
            after=(v.alpha, v.beta),
            observations=v.observations,
            strategy=shown_strategy(v.strategy),
            miner=v.origin.miner,
            evidence_ids=list(ev[: self.evidence_per_version]) if show else [],
            evidence_total=len(ev),
        )
