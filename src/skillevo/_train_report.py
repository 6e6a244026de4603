"""What a `skillevo train` run reports: per stage, the estimates, the decisions."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from ._diff import ReportSection
from ._lifecycle import Transition
from ._ope import OffPolicyEstimate

__all__ = ["StageResult", "TrainReport"]

#: Versions the terminal summary names per list; the report has all of them.
LISTED = 50


class StageResult(BaseModel):
    """What one stage did."""

    name: str
    status: str = Field(description="'done', 'skipped' (with why), or 'done earlier' (a resumed run)")
    seconds: float = 0.0
    summary: dict[str, JsonValue] = Field(default_factory=dict)



class TrainReport(BaseModel):
    """The outcome of one ``skillevo train`` run."""

    model_config = ConfigDict(extra="forbid")

    run_id: str
    db: str
    dry_run: bool = False
    resumed: bool = False
    started_at: float
    finished_at: float | None = None
    events_from: int = 0
    events_to: int = 0
    events_scanned: int = 0
    episodes_mined: int = 0
    created: list[str] = Field(default_factory=list)
    proposals_known: int = 0
    proposals_rejected: list[str] = Field(default_factory=list)
    check_rejected: list[str] = Field(default_factory=list)
    estimates: list[OffPolicyEstimate] = Field(default_factory=list)
    transitions: list[Transition] = Field(default_factory=list)
    pruned: list[str] = Field(default_factory=list)
    compacted_events: int = 0
    report_files: list[str] = Field(default_factory=list)
    policy: dict[str, JsonValue] | None = None
    stages: list[StageResult] = Field(default_factory=list)
    report_markdown: str = Field(default="", exclude=True)

    @property
    def changed(self) -> bool:
        """Whether the run changed any skill (created, rejected, promoted, retired, pruned)."""
        return bool(self.created or self.check_rejected or self.transitions or self.pruned)

    def sections(self) -> list[ReportSection]:
        """The run's own tables for the report (stages, estimates)."""
        stage_rows = tuple(
            (s.name, s.status, f"{s.seconds:.2f}", ", ".join(f"{k}={v}" for k, v in s.summary.items()))
            for s in self.stages
        )
        silent = sum(1 for e in self.estimates if e.logged == 0)
        est_rows = tuple(
            (
                e.version_id,
                e.status,
                f"{e.online_updates:.0f}",
                f"{e.matched}/{e.logged}",
                _num(e.ips),
                _num(e.snips),
                _num(e.ess, 1),
                f"{e.baseline_arm}: {_num(e.baseline_snips)}",
                e.note,
            )
            for e in self.estimates
            if e.logged
        )
        return [
            ReportSection(
                title=f"Train run {self.run_id}",
                explanation="What each stage of this nightly run did (events mined, checks, lifecycle decisions, "
                "pruning, compaction); a resumed run lists the stages an interrupted attempt finished.",
                headers=("stage", "status", "seconds", "summary"),
                rows=stage_rows,
            ),
            ReportSection(
                title="Off-policy estimates",
                explanation="For new versions with too little online evidence, the success rate they would have "
                "had, estimated from past logged choices re-weighted by how likely each choice was (IPS; SNIPS is "
                "the lower-variance normalised form); compare with the incumbent on the same log."
                + (f" {silent} more version(s) have no logged choices at their skill yet." if silent else ""),
                headers=("version", "status", "online updates", "logged picks", "IPS", "SNIPS", "ESS", "incumbent",
                         "note"),
                rows=est_rows,
            ),
        ]

    def render(self) -> str:
        """A short plain-text summary for a terminal."""
        lines = [
            f"train run {self.run_id}{' (dry run: nothing written)' if self.dry_run else ''}"
            f"{' (resumed)' if self.resumed else ''} on {self.db}",
            f"events {self.events_from + 1}..{self.events_to}: {self.events_scanned} scanned, "
            f"{self.episodes_mined} episodes mined",
        ]
        for s in self.stages:
            summary = ", ".join(f"{k}={v}" for k, v in s.summary.items())
            lines.append(f"  {s.name:<10} {s.status:<11} {s.seconds:6.2f}s  {summary}")
        if self.created:
            more = f" and {len(self.created) - LISTED} more" if len(self.created) > LISTED else ""
            lines.append("created: " + ", ".join(self.created[:LISTED]) + more)
        for t in self.transitions[:LISTED]:
            old = t.from_status.value if t.from_status else "-"
            arrow = f"{old} -> {t.to_status.value if t.to_status else 'pending review'}"
            lines.append(f"{t.version_id}: {arrow} ({t.reason})")
        if len(self.transitions) > LISTED:
            lines.append(f"... and {len(self.transitions) - LISTED} more status changes (see the report)")
        for label, ids in (("pruned", self.pruned), ("rejected by checks", self.check_rejected)):
            if ids:
                more = f" and {len(ids) - LISTED} more" if len(ids) > LISTED else ""
                lines.append(f"{label}: " + ", ".join(ids[:LISTED]) + more)
        for f in self.report_files:
            lines.append(f"report: {f}")
        if not self.changed:
            lines.append("no skill changed")
        return "\n".join(lines)


def _num(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"
