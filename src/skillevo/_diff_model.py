"""The diff model: what `library_diff` returns and the renderers read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ._models import Strategy

__all__ = [
    "SECTIONS",
    "SECTION_KEYS",
    "DiffEntry",
    "Evidence",
    "LibraryDiff",
    "ModeChange",
    "ReportSection",
    "mode_section",
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

SECTION_KEYS = tuple(s[0] for s in SECTIONS)


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
    # filled by `intervals`: (mean, low, high) of the 95% credible interval
    before_ci: tuple[float, float, float] | None = None
    after_ci: tuple[float, float, float] = (0.5, 0.025, 0.975)


@dataclass(frozen=True)
class ReportSection:
    """An extra table a report carries (the train job adds its stages and estimates)."""

    title: str
    explanation: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class ModeChange:
    """One logged change of the library's review mark (`skillevo review mode`, or a process that
    raised it), redacted: who, when, why, and the mode and canary share before and after."""

    when: float
    previous: str
    mode: str
    previous_canary_share: float | None
    canary_share: float | None
    actor: str
    reason: str


#: What the review-mode section tells a reviewer new to skillevo.
MODE_EXPLANATION = (
    "The library's review mark decides what may act without a person: under auto a version that wins "
    "its test acts, under canary unapproved versions act in a small share of episodes, under required "
    "nothing unapproved changes a call or a prompt. Lowering it is a person's decision; each change in "
    "this window is listed, oldest first, with who made it and why."
)


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def mode_section(diff: LibraryDiff) -> ReportSection:
    """The review-mode table of `diff`: the mark now, and each change of it in the window."""
    rows = tuple(
        (
            _when(c.when),
            f"{c.previous} → {c.mode}",
            f"{_share(c.previous_canary_share)} → {_share(c.canary_share)}"
            if "canary" in (c.previous, c.mode)
            else "-",
            c.actor,
            c.reason,
        )
        for c in diff.review_mode_changes
    )
    now = (
        f"{diff.review_mode} (canary share {_share(diff.canary_share)})"
        if diff.review_mode == "canary"
        else diff.review_mode
    )
    return ReportSection(
        title=f"Review mode: {now}",
        explanation=MODE_EXPLANATION,
        headers=("when", "mode", "canary share", "by", "why"),
        rows=rows,
    )


def _when(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, tz=dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


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
    #: the library's review mark now, its canary share, and the changes of the mark in the window
    review_mode: str = "auto"
    canary_share: float | None = None
    review_mode_changes: list[ModeChange] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Entries per section."""
        return {k: len(v) for k, v in self.sections.items()}

    @property
    def empty(self) -> bool:
        """Whether nothing changed (no version, and not the review mark)."""
        return not any(self.sections.values()) and not self.review_mode_changes

    def to_markdown(self) -> str:
        """The report as Markdown."""
        from ._diff_markdown import render_markdown

        return render_markdown(self)

    def to_html(self) -> str:
        """The report as one self-contained HTML page."""
        from ._report_html import render_html

        return render_html(self)
