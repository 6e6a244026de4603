"""The stages of a `skillevo train` run, mine to report (the policy stage is in `_train_policy`).

Each takes the run (its store, config, report and event horizon) and returns what it did; the run
commits the result with the stage's writes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from pydantic import JsonValue

from ._actors import TRAIN
from ._admission import candidate_problem
from ._config import import_callable
from ._diff import last_event_id_at, library_diff, render_markdown
from ._errors import ConfigError, LibraryError
from ._export_fs import ExportFolder
from ._models import Event, EventKind, SkillVersion, VersionStatus
from ._ope import off_policy_estimates
from ._store import SkillStore
from ._train_gaps import Gaps
from ._train_report import StageResult
from ._train_state import AGGREGATES_KEY, COMPACTED_KEY, MINED_KEY, RUNS_KEY, STATE_KEY, load_json
from ._usage import count_usage

if TYPE_CHECKING:
    from ._train import Run

__all__ = ["check", "compact", "estimate", "lifecycle", "mine", "prune", "write_report"]

_LIFECYCLE_CHUNK = 200


# ------------------------------------------------------------------------- 1. mine


def _miners(run: Run) -> list[Any]:
    from ._mining import RuleMiner

    cfg = run.config.miner
    miners: list[Any] = []
    if cfg.rule:
        miners.append(RuleMiner(max_pairs=cfg.max_pairs, retry_attempts=cfg.retry_attempts))
    if cfg.llm:
        from ._llm_miner import LLMMiner

        # Named with its file, as every other mistake in it: the job runs from cron, far from the file.
        where = f"{PurePath(run.config.path).name}: " if run.config.path else ""
        complete = import_callable(cfg.llm, what=f"{where}miner.llm")
        miners.append(
            LLMMiner(complete, max_calls=cfg.llm_budget, max_failures_per_episode=cfg.llm_failures_per_episode)
        )
    return miners


def mine(run: Run) -> StageResult:
    store = run.store
    miners = _miners(run)
    start = int(store.get_meta(MINED_KEY) or 0)
    # Ids earlier runs passed before they were visible: what committed there since is mined first.
    gaps = Gaps(store)
    chunk: list[list[Event]] = gaps.late_failures()
    current: list[Event] = []
    scanned = 0
    last_id = start
    total = max(0, run.upto - start)

    def flush(upto_id: int) -> None:
        with store.transaction():
            if run.lock is not None:
                # First, in the chunk's transaction: a run that lost its lock (silent past its
                # staleness, taken over) stops before mining what the new holder mines (before
                # 2026-12-07 it checked after its commit: the chunk was mined by both). On
                # PostgreSQL the guard row stays locked to the commit: a taker-over waits for it.
                run.lock.heartbeat()
            for events in chunk:
                _mine_episode(run, events, miners)
            store.set_meta(MINED_KEY, str(upto_id))
            gaps.save()
            run.report.events_scanned = scanned
            store.set_meta(STATE_KEY, run.state_json())
        run.tick("mine", upto_id - start, total)
        chunk.clear()

    if run.upto > start:
        for event in store.iter_events(after_id=start):
            if (event.id or 0) > run.upto:
                break
            gaps.passed(last_id, event.id or 0)
            scanned += 1
            if current and event.episode_id != current[0].episode_id:
                if any(e.kind == EventKind.TOOL_ERROR for e in current):
                    chunk.append(current)
                current = []
                if len(chunk) >= run.config.train.chunk_episodes:
                    flush(last_id)
            if event.episode_id is not None:
                current.append(event)
            last_id = event.id or last_id
        if any(e.kind == EventKind.TOOL_ERROR for e in current):
            chunk.append(current)
        gaps.passed(last_id, run.upto + 1)
        flush(max(last_id, run.upto))
    elif chunk or gaps.changed:
        flush(start)
    return StageResult(
        name="mine",
        status="done",
        summary={
            "events": scanned,
            "episodes_with_failures": run.report.episodes_mined,
            "created": len(run.report.created),
            "known": run.report.proposals_known,
            "rejected": len(run.report.proposals_rejected),
        },
    )


def _mine_episode(run: Run, events: list[Event], miners: Sequence[Any]) -> None:
    from ._admission import admit

    run.report.episodes_mined += 1
    episode_id = events[0].episode_id
    log: list[Event] = []
    for miner in miners:
        admission = admit(
            miner.mine(events, run.store),
            run.store,
            miner=miner.name,
            episode_id=episode_id,
            policy=run.config.miner.admission(),
            record_known=False,
            data={"run": run.report.run_id},
        )
        # The online loop (or an earlier chunk) already stored the known ones: nothing to record.
        run.report.proposals_known += len(admission.known)
        run.report.proposals_rejected.extend(f"{name}: {reason}" for name, reason in admission.rejected)
        run.report.created.extend(a.version_id for a in admission.admitted)
        log.extend(admission.events)
    if log:
        run.store.log_events(log)


# ------------------------------------------------------------------------- 2. check


def check(run: Run) -> StageResult:
    store = run.store
    checked = 0
    with store.transaction():
        for skill in store.skills():
            if any(v.status is VersionStatus.TESTING for v in skill.versions):
                continue
            for v in skill.versions:
                if v.status is not VersionStatus.CANDIDATE:
                    continue
                checked += 1
                problem = candidate_problem(skill, v, store, run.config.miner.admission())
                if problem:
                    store.set_status(
                        v.id,
                        VersionStatus.REJECTED,
                        reason=f"failed the nightly checks: {problem}",
                        actor=TRAIN,
                        data={"run": run.report.run_id},
                    )
                    run.report.check_rejected.append(v.id)
    return StageResult(
        name="check", status="done", summary={"checked": checked, "rejected": len(run.report.check_rejected)}
    )


# ------------------------------------------------------------------------- 3. estimate


def estimate(run: Run) -> StageResult:
    run.report.estimates = off_policy_estimates(
        run.store,
        min_updates=run.config.lifecycle.min_updates,
        min_logged=run.config.train.ope_min_logged,
        min_propensity=run.config.train.ope_min_propensity,
    )
    supported = sum(1 for e in run.report.estimates if e.snips is not None)
    return StageResult(
        name="estimate", status="done", summary={"versions": len(run.report.estimates), "with_support": supported}
    )


# ------------------------------------------------------------------------- 4. lifecycle


def lifecycle(run: Run) -> StageResult:
    from ._lifecycle import Lifecycle
    from ._selection import ThompsonSelector

    cfg = run.config
    selector = ThompsonSelector(discount=cfg.selector.discount_spec(), seed=cfg.selector.seed)
    selector.attach(run.store)
    life = Lifecycle(run.store, selector, cfg.lifecycle.thresholds(), review=cfg.lifecycle.review)
    names = [s.name for s in run.store.skills()]
    before = len(run.report.transitions)
    for i in range(0, len(names), _LIFECYCLE_CHUNK):
        # A chunk of decisions commits at once: a killed run re-evaluates the chunk from scratch.
        with run.store.transaction():
            for name in names[i : i + _LIFECYCLE_CHUNK]:
                run.report.transitions.extend(life.evaluate(name))
        run.tick("lifecycle", min(i + _LIFECYCLE_CHUNK, len(names)), len(names))
        if run.lock is not None:
            run.lock.heartbeat()
    made = run.report.transitions[before:]
    tally: dict[str, int] = {}
    for t in made:
        key = t.to_status.value if t.to_status else "pending review"
        tally[key] = tally.get(key, 0) + 1
    counts: dict[str, JsonValue] = {"skills": len(names), **tally}
    return StageResult(name="lifecycle", status="done", summary=counts)


# ------------------------------------------------------------------------- 5. prune


def prune(run: Run) -> StageResult:
    store = run.store
    cfg = run.config.train
    now = _library_now(store, run.now)
    cutoff = now - cfg.stale_after_days * 86400.0
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
            days = (now - seen) / 86400.0
            store.set_status(
                active.id,
                VersionStatus.RETIRED,
                reason=f"pruned: its skill has not fired for {days:.1f} days while at least "
                f"{cfg.stale_min_episodes} episodes ran",
                actor=TRAIN,
                data={"pruned": True, "run": run.report.run_id},
            )
            pruned.append(active.id)
    run.report.pruned = pruned
    return StageResult(name="prune", status="done", summary={"pruned": len(pruned)})


# ------------------------------------------------------------------------- 6. compact


def compact(run: Run) -> StageResult:
    store = run.store
    start = int(store.get_meta(COMPACTED_KEY) or 0)
    horizon = run.now - run.config.train.compact_after_days * 86400.0
    upto = min(last_event_id_at(store, horizon), run.upto)
    agg = load_json(store.get_meta(AGGREGATES_KEY))
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
        store.set_meta(AGGREGATES_KEY, json.dumps(aggregates, separators=(",", ":"), sort_keys=True))
        store.set_meta(COMPACTED_KEY, str(max(last, start)))
    run.report.compacted_events = folded
    return StageResult(name="compact", status="done", summary={"events": folded, "upto": max(last, start)})


# ------------------------------------------------------------------------- 7. report


def _previous_run(run: Run) -> str | None:
    runs = load_json(run.store.get_meta(RUNS_KEY))
    if isinstance(runs, list) and runs and isinstance(runs[-1], dict):
        last = runs[-1].get("run")
        return last if isinstance(last, str) else None
    return None


def write_report(run: Run) -> StageResult:
    previous = _previous_run(run)
    diff = library_diff(None, run.store, since_run=previous, new_label=run.report.db)
    diff.title = f"skillevo train {run.report.run_id}: skill library changes"
    diff.extra = run.report.sections()
    markdown = render_markdown(diff)
    run.report.report_markdown = markdown
    files: list[str] = []
    if not run.dry_run and run.config.train.formats:
        folder = run.config.resolve(run.config.train.report_dir)
        try:
            # The report folder may be shared or published: `ExportFolder` replaces an entry
            # planted under a report's name (a link, a hard link), never writes through it.
            out = ExportFolder.root(folder)
        except LibraryError as exc:
            raise ConfigError(f"train.report_dir: {exc}") from None
        try:
            for fmt in dict.fromkeys(run.config.train.formats):
                if fmt == "md":
                    text = markdown
                else:
                    from ._report_html import render_html

                    text = render_html(diff)
                path = folder / f"skillevo-train-{run.report.run_id}.{fmt}"
                out.write(path.name, text)
                out.write(f"latest.{fmt}", text)
                files.append(str(path))
        except LibraryError as exc:
            raise ConfigError(f"train.report_dir: {exc}") from None
        finally:
            out.close()
    run.report.report_files = files
    counts: dict[str, JsonValue] = {k: v for k, v in diff.counts().items() if v}
    counts["files"] = len(files)
    return StageResult(name="report", status="done", summary=counts)


def _fold(
    e: Event,
    versions: dict[str, dict[str, float]],
    keys: dict[str, dict[str, float]],
    tools: dict[str, dict[str, float]],
) -> None:
    """Add one event to the per-version, per-key and per-tool aggregates."""
    if count_usage(e, versions):
        return
    if e.kind == EventKind.SELECTION and isinstance(e.data.get("key"), str):
        k = keys.setdefault(str(e.data["key"]), {})
        k["selections"] = k.get("selections", 0) + 1
        k["last_selected"] = max(k.get("last_selected", 0.0), e.ts)
    elif e.kind in (EventKind.TOOL_CALL, EventKind.TOOL_ERROR) and e.tool:
        t = tools.setdefault(e.tool, {})
        name = "calls" if e.kind == EventKind.TOOL_CALL else "errors"
        t[name] = t.get(name, 0) + 1


def _last_selected(store: SkillStore) -> dict[str, float]:
    """When each skill last fired: the compacted aggregates, then the raw events after them."""
    agg = load_json(store.get_meta(AGGREGATES_KEY))
    out: dict[str, float] = {}
    if isinstance(agg, dict) and isinstance(agg.get("keys"), dict):
        for key, row in agg["keys"].items():
            if isinstance(row, dict) and isinstance(row.get("last_selected"), int | float):
                out[key] = float(row["last_selected"])
    after = int(store.get_meta(COMPACTED_KEY) or 0)
    for e in store.events(kind=EventKind.SELECTION, after_id=after):
        key = e.data.get("key")
        if isinstance(key, str):
            out[key] = max(out.get(key, 0.0), e.ts)
    return out


#: what agents' runs record (the train job and the lifecycle write the others, on the train host's clock)
_RUN_KINDS = (EventKind.TOOL_CALL, EventKind.TOOL_RESULT, EventKind.TOOL_ERROR, EventKind.SELECTION,
              EventKind.GUIDANCE, EventKind.REPAIR, EventKind.CREDIT, EventKind.FEEDBACK, EventKind.SHADOW)


def _library_now(store: SkillStore, now: float) -> float:
    """The train host's clock, counted no further than the newest event the agents' runs recorded:
    staleness is time the library saw pass. A clock stepped forward (a VM resumed with a wrong
    clock, an NTP step) made every skill in use look unused for as long as the step."""
    newest = [e.ts for kind in _RUN_KINDS for e in store.newest_events(kind=kind, limit=1)]
    return min(now, max(newest)) if newest else now


def _activated_at(store: SkillStore, version: SkillVersion) -> float:
    """When `version` last changed status (its promotion), else when it was created."""
    changes = [e.ts for e in store.events(version_id=version.id) if e.kind in (EventKind.LIFECYCLE, EventKind.REVIEW)]
    return max(changes, default=version.created_at)
