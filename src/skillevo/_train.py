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

Two runs never overlap (`_train_lock`). The run is here; the stages are in `_train_stages` and
`_train_policy`, the report model in `_train_report`, the estimates in `_ope`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from pydantic import JsonValue

from . import _train_stages as stages
from ._config import SkillevoConfig
from ._diff import last_event_id_at
from ._errors import ConfigError
from ._models import Event, EventKind, new_id
from ._ope import OffPolicyEstimate, off_policy_estimates
from ._policy_change import POLICY_VERSION_KEY
from ._redaction import mask_url
from ._store import SkillStore
from ._train_lock import LOCK_KEY, Lock, TrainLockedError, describe_holder, lock_holder
from ._train_policy import train_policy
from ._train_report import StageResult, TrainReport
from ._train_state import MINED_KEY, RUNS_KEY, STATE_KEY, load_json

__all__ = [
    "LOCK_KEY",
    "POLICY_VERSION_KEY",
    "STAGES",
    "STAGE_NOTE",
    "OffPolicyEstimate",
    "StageResult",
    "TrainLockedError",
    "TrainReport",
    "describe_holder",
    "lock_holder",
    "off_policy_estimates",
    "run_train",
]

#: The stages of a run, in order.
STAGES: tuple[str, ...] = ("mine", "check", "estimate", "lifecycle", "prune", "compact", "report", "policy")

#: Prefix of the note a stage's exception carries: ``"skillevo train stage: lifecycle"``.
STAGE_NOTE = "skillevo train stage: "
_RUNS_KEPT = 1000

Progress = Callable[[str, int, int | None], None]


# --------------------------------------------------------------------------- the run


class Run:
    """One run: its store, configuration, report and progress; runs the stages in order and commits each."""

    def __init__(
        self,
        store: SkillStore,
        config: SkillevoConfig,
        *,
        dry_run: bool,
        progress: Progress | None,
        policy: bool,
        lock: Lock | None,
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
        self.announce: Callable[[], None] | None = None
        state = load_json(store.get_meta(STATE_KEY))
        if isinstance(state, dict) and isinstance(state.get("report"), dict) and not dry_run:
            self.report = TrainReport.model_validate(state["report"])
            self.report.resumed = True
            self.done: list[str] = [s for s in state.get("done", []) if isinstance(s, str)]
            self.upto = int(state.get("upto", 0))
        else:
            self.report = TrainReport(run_id=new_id()[:12], db=mask_url(db_label), dry_run=dry_run, started_at=self.now)
            self.done = []
            mined = int(store.get_meta(MINED_KEY) or 0)
            horizon = self.now - config.train.settle_s
            self.upto = last_event_id_at(store, horizon)
            self.report.events_from = mined
            self.report.events_to = max(self.upto, mined)

    # ------------------------------------------------------------------ bookkeeping

    def tick(self, stage: str, done: int, total: int | None) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)

    def state_json(self) -> str:
        """The run state to store: a killed run resumes from it."""
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
            self.store.set_meta(STATE_KEY, self.state_json())
        if self.lock is not None:
            self.lock.heartbeat()

    def execute(self) -> TrainReport:
        steps: dict[str, Callable[[Run], StageResult]] = {
            "mine": stages.mine,
            "check": stages.check,
            "estimate": stages.estimate,
            "lifecycle": stages.lifecycle,
            "prune": stages.prune,
            "compact": stages.compact,
            "report": stages.write_report,
            "policy": train_policy,
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
                result = steps[name](self)
            except BaseException as exc:  # Ctrl-C too: the CLI names the stage it stopped in
                exc.add_note(f"{STAGE_NOTE}{name}")  # the CLI names the stage in its one-line error
                raise
            result.seconds = time.perf_counter() - t0
            announce, self.announce = self.announce, None
            self.commit_stage(result, also=announce)
            self.tick(name, 1, 1)
        self.finish()
        return self.report


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
            runs = load_json(store.get_meta(RUNS_KEY))
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
            store.set_meta(RUNS_KEY, json.dumps(index[-_RUNS_KEPT:]))
            store.set_meta(STATE_KEY, "")



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


def _record_review(store: SkillStore, config: SkillevoConfig) -> None:
    """A run told ``[lifecycle] review = "canary"`` or ``"required"`` records that on the library, as
    an `Evolver` running it does (a stricter mark only; a weaker mode is refused, one `ConfigError`):
    the report, `skillevo diff` and processes started later without a mode then gate as the job does.
    Before 2026-12-07 the job decided under ``required`` and left the library marked ``auto``."""
    from ._review_gate import mark_gated
    from ._review_mode import raise_review, resolve_review, resolve_share

    section = config.lifecycle
    if section.review is None:
        return  # no review line: the run follows the library's mark and changes nothing of it
    mode = resolve_review(store, section.review, "[lifecycle] review")
    if mode != "auto":
        mark_gated(store)  # (once: the versions active now stay live, as when an Evolver gates it)
        raise_review(store, mode, resolve_share(store, mode, section.canary_share, "[lifecycle] canary_share"))


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

    if not isinstance(config, SkillevoConfig):
        raise ConfigError(f"run_train: expected a SkillevoConfig, load_config(path) (got {type(config).__name__})")
    if store is not None and not isinstance(store, SkillStore):
        raise ConfigError(f"run_train: store: expected an open SkillLibrary (got {type(store).__name__})")
    own = store is None
    lib: SkillStore = SkillLibrary(config.db_location()) if store is None else store
    label = lib.location
    try:
        if dry_run:
            holder = lock_holder(lib)
            work = _memory_copy(lib)
            try:
                _record_review(work, config)
                run = Run(work, config, dry_run=True, progress=progress, policy=policy, lock=None, db_label=label)
                if holder is not None:
                    run.report.stages.append(
                        StageResult(name="lock", status="skipped", summary={"held_by": describe_holder(holder)})
                    )
                return run.execute()
            finally:
                work.close()
        lock = Lock(lib, config.train.lock_stale_after_s)
        state = load_json(lib.get_meta(STATE_KEY))
        run_id = state.get("run") if isinstance(state, dict) and isinstance(state.get("run"), str) else "new"
        lock.acquire(str(run_id))
        try:
            _record_review(lib, config)
            run = Run(lib, config, dry_run=False, progress=progress, policy=policy, lock=lock, db_label=label)
            lock.run = run.report.run_id
            return run.execute()
        finally:
            lock.release()
    finally:
        if own:
            lib.close()
