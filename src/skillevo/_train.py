"""`skillevo train`: the nightly job that consolidates what the online loop learned.

Stages, in order (each commits atomically and is recorded as a ``train`` event, so a run that is
killed resumes where it stopped and ends in the same state as an uninterrupted one):

1. **mine**: the events since the last run's watermark, episode by episode, through `RuleMiner`
   (and `LLMMiner` when configured); proposals pass `check_proposal` and become candidates. The
   watermark advances in the same transaction as each chunk's new skills.
2. **check**: candidates that have not started a test (imported ones included) are checked again
   (no instruction-like text, trigger rate on the stored failures they target); failures are rejected.
3. **estimate**: off-policy estimates (IPS and self-normalised IPS from the logged propensities) of
   candidates and versions under test that lack online evidence, next to their incumbent's.
4. **lifecycle**: `Lifecycle.evaluate` on every skill: promote, reject, retire, start waiting tests.
5. **prune**: retire active versions whose skill stopped firing (stale); nothing is deleted.
6. **compact**: fold events older than ``compact_after_days`` into per-version aggregates.
7. **report**: the library diff since the previous run, as Markdown and/or HTML.
8. **policy**: the optional GRPO fine-tune, when ``[policy].enabled``:
   ``skillevo_trl.train_policy(PolicyConfig, store)``. Its new ``policy_version`` is announced the
   way ``Evolver.policy_version = ...`` announces one: every persisted posterior is reset (the old
   evidence was about the old policy), a ``policy_change`` event records from/to, and the meta key
   `POLICY_VERSION_KEY` holds the version for Evolvers started later; all in the stage's commit.

Two runs never overlap: a lock row in the library's meta table (holder pid, host, heartbeat),
taken with a compare-and-set inside a transaction; a holder that died on this host, or that has not
been heard from for ``lock_stale_after_s``, is taken over.
"""

from __future__ import annotations

import importlib
import json
import math
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from ._admission import candidate_problem
from ._config import SkillevoConfig, import_callable
from ._diff import ReportSection, last_event_id_at, library_diff, render_markdown
from ._errors import ConfigError, SkillevoError
from ._lifecycle import Transition
from ._models import NULL_ARM, Event, EventKind, SkillVersion, VersionStatus, new_id
from ._redaction import mask_url
from ._store import SkillStore

__all__ = [
    "POLICY_VERSION_KEY",
    "STAGES",
    "OffPolicyEstimate",
    "StageResult",
    "TrainLockedError",
    "TrainReport",
    "run_train",
]

#: The stages of a run, in order.
STAGES: tuple[str, ...] = ("mine", "check", "estimate", "lifecycle", "prune", "compact", "report", "policy")

#: Prefix of the note a stage's exception carries: ``"skillevo train stage: lifecycle"``.
STAGE_NOTE = "skillevo train stage: "
LOCK_KEY = "train.lock"
#: Meta key holding the policy version the last fine-tune produced: an Evolver started later can
#: run under it, ``Evolver(lib, policy_version=lib.get_meta(POLICY_VERSION_KEY))``.
POLICY_VERSION_KEY = "policy.version"
_GUARD_KEY = "train.lock.guard"
_STATE_KEY = "train.state"
_MINED_KEY = "train.mined_upto"
_COMPACTED_KEY = "train.compacted_upto"
_AGGREGATES_KEY = "train.aggregates"
_RUNS_KEY = "train.runs"
_RUNS_KEPT = 1000
_LIFECYCLE_CHUNK = 200
#: Versions the terminal summary names per list; the report has all of them.
_LISTED = 50

Progress = Callable[[str, int, int | None], None]


class TrainLockedError(SkillevoError):
    """Another ``skillevo train`` run holds the library's lock (the CLI exits with status 3)."""


class StageResult(BaseModel):
    """What one stage did."""

    name: str
    status: str = Field(description="'done', 'skipped' (with why), or 'done earlier' (a resumed run)")
    seconds: float = 0.0
    summary: dict[str, JsonValue] = Field(default_factory=dict)


class OffPolicyEstimate(BaseModel):
    """The value of always applying `version_id` at `key`, estimated from logged selections.

    Attributes:
        logged: logged selections at the key that have an outcome.
        matched: those that chose this version.
        ips: inverse propensity scoring, sum(r / p over matched) / logged.
        snips: self-normalised IPS, sum(r / p) / sum(1 / p) over matched (lower variance).
        ess: effective sample size of the matched weights.
        baseline_arm, baseline_snips: the incumbent (active version, or ``null``) on the same log.
    """

    version_id: str
    key: str
    status: str
    online_updates: float
    logged: int
    matched: int
    ips: float | None = None
    snips: float | None = None
    ess: float | None = None
    baseline_arm: str = NULL_ARM
    baseline_snips: float | None = None
    note: str = ""


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
            more = f" and {len(self.created) - _LISTED} more" if len(self.created) > _LISTED else ""
            lines.append("created: " + ", ".join(self.created[:_LISTED]) + more)
        for t in self.transitions[:_LISTED]:
            old = t.from_status.value if t.from_status else "-"
            arrow = f"{old} -> {t.to_status.value if t.to_status else 'pending review'}"
            lines.append(f"{t.version_id}: {arrow} ({t.reason})")
        if len(self.transitions) > _LISTED:
            lines.append(f"... and {len(self.transitions) - _LISTED} more status changes (see the report)")
        for label, ids in (("pruned", self.pruned), ("rejected by checks", self.check_rejected)):
            if ids:
                more = f" and {len(ids) - _LISTED} more" if len(ids) > _LISTED else ""
                lines.append(f"{label}: " + ", ".join(ids[:_LISTED]) + more)
        for f in self.report_files:
            lines.append(f"report: {f}")
        if not self.changed:
            lines.append("no skill changed")
        return "\n".join(lines)


def _num(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


# --------------------------------------------------------------------------- lock


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _holder(raw: str | None) -> dict[str, Any] | None:
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) and value.get("token") else None


def _stale(holder: dict[str, Any], stale_after_s: float, now: float) -> bool:
    same_host = holder.get("host") == socket.gethostname()
    if same_host and isinstance(holder.get("pid"), int) and not _pid_alive(holder["pid"]):
        return True
    beat = holder.get("heartbeat")
    return not isinstance(beat, int | float) or now - float(beat) > stale_after_s


def describe_holder(holder: dict[str, Any]) -> str:
    """``pid N on host H since T``."""
    import datetime as dt

    since = holder.get("since")
    when = (
        dt.datetime.fromtimestamp(float(since), tz=dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        if isinstance(since, int | float)
        else "?"
    )
    return f"pid {holder.get('pid')} on host {holder.get('host')} since {when} (run {holder.get('run', '?')})"


class _Lock:
    """The advisory lock: a meta row written by compare-and-set inside one transaction."""

    def __init__(self, store: SkillStore, stale_after_s: float) -> None:
        self.store = store
        self.stale_after_s = stale_after_s
        self.token = new_id()
        self.run = ""

    @contextmanager
    def _cas(self) -> Iterator[dict[str, Any] | None]:
        with self.store.transaction():
            # Writing the guard row first serialises concurrent acquirers: on SQLite the write
            # transaction already does; on PostgreSQL the row lock is held until commit, so the
            # read below sees any lock committed by a run that got here first.
            self.store.set_meta(_GUARD_KEY, self.token)
            yield _holder(self.store.get_meta(LOCK_KEY))

    def acquire(self, run: str) -> None:
        now = time.time()
        with self._cas() as holder:
            if holder is not None and holder.get("token") != self.token and not _stale(holder, self.stale_after_s, now):
                raise TrainLockedError(f"another skillevo train run holds the lock: {describe_holder(holder)}")
            self.run = run
            self._write(now, now)

    def _write(self, since: float, beat: float) -> None:
        self.store.set_meta(
            LOCK_KEY,
            json.dumps(
                {
                    "token": self.token,
                    "pid": os.getpid(),
                    "host": socket.gethostname(),
                    "since": since,
                    "heartbeat": beat,
                    "run": self.run,
                }
            ),
        )

    def heartbeat(self) -> None:
        with self._cas() as holder:
            if holder is None or holder.get("token") != self.token:
                who = describe_holder(holder) if holder else "nobody"
                raise TrainLockedError(f"this run lost the train lock (now held by {who}); stopping")
            self._write(float(holder.get("since", time.time())), time.time())

    def release(self) -> None:
        with self._cas() as holder:
            if holder is not None and holder.get("token") == self.token:
                # The store API deletes nothing: an empty value means "free".
                self.store.set_meta(LOCK_KEY, "")


def lock_holder(store: SkillStore) -> dict[str, Any] | None:
    """The current lock holder's record (pid, host, since, heartbeat, run), or None when free."""
    return _holder(store.get_meta(LOCK_KEY))


class _Heartbeat:
    """Beats `lock` from a thread while a long call runs (the lock is taken over once stale)."""

    def __init__(self, lock: _Lock | None) -> None:
        self.lock = lock
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self.thread: threading.Thread | None = None

    def _beat(self) -> None:
        assert self.lock is not None
        interval = min(60.0, self.lock.stale_after_s / 10.0)
        while not self.stop.wait(interval):
            try:
                self.lock.heartbeat()
            except BaseException as exc:  # reported by __exit__, in the run's own thread
                self.error = exc
                return

    def __enter__(self) -> _Heartbeat:
        if self.lock is not None:
            self.thread = threading.Thread(target=self._beat, name="skillevo-train-heartbeat", daemon=True)
            self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join()
        if self.error is not None and exc[0] is None:
            raise self.error


# --------------------------------------------------------------------------- the run


class _Run:
    def __init__(
        self,
        store: SkillStore,
        config: SkillevoConfig,
        *,
        dry_run: bool,
        progress: Progress | None,
        policy: bool,
        lock: _Lock | None,
        db_label: str,
    ) -> None:
        self.store = store
        self.config = config
        self.dry_run = dry_run
        self.progress = progress
        self.policy = policy
        self.lock = lock
        self.now = time.time()
        # Writes a stage leaves for its commit transaction (the policy stage's announcement).
        self._announce: Callable[[], None] | None = None
        state = _load_json(store.get_meta(_STATE_KEY))
        if isinstance(state, dict) and isinstance(state.get("report"), dict) and not dry_run:
            self.report = TrainReport.model_validate(state["report"])
            self.report.resumed = True
            self.done: list[str] = [s for s in state.get("done", []) if isinstance(s, str)]
            self.upto = int(state.get("upto", 0))
        else:
            self.report = TrainReport(run_id=new_id()[:12], db=mask_url(db_label), dry_run=dry_run, started_at=self.now)
            self.done = []
            mined = int(store.get_meta(_MINED_KEY) or 0)
            horizon = self.now - config.train.settle_s
            self.upto = last_event_id_at(store, horizon)
            self.report.events_from = mined
            self.report.events_to = max(self.upto, mined)

    # ------------------------------------------------------------------ bookkeeping

    def tick(self, stage: str, done: int, total: int | None) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)

    def _state(self) -> str:
        return json.dumps(
            {
                "run": self.report.run_id,
                "done": self.done,
                "upto": self.upto,
                "report": self.report.model_dump(mode="json"),
            }
        )

    def commit_stage(self, result: StageResult, also: Callable[[], None] | None = None) -> None:
        """Record a finished stage: its train event, the run state (and `also`'s writes), one transaction."""
        self.done.append(result.name)
        self.report.stages.append(result)
        with self.store.transaction():
            if also is not None:
                also()
            self.store.log_events(
                [
                    Event(
                        kind=EventKind.TRAIN,
                        data={"run": self.report.run_id, "stage": result.name, "status": result.status,
                              "summary": result.summary},
                    )
                ]
            )
            self.store.set_meta(_STATE_KEY, self._state())
        if self.lock is not None:
            self.lock.heartbeat()

    def execute(self) -> TrainReport:
        stages: dict[str, Callable[[], StageResult]] = {
            "mine": self.mine,
            "check": self.check,
            "estimate": self.estimate,
            "lifecycle": self.lifecycle,
            "prune": self.prune,
            "compact": self.compact,
            "report": self.write_report,
            "policy": self.train_policy,
        }
        previous = {s.name for s in self.report.stages}
        for name in STAGES:
            if name in self.done:
                if name not in previous:
                    self.report.stages.append(StageResult(name=name, status="done earlier"))
                continue
            self.tick(name, 0, None)
            t0 = time.perf_counter()
            try:
                result = stages[name]()
            except Exception as exc:
                exc.add_note(f"{STAGE_NOTE}{name}")  # the CLI names the stage in its one-line error
                raise
            result.seconds = time.perf_counter() - t0
            announce, self._announce = self._announce, None
            self.commit_stage(result, also=announce)
            self.tick(name, 1, 1)
        self.finish()
        return self.report

    # ------------------------------------------------------------------ 1. mine

    def _miners(self) -> list[Any]:
        from ._mining import RuleMiner

        cfg = self.config.miner
        miners: list[Any] = []
        if cfg.rule:
            miners.append(RuleMiner(max_pairs=cfg.max_pairs, retry_attempts=cfg.retry_attempts))
        if cfg.llm:
            from ._llm_miner import LLMMiner

            complete = import_callable(cfg.llm, what="miner.llm")
            miners.append(
                LLMMiner(complete, max_calls=cfg.llm_budget, max_failures_per_episode=cfg.llm_failures_per_episode)
            )
        return miners

    def mine(self) -> StageResult:
        store = self.store
        miners = self._miners()
        start = int(store.get_meta(_MINED_KEY) or 0)
        chunk: list[list[Event]] = []
        current: list[Event] = []
        scanned = 0
        last_id = start
        total = max(0, self.upto - start)

        def flush(upto_id: int) -> None:
            with store.transaction():
                for events in chunk:
                    self._mine_episode(events, miners)
                store.set_meta(_MINED_KEY, str(upto_id))
                self.report.events_scanned = scanned
                store.set_meta(_STATE_KEY, self._state())
            self.tick("mine", upto_id - start, total)
            chunk.clear()
            if self.lock is not None:
                self.lock.heartbeat()

        if self.upto > start:
            for event in store.iter_events(after_id=start):
                if (event.id or 0) > self.upto:
                    break
                scanned += 1
                if current and event.episode_id != current[0].episode_id:
                    if any(e.kind == EventKind.TOOL_ERROR for e in current):
                        chunk.append(current)
                    current = []
                    if len(chunk) >= self.config.train.chunk_episodes:
                        flush(last_id)
                if event.episode_id is not None:
                    current.append(event)
                last_id = event.id or last_id
            if any(e.kind == EventKind.TOOL_ERROR for e in current):
                chunk.append(current)
            flush(max(last_id, self.upto))
        return StageResult(
            name="mine",
            status="done",
            summary={
                "events": scanned,
                "episodes_with_failures": self.report.episodes_mined,
                "created": len(self.report.created),
                "known": self.report.proposals_known,
                "rejected": len(self.report.proposals_rejected),
            },
        )

    def _mine_episode(self, events: list[Event], miners: Sequence[Any]) -> None:
        from ._admission import admit

        self.report.episodes_mined += 1
        episode_id = events[0].episode_id
        log: list[Event] = []
        for miner in miners:
            admission = admit(
                miner.mine(events, self.store), self.store, miner=miner.name, episode_id=episode_id,
                policy=self.config.miner.admission(), record_known=False, data={"run": self.report.run_id},
            )
            # The online loop (or an earlier chunk) already stored the known ones: nothing to record.
            self.report.proposals_known += len(admission.known)
            self.report.proposals_rejected.extend(f"{name}: {reason}" for name, reason in admission.rejected)
            self.report.created.extend(a.version_id for a in admission.admitted)
            log.extend(admission.events)
        if log:
            self.store.log_events(log)

    # ------------------------------------------------------------------ 2. check

    def check(self) -> StageResult:
        store = self.store
        checked = 0
        with store.transaction():
            for skill in store.skills():
                if any(v.status is VersionStatus.TESTING for v in skill.versions):
                    continue
                for v in skill.versions:
                    if v.status is not VersionStatus.CANDIDATE:
                        continue
                    checked += 1
                    problem = candidate_problem(skill, v, store, self.config.miner.admission())
                    if problem:
                        store.set_status(
                            v.id, VersionStatus.REJECTED, reason=f"failed the nightly checks: {problem}",
                            actor="train", data={"run": self.report.run_id},
                        )
                        self.report.check_rejected.append(v.id)
        return StageResult(
            name="check", status="done", summary={"checked": checked, "rejected": len(self.report.check_rejected)}
        )

    # ------------------------------------------------------------------ 3. estimate

    def estimate(self) -> StageResult:
        self.report.estimates = off_policy_estimates(
            self.store,
            min_updates=self.config.lifecycle.min_updates,
            min_logged=self.config.train.ope_min_logged,
            min_propensity=self.config.train.ope_min_propensity,
        )
        supported = sum(1 for e in self.report.estimates if e.snips is not None)
        return StageResult(
            name="estimate", status="done", summary={"versions": len(self.report.estimates), "with_support": supported}
        )

    # ------------------------------------------------------------------ 4. lifecycle

    def lifecycle(self) -> StageResult:
        from ._lifecycle import Lifecycle
        from ._selection import ThompsonSelector

        cfg = self.config
        selector = ThompsonSelector(discount=cfg.selector.discount_spec(), seed=cfg.selector.seed)
        selector.attach(self.store)
        life = Lifecycle(self.store, selector, cfg.lifecycle.thresholds(), review=cfg.lifecycle.review)
        names = [s.name for s in self.store.skills()]
        before = len(self.report.transitions)
        for i in range(0, len(names), _LIFECYCLE_CHUNK):
            # A chunk of decisions commits at once: a killed run re-evaluates the chunk from scratch.
            with self.store.transaction():
                for name in names[i : i + _LIFECYCLE_CHUNK]:
                    self.report.transitions.extend(life.evaluate(name))
            self.tick("lifecycle", min(i + _LIFECYCLE_CHUNK, len(names)), len(names))
            if self.lock is not None:
                self.lock.heartbeat()
        made = self.report.transitions[before:]
        tally: dict[str, int] = {}
        for t in made:
            key = t.to_status.value if t.to_status else "pending review"
            tally[key] = tally.get(key, 0) + 1
        counts: dict[str, JsonValue] = {"skills": len(names), **tally}
        return StageResult(name="lifecycle", status="done", summary=counts)

    # ------------------------------------------------------------------ 5. prune

    def prune(self) -> StageResult:
        store = self.store
        cfg = self.config.train
        cutoff = self.now - cfg.stale_after_days * 86400.0
        last_seen = _last_selected(store)
        pruned: list[str] = []
        with store.transaction():
            for skill in store.skills(status=VersionStatus.ACTIVE):
                active = skill.active()
                if active is None:
                    continue
                seen = max(last_seen.get(skill.name, 0.0), _activated_at(store, active))
                if seen > cutoff:
                    continue
                later = store.episodes(since=seen + 1e-6, limit=cfg.stale_min_episodes)
                if len(later) < cfg.stale_min_episodes:
                    continue
                days = (self.now - seen) / 86400.0
                store.set_status(
                    active.id,
                    VersionStatus.RETIRED,
                    reason=f"pruned: its skill has not fired for {days:.1f} days while at least "
                    f"{cfg.stale_min_episodes} episodes ran",
                    actor="train",
                    data={"pruned": True, "run": self.report.run_id},
                )
                pruned.append(active.id)
        self.report.pruned = pruned
        return StageResult(name="prune", status="done", summary={"pruned": len(pruned)})

    # ------------------------------------------------------------------ 6. compact

    def compact(self) -> StageResult:
        store = self.store
        start = int(store.get_meta(_COMPACTED_KEY) or 0)
        horizon = self.now - self.config.train.compact_after_days * 86400.0
        upto = min(last_event_id_at(store, horizon), self.upto)
        agg = _load_json(store.get_meta(_AGGREGATES_KEY))
        aggregates: dict[str, Any] = agg if isinstance(agg, dict) else {}
        versions: dict[str, dict[str, float]] = aggregates.setdefault("versions", {})
        keys: dict[str, dict[str, float]] = aggregates.setdefault("keys", {})
        tools: dict[str, dict[str, float]] = aggregates.setdefault("tools", {})
        folded = 0
        last = start
        if upto > start:
            for e in store.iter_events(after_id=start):
                if (e.id or 0) > upto:
                    break
                folded += 1
                last = e.id or last
                _fold(e, versions, keys, tools)
        aggregates["upto"] = max(last, start)
        with store.transaction():
            store.set_meta(_AGGREGATES_KEY, json.dumps(aggregates, separators=(",", ":"), sort_keys=True))
            store.set_meta(_COMPACTED_KEY, str(max(last, start)))
        self.report.compacted_events = folded
        return StageResult(name="compact", status="done", summary={"events": folded, "upto": max(last, start)})

    # ------------------------------------------------------------------ 7. report

    def _previous_run(self) -> str | None:
        runs = _load_json(self.store.get_meta(_RUNS_KEY))
        if isinstance(runs, list) and runs and isinstance(runs[-1], dict):
            run = runs[-1].get("run")
            return run if isinstance(run, str) else None
        return None

    def write_report(self) -> StageResult:
        previous = self._previous_run()
        diff = library_diff(None, self.store, since_run=previous, new_label=self.report.db)
        diff.title = f"skillevo train {self.report.run_id}: skill library changes"
        diff.extra = self.report.sections()
        markdown = render_markdown(diff)
        self.report.report_markdown = markdown
        files: list[str] = []
        if not self.dry_run and self.config.train.formats:
            folder = self.config.resolve(self.config.train.report_dir)
            try:
                folder.mkdir(parents=True, exist_ok=True)
                for fmt in dict.fromkeys(self.config.train.formats):
                    if fmt == "md":
                        text = markdown
                    else:
                        from ._report_html import render_html

                        text = render_html(diff)
                    path = folder / f"skillevo-train-{self.report.run_id}.{fmt}"
                    _write_atomic(path, text)
                    _write_atomic(folder / f"latest.{fmt}", text)
                    files.append(str(path))
            except OSError as exc:
                raise ConfigError(f"train.report_dir: cannot write the report in {folder} ({exc})") from None
        self.report.report_files = files
        counts: dict[str, JsonValue] = {k: v for k, v in diff.counts().items() if v}
        counts["files"] = len(files)
        return StageResult(name="report", status="done", summary=counts)

    # ------------------------------------------------------------------ 8. policy

    def train_policy(self) -> StageResult:
        cfg = self.config.policy
        if not (cfg.enabled or self.policy):
            return StageResult(name="policy", status="skipped", summary={"why": "[policy] not enabled"})
        if self.dry_run:
            return StageResult(name="policy", status="skipped", summary={"why": "dry run"})
        if not cfg.model:
            raise ConfigError("policy.model: required to fine-tune the policy (set [policy].model in the config)")
        try:
            skillevo_trl = importlib.import_module("skillevo_trl")
        except ImportError:
            raise ConfigError(
                "policy: the GRPO fine-tune needs skillevo-trl, which is not installed: pip install skillevo-trl"
            ) from None
        train_policy = getattr(skillevo_trl, "train_policy", None)
        if not callable(train_policy):
            raise ConfigError("policy: this skillevo-trl has no train_policy(); upgrade skillevo-trl")
        output = self.config.resolve(cfg.output_dir)
        run_cfg = cfg.model_copy(update={"output_dir": str(output), "enabled": True})
        # A fine-tune can outlast the lock's staleness limit: keep the lock alive meanwhile.
        with _Heartbeat(self.lock):
            result = train_policy(run_cfg, self.store)
        if isinstance(result, BaseModel):
            summary = json.loads(result.model_dump_json())
        elif isinstance(result, dict):
            summary = json.loads(json.dumps(result, default=str))
        else:
            summary = {"result": str(result)}
        version = summary.get("policy_version") if isinstance(summary, dict) else None
        if not isinstance(version, str) or not version.strip():
            raise SkillevoError(
                "policy: skillevo_trl.train_policy returned no 'policy_version' (a non-empty string naming "
                f"the new policy); got {sorted(summary) if isinstance(summary, dict) else type(result).__name__}"
            )
        version = version.strip()
        previous = self._policy_version_now()
        summary["previous_policy_version"] = previous
        self.report.policy = summary
        if version != previous:
            self._announce = lambda: self._announce_policy(previous, version, summary.get("output_dir"))
        flat: dict[str, JsonValue] = {k: v for k, v in summary.items() if isinstance(v, str | int | float | bool)}
        flat["announced"] = version != previous
        return StageResult(name="policy", status="done", summary=flat)

    def _policy_version_now(self) -> str | None:
        """The policy version the library runs under: the last announced one, else None."""
        stored = self.store.get_meta(POLICY_VERSION_KEY)
        if stored:
            return stored
        changes = self.store.events(kind=EventKind.POLICY_CHANGE)
        last = changes[-1].data.get("to") if changes else None
        return last if isinstance(last, str) and last else None

    def _announce_policy(self, previous: str | None, version: str, output_dir: JsonValue) -> None:
        """What `Evolver.policy_version = version` does, for the library: reset every persisted
        posterior (old evidence was about the old policy), log POLICY_CHANGE, record the version."""
        from ._selection import ThompsonSelector

        cfg = self.config.selector
        selector = ThompsonSelector(discount=cfg.discount_spec(), seed=cfg.seed)
        selector.attach(self.store)
        selector.notify_change()
        self.store.log_events(
            [
                Event(
                    kind=EventKind.POLICY_CHANGE,
                    data={"from": previous, "to": version, "run": self.report.run_id, "actor": "train",
                          "output_dir": output_dir if isinstance(output_dir, str) else None},
                )
            ]
        )
        self.store.set_meta(POLICY_VERSION_KEY, version)

    # ------------------------------------------------------------------ end

    def finish(self) -> None:
        store = self.store
        self.report.finished_at = time.time()
        rows: list[JsonValue] = [
            [v.id, v.alpha, v.beta, v.observations] for s in store.skills() for v in s.versions
        ]
        with store.transaction():
            # The posteriors as this run leaves them: `skillevo diff --since-run` reads them back.
            (snapshot_id,) = store.log_events(
                [
                    Event(
                        kind=EventKind.TRAIN,
                        data={"run": self.report.run_id, "stage": "finish", "changed": self.report.changed,
                              "posteriors": rows},
                    )
                ]
            )
            runs = _load_json(store.get_meta(_RUNS_KEY))
            index = [r for r in runs if isinstance(r, dict)] if isinstance(runs, list) else []
            index.append(
                {
                    "run": self.report.run_id,
                    "started_at": self.report.started_at,
                    "finished_at": self.report.finished_at,
                    "end_event": snapshot_id,
                    "snapshot_event": snapshot_id,
                    "changed": self.report.changed,
                }
            )
            store.set_meta(_RUNS_KEY, json.dumps(index[-_RUNS_KEPT:]))
            store.set_meta(_STATE_KEY, "")


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def _load_json(raw: str | None) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _fold(
    e: Event,
    versions: dict[str, dict[str, float]],
    keys: dict[str, dict[str, float]],
    tools: dict[str, dict[str, float]],
) -> None:
    """Add one event to the per-version, per-key and per-tool aggregates."""
    if e.kind in (EventKind.GUIDANCE, EventKind.REPAIR) and e.version_id:
        v = versions.setdefault(e.version_id, {})
        v["applied"] = v.get("applied", 0) + 1
        v["last_applied"] = max(v.get("last_applied", 0.0), e.ts)
    elif e.kind == EventKind.CREDIT and e.version_id and isinstance(e.data.get("reward"), int | float):
        v = versions.setdefault(e.version_id, {})
        v["credited"] = v.get("credited", 0) + 1
        v["reward_sum"] = v.get("reward_sum", 0.0) + float(e.data["reward"])  # type: ignore[arg-type]
    elif e.kind == EventKind.SELECTION and isinstance(e.data.get("key"), str):
        k = keys.setdefault(str(e.data["key"]), {})
        k["selections"] = k.get("selections", 0) + 1
        k["last_selected"] = max(k.get("last_selected", 0.0), e.ts)
    elif e.kind in (EventKind.TOOL_CALL, EventKind.TOOL_ERROR) and e.tool:
        t = tools.setdefault(e.tool, {})
        name = "calls" if e.kind == EventKind.TOOL_CALL else "errors"
        t[name] = t.get(name, 0) + 1


def _last_selected(store: SkillStore) -> dict[str, float]:
    """When each skill last fired: the compacted aggregates, then the raw events after them."""
    agg = _load_json(store.get_meta(_AGGREGATES_KEY))
    out: dict[str, float] = {}
    if isinstance(agg, dict) and isinstance(agg.get("keys"), dict):
        for key, row in agg["keys"].items():
            if isinstance(row, dict) and isinstance(row.get("last_selected"), int | float):
                out[key] = float(row["last_selected"])
    after = int(store.get_meta(_COMPACTED_KEY) or 0)
    for e in store.events(kind=EventKind.SELECTION, after_id=after):
        key = e.data.get("key")
        if isinstance(key, str):
            out[key] = max(out.get(key, 0.0), e.ts)
    return out


def _activated_at(store: SkillStore, version: SkillVersion) -> float:
    """When `version` last changed status (its promotion), else when it was created."""
    changes = [e.ts for e in store.events(version_id=version.id) if e.kind in (EventKind.LIFECYCLE, EventKind.REVIEW)]
    return max(changes, default=version.created_at)


def off_policy_estimates(
    store: SkillStore, *, min_updates: int, min_logged: int = 5, min_propensity: float = 0.01
) -> list[OffPolicyEstimate]:
    """IPS and self-normalised IPS of candidates / versions under test with < `min_updates` online updates.

    The log: every stored episode's selections (`Episode.applied`, with the propensity of the chosen
    arm) and their outcomes (the episode reward for guidance, the call credits for repairs).
    Propensities are clipped to `min_propensity` so one unlikely choice cannot dominate.
    """
    targets: dict[str, list[SkillVersion]] = {}
    incumbents: dict[str, str] = {}
    earliest = math.inf
    for skill in store.skills():
        incumbents[skill.name] = (skill.active().id if skill.active() else NULL_ARM)  # type: ignore[union-attr]
        for v in skill.versions:
            if v.status in (VersionStatus.CANDIDATE, VersionStatus.TESTING) and v.alpha + v.beta - 2.0 < min_updates:
                targets.setdefault(skill.name, []).append(v)
                earliest = min(earliest, v.created_at)
    if not targets:
        return []
    # Only the part of the log that can concern these versions: since the oldest was created.
    credits: dict[tuple[str, str], list[float]] = {}
    first = last_event_id_at(store, earliest - 1.0)
    for e in store.events(kind=EventKind.CREDIT, after_id=first):
        key, r = e.data.get("key"), e.data.get("reward")
        if e.episode_id and isinstance(key, str) and key in targets and isinstance(r, int | float):
            credits.setdefault((e.episode_id, key), []).append(float(r))
    logs: dict[str, list[tuple[str, float, float]]] = {}
    for ep in store.episodes(since=earliest - 1.0):
        for a in ep.applied:
            if a.key not in targets:
                continue
            if a.kind == "guidance":
                if ep.reward is None:
                    continue
                r = float(ep.reward)
            else:
                outcomes = credits.get((ep.id, a.key))
                if not outcomes:
                    continue
                r = sum(outcomes) / len(outcomes)
            logs.setdefault(a.key, []).append((a.arm, max(a.propensity, min_propensity), r))
    out = []
    for key, versions in sorted(targets.items()):
        log = logs.get(key, [])
        base = incumbents[key]
        _, _, base_snips, _ = _ips(log, base)
        for v in versions:
            matched, ips, snips, ess = _ips(log, v.id)
            note = ""
            if not log:
                note = "no logged choices at this skill yet"
            elif matched == 0:
                note = "never chosen: no logged support"
            elif len(log) < min_logged:
                note = f"only {len(log)} logged choices (< {min_logged}): not reported"
                ips = snips = ess = None
            out.append(
                OffPolicyEstimate(
                    version_id=v.id,
                    key=key,
                    status=v.status.value,
                    online_updates=v.alpha + v.beta - 2.0,
                    logged=len(log),
                    matched=matched,
                    ips=ips,
                    snips=snips,
                    ess=ess,
                    baseline_arm=base,
                    baseline_snips=base_snips if len(log) >= min_logged else None,
                    note=note,
                )
            )
    return out


def _ips(log: Sequence[tuple[str, float, float]], arm: str) -> tuple[int, float | None, float | None, float | None]:
    """(matched, IPS, SNIPS, effective sample size) of always choosing `arm`."""
    weights = [(1.0 / p, r) for a, p, r in log if a == arm]
    if not log or not weights:
        return 0, None, None, None
    sw = sum(w for w, _ in weights)
    swr = sum(w * r for w, r in weights)
    sw2 = sum(w * w for w, _ in weights)
    return len(weights), swr / len(log), swr / sw, sw * sw / sw2


# --------------------------------------------------------------------------- entry point


def _memory_copy(store: SkillStore) -> SkillStore:
    """A private in-memory copy of `store` for a dry run (the original is only read)."""
    from ._library import SkillLibrary

    if not isinstance(store, SkillLibrary):
        raise ConfigError("--dry-run needs a SkillLibrary (it copies the library into memory)")
    copy = SkillLibrary(":memory:")
    try:
        copy.load(store.dump())
    except BaseException:
        copy.close()
        raise
    return copy


def run_train(
    config: SkillevoConfig,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    policy: bool = False,
    store: SkillStore | None = None,
) -> TrainReport:
    """Run the nightly job once (see the module docs for the stages).

    Idempotent: a second run over the same library changes no skill. Resumable: a run that was
    killed leaves its progress in the library and the next run finishes it (same run id).

    Args:
        config: the validated configuration (`load_config`).
        dry_run: compute everything on a private in-memory copy: the library and the report folder
            are not written; the report text is in ``TrainReport.report_markdown``.
        progress: called as ``progress(stage, done, total)`` while the run advances.
        policy: run the GRPO fine-tune even if ``[policy].enabled`` is false.
        store: an open library to use instead of ``[library].db``.

    Raises:
        TrainLockedError: another run holds the lock.
        ConfigError: the configuration cannot be carried out (a miner import, the report folder).
    """
    from ._library import SkillLibrary

    own = store is None
    lib: SkillStore = SkillLibrary(config.db_location()) if store is None else store
    label = lib.location
    try:
        if dry_run:
            holder = lock_holder(lib)
            work = _memory_copy(lib)
            try:
                run = _Run(work, config, dry_run=True, progress=progress, policy=policy, lock=None, db_label=label)
                if holder is not None:
                    run.report.stages.append(
                        StageResult(name="lock", status="skipped", summary={"held_by": describe_holder(holder)})
                    )
                return run.execute()
            finally:
                work.close()
        lock = _Lock(lib, config.train.lock_stale_after_s)
        state = _load_json(lib.get_meta(_STATE_KEY))
        run_id = state.get("run") if isinstance(state, dict) and isinstance(state.get("run"), str) else "new"
        lock.acquire(str(run_id))
        try:
            run = _Run(lib, config, dry_run=False, progress=progress, policy=policy, lock=lock, db_label=label)
            lock.run = run.report.run_id
            return run.execute()
        finally:
            lock.release()
    finally:
        if own:
            lib.close()
