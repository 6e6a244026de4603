"""`skillevo train`: a library filled by a scripted run, then the nightly job over it.

The scripted world (seeded): three kinds of task run through a real `Evolver` whose own lifecycle
is switched off (thresholds out of reach), so every decision is left to the nightly job:

* flight bookings: the agent writes dates as DD/MM/YYYY unless the guidance under test
  (``iso-dates-hint``) tells it otherwise; a rejected call is corrected on a second turn, so the
  log holds correction pairs for the miner; reward 1 when the first call worked;
* summaries: the active ``verbose-summaries`` guidance makes them worse (it should be retired);
* greetings: ``greeting-style@2`` (under test) is worse than the active ``@1`` (should be rejected);
* ``legacy-export`` is active on a tool nobody calls any more (should be pruned).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from skillevo import (
    NULL_ARM,
    Applied,
    ConfigError,
    Episode,
    Event,
    EventKind,
    Evolver,
    SkillevoError,
    SkillLibrary,
    Strategy,
    TrainLockedError,
    Trigger,
    TriggerKind,
    VersionStatus,
    run_train,
)
from skillevo._config import SkillevoConfig, config_from_dict
from skillevo._lifecycle import LifecycleConfig
from skillevo._ope import _ips
from skillevo._train import LOCK_KEY, lock_holder, off_policy_estimates
from skillevo.cli import main as cli_main

ONLINE = LifecycleConfig(min_updates=10**6, min_episodes=10**6, retire_min_obs=10**6, max_test_updates=10**6)


def _book_flight(args: dict[str, Any]) -> dict[str, str]:
    date = str(args.get("date", ""))
    if len(date) != 10 or date[4] != "-" or date[7] != "-":
        raise ValueError(f"invalid date {date!r}: expected format YYYY-MM-DD")
    return {"status": "booked", "date": date}


def fill(path: Path, rounds: int = 60, seed: int = 0) -> None:
    """The scripted run described in the module docstring."""
    rng = np.random.default_rng(seed)
    with SkillLibrary(path) as lib:
        lib.add_skill(
            "iso-dates-hint",
            Trigger(kind=TriggerKind.TASK_START, task_pattern="flight"),
            Strategy(guidance="Write every date as YYYY-MM-DD (ISO 8601)."),
            status=VersionStatus.TESTING,
            description="Dates for the booking tools",
        )
        lib.add_skill(
            "verbose-summaries",
            Trigger(kind=TriggerKind.TASK_START, task_pattern="summar"),
            Strategy(guidance="Always write very long summaries with every detail."),
            status=VersionStatus.ACTIVE,
        )
        lib.add_skill(
            "greeting-style",
            Trigger(kind=TriggerKind.TASK_START, task_pattern="greet"),
            Strategy(guidance="Greet the user by name."),
            status=VersionStatus.ACTIVE,
        )
        lib.add_version(
            "greeting-style",
            Strategy(guidance="Greet the user in capital letters."),
            parent="greeting-style@1",
            status=VersionStatus.TESTING,
        )
        lib.add_skill(
            "legacy-export",
            Trigger(kind=TriggerKind.BEFORE_TOOL, tool="legacy_export"),
            Strategy(guidance="Call legacy_export with format=csv."),
            status=VersionStatus.ACTIVE,
        )
        evo = Evolver(lib, miner=None, seed=seed, lifecycle=ONLINE)
        for i in range(rounds):
            day = f"{i % 28 + 1:02d}"
            with evo.episode(task=f"book a flight #{i}") as ep:
                iso = "YYYY-MM-DD" in ep.guidance(tools=["book_flight"]) and rng.random() < 0.9
                args = ep.before_tool("book_flight", {"date": f"2026-11-{day}" if iso else f"{day}/11/2026"})
                try:
                    ep.on_tool_result("book_flight", args, _book_flight(args))
                    first_try = True
                except ValueError as exc:
                    ep.on_tool_error("book_flight", args, exc)
                    fixed = ep.before_tool("book_flight", {"date": f"2026-11-{day}"})
                    ep.on_tool_result("book_flight", fixed, _book_flight(fixed))
                    first_try = False
                ep.finish(1.0 if first_try else 0.0)
            with evo.episode(task=f"summarize report #{i}") as ep:
                p = 0.15 if "long summaries" in ep.guidance() else 0.8
                ep.finish(float(rng.random() < p))
            with evo.episode(task=f"greet customer #{i}") as ep:
                text = ep.guidance()
                p = 0.1 if "capital" in text else 0.85 if "by name" in text else 0.5
                ep.finish(float(rng.random() < p))


def train_config(db: Path, **train: Any) -> SkillevoConfig:
    return config_from_dict(
        {
            "library": {"db": str(db)},
            "lifecycle": {"min_updates": 3, "min_episodes": 3, "retire_min_obs": 5},
            "train": {
                "stale_after_days": 0,
                "stale_min_episodes": 50,
                "settle_s": 0,
                "report_dir": str(db.parent / "reports"),
                **train,
            },
        }
    )


@pytest.fixture(scope="module")
def scripted_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("world") / "scripted.db"
    fill(path)
    return path


@pytest.fixture
def db(scripted_db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "lib.db"
    shutil.copy(scripted_db, copy)
    return copy


@pytest.fixture(scope="module")
def reference(scripted_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The state an uninterrupted run (mining in chunks of 3 episodes) leaves."""
    path = tmp_path_factory.mktemp("reference") / "lib.db"
    shutil.copy(scripted_db, path)
    run_train(train_config(path, chunk_episodes=3))
    return state(path)


def state(path: Path) -> dict[str, Any]:
    """Everything a run decides: versions with status and content, posteriors, watermarks."""
    with SkillLibrary(path) as lib:
        versions = {
            v.id: (v.status.value, v.strategy.model_dump_json(), v.origin.miner, tuple(v.origin.evidence))
            for s in lib.skills()
            for v in s.versions
        }
        posteriors = {(p.key, p.arm): (round(p.alpha, 9), round(p.beta, 9)) for p in lib.posteriors()}
        transitions = sorted(
            (e.version_id or "", str(e.data.get("from")), str(e.data.get("to")))
            for kind in (EventKind.LIFECYCLE, EventKind.REVIEW)
            for e in lib.events(kind=kind)
        )
        meta = {k: lib.get_meta(k) for k in ("train.mined_upto", "train.compacted_upto", "train.state")}
    return {"versions": versions, "posteriors": posteriors, "transitions": transitions, "meta": meta}


def statuses(path: Path) -> dict[str, str]:
    with SkillLibrary(path) as lib:
        return {v.id: v.status.value for s in lib.skills() for v in s.versions}


# --------------------------------------------------------------------------- the nightly job


def test_train_creates_promotes_retires_and_prunes_what_it_should(db: Path) -> None:
    before = statuses(db)
    assert before == {
        "greeting-style@1": "active",
        "greeting-style@2": "testing",
        "iso-dates-hint@1": "testing",
        "legacy-export@1": "active",
        "verbose-summaries@1": "active",
    }
    report = run_train(train_config(db))
    after = statuses(db)
    # created from the logged corrections: one repair skill, its test started
    mined = [v for v in after if v not in before]
    assert mined == ["book-flight-format-date@1"] and report.created == mined
    assert after["book-flight-format-date@1"] == "testing"
    assert after["iso-dates-hint@1"] == "active"  # won against doing nothing
    assert after["greeting-style@2"] == "rejected" and after["greeting-style@1"] == "active"
    assert after["verbose-summaries@1"] == "retired"  # no longer beats doing nothing
    assert after["legacy-export@1"] == "retired" and report.pruned == ["legacy-export@1"]
    with SkillLibrary(db) as lib:
        version = lib.version("book-flight-format-date@1")
        assert version.origin.miner == "rule"
        assert version.strategy.repair is not None
        assert version.strategy.repair.ops[0].op == "reformat_date"
        evidence = {e.id: e for e in lib.events(kind=EventKind.TOOL_ERROR)}
        assert version.origin.evidence and set(version.origin.evidence) & set(evidence)
        pruned = lib.events(kind=EventKind.LIFECYCLE, version_id="legacy-export@1")[-1]
        assert pruned.data["pruned"] is True and pruned.data["actor"] == "train"
        stages = [e.data["stage"] for e in lib.events(kind=EventKind.TRAIN)]
        assert stages == [*("mine", "check", "estimate", "lifecycle", "prune", "compact", "report", "policy"),
                          "finish"]
        assert lib.get_meta(LOCK_KEY) == ""  # released
    md = Path(report.report_files[0]).read_text()
    html = Path(report.report_files[1]).read_text()
    for text in (md, html):
        assert "book-flight-format-date@1" in text and "legacy-export@1" in text
    assert report.changed


def test_a_second_run_changes_nothing(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = run_train(train_config(db))
    s1 = state(db)
    second = run_train(train_config(db))
    s2 = state(db)
    assert first.changed and not second.changed
    assert s1["versions"] == s2["versions"] and s1["transitions"] == s2["transitions"]
    assert s1["posteriors"] == s2["posteriors"]
    assert second.created == [] and second.transitions == [] and second.pruned == []
    # and a third, as cron runs it: the command, through a config file
    config = _write_config(db.parent / "skillevo.toml", db)
    capsys.readouterr()
    assert cli_main(["train", "--config", str(config), "--quiet"]) == 0
    assert "no skill changed" in capsys.readouterr().out
    s3 = state(db)
    assert s3["versions"] == s1["versions"] and s3["transitions"] == s1["transitions"]
    assert s3["posteriors"] == s1["posteriors"]


_KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from skillevo import run_train
    from skillevo._config import load_config
    from skillevo._sqlite import SQLiteLibrary

    config, stage, how = sys.argv[1], sys.argv[2], sys.argv[3]
    current = []

    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    def progress(name, done, total):
        current[:] = [name]
        if how == "boundary" and name == stage and done == 0:
            die()  # the stage is about to start: everything before it has committed

    def trap(method, nth, when):
        # SIGKILL inside the nth call of `method` during `stage`: mid-stage, inside an open transaction.
        original = getattr(SQLiteLibrary, method)
        seen = []

        def wrapper(self, *args, **kwargs):
            if current == [stage] and when(*args):
                seen.append(1)
                if len(seen) == nth:
                    assert self._local.depth > 0, "not inside a transaction"
                    die()
            return original(self, *args, **kwargs)

        setattr(SQLiteLibrary, method, wrapper)

    if how == "mid-chunk":  # inside the third mining chunk's transaction, as its watermark is written
        trap("set_meta", 3, lambda key, value: key == "train.mined_upto")
    elif how == "mid-decisions":  # the second status change of the lifecycle stage's chunk
        trap("set_status", 2, lambda *args: True)
    run_train(load_config(config), progress=progress)
    """
)


def _write_config(path: Path, db: Path, **train: Any) -> Path:
    lines = [
        "[library]",
        f'db = "{db.name}"',
        "[lifecycle]",
        "min_updates = 3",
        "min_episodes = 3",
        "retire_min_obs = 5",
        "[train]",
        "stale_after_days = 0",
        "stale_min_episodes = 50",
        "settle_s = 0",
        'report_dir = "reports"',
    ]
    lines += [f"{k} = {json.dumps(v)}" for k, v in train.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize(
    ("stage", "how"),
    [("lifecycle", "boundary"), ("report", "boundary"), ("mine", "mid-chunk"), ("lifecycle", "mid-decisions")],
)
def test_a_killed_run_restarts_cleanly_and_ends_in_the_same_state(
    scripted_db: Path, tmp_path: Path, reference: dict[str, Any], stage: str, how: str
) -> None:
    b = tmp_path / "lib.db"
    shutil.copy(scripted_db, b)
    config = _write_config(tmp_path / "skillevo.toml", b, chunk_episodes=3)
    killed = subprocess.run(
        [sys.executable, "-c", _KILLER, str(config), stage, how], capture_output=True, text=True, timeout=180
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    with SkillLibrary(b) as lib:
        holder = lock_holder(lib)  # the dead run still "holds" the lock ...
        assert holder is not None and holder["host"] == socket.gethostname()
        unfinished = json.loads(lib.get_meta("train.state") or "{}")
        assert stage not in unfinished["done"]
        assert how == "mid-chunk" or "mine" in unfinished["done"]
        if how == "mid-chunk":  # killed between committed chunks: part of the log is mined, not all
            assert 0 < int(lib.get_meta("train.mined_upto") or 0) < int(unfinished["upto"])
    # ... which the restart recognises as stale (its pid is gone) and takes over.
    assert cli_main(["train", "--config", str(config), "--quiet"]) == 0
    sa, sb = reference, state(b)
    assert sb["versions"] == sa["versions"]
    assert sb["posteriors"] == sa["posteriors"]
    assert sb["transitions"] == sa["transitions"]
    assert sb["meta"]["train.mined_upto"] == sa["meta"]["train.mined_upto"]
    with SkillLibrary(b) as lib:
        runs = json.loads(lib.get_meta("train.runs") or "[]")
        assert len(runs) == 1 and runs[0]["run"] == unfinished["run"]  # the same run, finished
        assert lib.get_meta("train.state") == ""
        assert lib.get_meta(LOCK_KEY) == ""


def test_an_exception_in_the_middle_of_mining_loses_nothing(
    scripted_db: Path, tmp_path: Path, reference: dict[str, Any]
) -> None:
    b = tmp_path / "lib.db"
    shutil.copy(scripted_db, b)
    ticks = []

    def boom(stage: str, done: int, total: int | None) -> None:
        if stage == "mine" and done > 0:
            ticks.append(done)
            if len(ticks) == 2:
                raise RuntimeError("injected failure between two committed chunks")

    with pytest.raises(RuntimeError, match="injected"):
        run_train(train_config(b, chunk_episodes=3), progress=boom)
    with SkillLibrary(b) as lib:
        assert 0 < int(lib.get_meta("train.mined_upto") or 0) < int(json.loads(lib.get_meta("train.state") or "{}")
                                                                     ["upto"])
        assert lib.get_meta(LOCK_KEY) == ""  # an exception releases the lock
    resumed = run_train(train_config(b, chunk_episodes=3))
    assert resumed.resumed
    after = state(b)
    assert after["versions"] == reference["versions"] and after["transitions"] == reference["transitions"]
    assert after["posteriors"] == reference["posteriors"]


def test_two_runs_never_overlap(db: Path) -> None:
    now = time.time()
    with SkillLibrary(db) as lib:
        # A live holder: this very process, on this host, heard from just now.
        live = {"token": "x" * 32, "pid": os.getpid(), "host": socket.gethostname(), "since": now,
                "heartbeat": now, "run": "other"}
        lib.set_meta(LOCK_KEY, json.dumps(live))
    with pytest.raises(TrainLockedError, match=f"pid {os.getpid()} on host"):
        run_train(train_config(db))
    assert statuses(db)["iso-dates-hint@1"] == "testing"  # nothing ran
    assert cli_main(["train", "--db", str(db), "--quiet"]) == 3
    with SkillLibrary(db) as lib:
        # Another host's holder that stopped beating long ago is stale and taken over.
        lib.set_meta(LOCK_KEY, json.dumps({**live, "host": "elsewhere", "pid": 1, "heartbeat": now - 10 * 3600}))
    run_train(train_config(db))
    assert statuses(db)["iso-dates-hint@1"] == "active"


_HOLDER = textwrap.dedent(
    """
    import pathlib, sys, time
    from skillevo import run_train
    from skillevo._config import load_config

    def progress(name, done, total):
        if name == "lifecycle" and done == 0:
            pathlib.Path(sys.argv[2]).write_text("holding")
            time.sleep(120)  # a long stage: the parent tries to start a second run meanwhile

    run_train(load_config(sys.argv[1]), progress=progress)
    """
)


def test_a_second_process_is_refused_while_a_run_is_going(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _write_config(tmp_path / "skillevo.toml", db)
    marker = tmp_path / "holding"
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(config), str(marker)])
    try:
        deadline = time.time() + 120
        while not marker.exists() and holder.poll() is None and time.time() < deadline:
            time.sleep(0.1)
        assert marker.exists(), "the first run never reached its lifecycle stage"
        capsys.readouterr()
        assert cli_main(["train", "--config", str(config), "--quiet"]) == 3
        err = capsys.readouterr().err
        assert f"pid {holder.pid} on host {socket.gethostname()}" in err
        assert statuses(db)["iso-dates-hint@1"] == "testing"  # the refused run did nothing
    finally:
        holder.kill()
        holder.wait(timeout=60)
    # The holder is gone (killed mid-run): the next run takes the lock over and finishes its work.
    assert cli_main(["train", "--config", str(config), "--quiet"]) == 0
    assert statuses(db)["iso-dates-hint@1"] == "active"


def test_dry_run_computes_everything_and_writes_nothing(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with SkillLibrary(db) as lib:
        before = list(lib.dump())
    report = run_train(train_config(db), dry_run=True)
    assert report.dry_run and report.created == ["book-flight-format-date@1"]
    assert {t.version_id for t in report.transitions} >= {"iso-dates-hint@1", "greeting-style@2"}
    assert "iso-dates-hint@1" in report.report_markdown and report.report_files == []
    with SkillLibrary(db) as lib:
        assert list(lib.dump()) == before
    assert not (db.parent / "reports").exists()
    config = _write_config(db.parent / "skillevo.toml", db)
    capsys.readouterr()
    assert cli_main(["train", "--config", str(config), "--dry-run", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "(dry run: nothing written)" in out and "book-flight-format-date@1" in out
    with SkillLibrary(db) as lib:
        assert list(lib.dump()) == before
    assert not (db.parent / "reports").exists()


def test_review_required_leaves_winners_pending_for_a_human(db: Path) -> None:
    cfg = train_config(db)
    cfg = cfg.model_copy(update={"lifecycle": cfg.lifecycle.model_copy(update={"review": "required"})})
    report = run_train(cfg)
    assert statuses(db)["iso-dates-hint@1"] == "testing"
    assert any(t.version_id == "iso-dates-hint@1" and t.to_status is None for t in report.transitions)
    assert "Awaiting your review (1)" in report.report_markdown
    assert not run_train(cfg).changed  # still pending, nothing new


def test_compaction_folds_old_events_without_changing_stats_or_the_diff(db: Path) -> None:
    def usage(lib: SkillLibrary) -> dict[str, tuple[int, int, float | None]]:
        return {s.version_id: (s.applied, s.credited, s.mean_reward) for s in lib.stats()}

    with SkillLibrary(db) as lib:
        usage_before = usage(lib)
        applied = {s.version_id: s.applied for s in lib.stats()}
        events = lib.count_events()
    report = run_train(train_config(db, compact_after_days=0))
    assert report.compacted_events >= events
    with SkillLibrary(db) as lib:
        aggregates = json.loads(lib.get_meta("train.aggregates") or "{}")
        for vid, n in applied.items():
            assert aggregates["versions"].get(vid, {}).get("applied", 0) == n
        assert aggregates["tools"]["book_flight"]["errors"] == lib.count_events(EventKind.TOOL_ERROR)
        # raw events stay: stats (and the diff's evidence) read them as before
        after = usage(lib)
        assert {vid: after[vid] for vid in usage_before} == usage_before
        assert lib.count_events() > events


def test_llm_miner_from_an_import_path(tmp_path: Path, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "scripted_model.py").write_text(
        textwrap.dedent(
            """
            import json
            CALLS = []

            def complete(prompt):
                CALLS.append(prompt)
                return json.dumps({
                    "name": "book-flight-iso-dates",
                    "description": "Booking dates must be ISO",
                    "trigger": {"kind": "tool_error", "tool": "book_flight"},
                    "strategy": {"guidance": "Send book_flight dates as YYYY-MM-DD."},
                })
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    cfg = config_from_dict(
        {
            "library": {"db": str(db)},
            "miner": {"rule": False, "llm": "scripted_model:complete", "llm_budget": 4},
            "train": {"settle_s": 0, "report_dir": str(tmp_path / "r"), "formats": ["md"]},
        }
    )
    report = run_train(cfg)
    import scripted_model  # type: ignore[import-not-found]

    assert 1 <= len(scripted_model.CALLS) <= 4  # the budget holds
    assert report.created == ["book-flight-iso-dates@1"]
    with SkillLibrary(db) as lib:
        assert lib.version("book-flight-iso-dates@1").origin.miner == "llm"
    bad = cfg.model_copy(update={"miner": cfg.miner.model_copy(update={"llm": "no_such_module_xyz:complete"})})
    with pytest.raises(ConfigError, match=re.escape("miner.llm: cannot import 'no_such_module_xyz'")):
        run_train(bad)


def test_policy_stage_needs_skillevo_trl(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = train_config(db)
    cfg = cfg.model_copy(update={"policy": cfg.policy.model_copy(update={"model": str(db.parent / "model")})})
    monkeypatch.setitem(sys.modules, "skillevo_trl", None)  # as if not installed
    with pytest.raises(ConfigError, match="pip install skillevo-trl"):
        run_train(cfg, policy=True)
    # The stages before it committed; a later run resumes at the policy stage only.
    with SkillLibrary(db) as lib:
        assert json.loads(lib.get_meta("train.state") or "{}")["done"][-1] == "report"
    report = run_train(cfg)
    assert report.resumed and [s.status for s in report.stages if s.name == "policy"] == ["skipped"]


def test_policy_stage_announces_the_new_policy_to_the_library(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import types

    from skillevo import PolicyConfig, SkillStore
    from skillevo._train import POLICY_VERSION_KEY

    calls: list[tuple[PolicyConfig, SkillStore]] = []

    def train_policy(cfg: PolicyConfig, store: SkillStore) -> dict[str, Any]:
        # Stands in for skillevo_trl (its own tests fine-tune for real): sees the library and the config.
        calls.append((cfg, store))
        assert store.get_meta("train.state")  # called inside the run, after the earlier stages committed
        # A long fine-tune keeps the lock alive: the heartbeat moves while this call is still running.
        holder = lock_holder(store)
        assert holder is not None
        deadline = time.time() + 30
        while (lock_holder(store) or {}).get("heartbeat") == holder["heartbeat"] and time.time() < deadline:
            time.sleep(0.05)
        assert (lock_holder(store) or {}).get("heartbeat", 0) > holder["heartbeat"]
        return {"policy_version": f"my-model@grpo-{len(calls)}", "output_dir": cfg.output_dir, "steps": cfg.steps}

    monkeypatch.setitem(sys.modules, "skillevo_trl", types.SimpleNamespace(train_policy=train_policy))
    with SkillLibrary(db) as lib:
        Evolver(lib, miner=None, policy_version="my-model@1").policy_version = "my-model@2"  # announced online
    cfg = train_config(db, lock_stale_after_s=2.0)  # beats every 0.2 s while the fine-tune runs
    cfg = cfg.model_copy(
        update={"policy": PolicyConfig(enabled=True, model=str(tmp_path / "model"), output_dir="ckpt", steps=7)}
    )
    report = run_train(cfg)
    assert len(calls) == 1
    sent, store = calls[0]
    assert isinstance(sent, PolicyConfig) and sent.steps == 7 and sent.enabled
    assert Path(sent.output_dir).is_absolute() and Path(sent.output_dir).name == "ckpt"
    assert isinstance(store, SkillStore)
    assert report.policy is not None and report.policy["policy_version"] == "my-model@grpo-1"
    assert report.policy["previous_policy_version"] == "my-model@2"
    stage = next(s for s in report.stages if s.name == "policy")
    assert stage.status == "done" and stage.summary["announced"] is True
    with SkillLibrary(db) as lib:
        change = lib.events(kind=EventKind.POLICY_CHANGE)[-1]
        assert change.data["from"] == "my-model@2" and change.data["to"] == "my-model@grpo-1"
        assert change.data["output_dir"] == sent.output_dir
        assert lib.get_meta(POLICY_VERSION_KEY) == "my-model@grpo-1"
        # Every persisted posterior was reset, as `Evolver.policy_version = ...` resets them.
        posts = lib.posteriors()
        assert posts and all((p.alpha, p.beta) == (1.0, 1.0) for p in posts)
        # The announcement committed with the stage: the policy stage event comes after it.
        train_events = lib.events(kind=EventKind.TRAIN)
        policy_event = next(e for e in train_events if e.data.get("stage") == "policy")
        assert (change.id or 0) < (policy_event.id or 0)
        # An Evolver started later runs under the new version and learns from the reset priors.
        evo = Evolver(lib, miner=None, policy_version=lib.get_meta(POLICY_VERSION_KEY))
        with evo.episode(task="summarize report #x") as ep:
            ep.finish(1.0)
        assert lib.episode(ep.id).policy_version == "my-model@grpo-1"
    # A fine-tune that names no version is a clear error, and the stage stays to be redone.
    monkeypatch.setitem(sys.modules, "skillevo_trl", types.SimpleNamespace(train_policy=lambda cfg, store: {}))
    with pytest.raises(SkillevoError, match="returned no 'policy_version'"):
        run_train(cfg)
    with SkillLibrary(db) as lib:
        assert lib.get_meta(POLICY_VERSION_KEY) == "my-model@grpo-1"
        assert json.loads(lib.get_meta("train.state") or "{}")["done"][-1] == "report"


def test_a_failing_stage_is_one_line_naming_the_stage(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import types

    def train_policy(cfg: object, store: object) -> dict[str, Any]:
        raise RuntimeError("CUDA out of memory\nwhile generating at step 3")

    monkeypatch.setitem(sys.modules, "skillevo_trl", types.SimpleNamespace(train_policy=train_policy))
    config = tmp_path / "skillevo.toml"
    config.write_text('[policy]\nmodel = "/models/none"\n[train]\nsettle_s = 0\nformats = []\n')
    assert cli_main(["train", "--config", str(config), "--db", str(db), "--policy", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "train failed in stage policy: RuntimeError: CUDA out of memory while generating at step 3" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_the_terminal_summary_stays_short_for_a_big_library() -> None:
    from skillevo import TrainReport, Transition

    report = TrainReport(
        run_id="r1", db="lib.db", started_at=0.0, created=[f"new-{i}@1" for i in range(120)],
        transitions=[Transition(version_id=f"old-{i}@1", from_status=VersionStatus.ACTIVE,
                                to_status=VersionStatus.RETIRED, reason="stale") for i in range(300)],
    )
    text = report.render()
    assert "new-49@1 and 70 more" in text and "new-50@1" not in text
    assert "old-49@1: active -> retired (stale)" in text and "old-50@1" not in text
    assert "... and 250 more status changes (see the report)" in text
    assert len(text.splitlines()) < 60


# --------------------------------------------------------------------------- off-policy estimates


def test_ips_and_snips_match_their_definitions() -> None:
    log = [("v", 0.5, 1.0), ("v", 0.25, 0.0), (NULL_ARM, 0.5, 1.0), (NULL_ARM, 0.75, 0.0)]
    matched, ips, snips, ess = _ips(log, "v")
    assert matched == 2
    assert ips == pytest.approx((1.0 / 0.5) / 4)
    assert snips == pytest.approx((1.0 / 0.5) / (1 / 0.5 + 1 / 0.25))
    assert ess == pytest.approx((2 + 4) ** 2 / (4 + 16))
    assert _ips(log, "never") == (0, None, None, None)


def test_off_policy_estimates_read_logged_propensities() -> None:
    rng = np.random.default_rng(3)
    with SkillLibrary(":memory:") as lib:
        v = lib.add_skill("tone", Trigger(kind=TriggerKind.ALWAYS), Strategy(guidance="Be brief."),
                          status=VersionStatus.TESTING)
        for _ in range(400):
            p = 0.2
            arm = v.id if rng.random() < p else NULL_ARM
            reward = float(rng.random() < (0.8 if arm == v.id else 0.4))
            ep = Episode(task="t", reward=reward,
                         applied=[Applied(key="tone", arm=arm, propensity=p if arm == v.id else 1 - p)])
            lib.save_episode(ep, [Event(kind=EventKind.SELECTION, data={"key": "tone", "arm": arm})])
        (est,) = off_policy_estimates(lib, min_updates=5)
    assert est.version_id == v.id and est.logged == 400 and 40 < est.matched < 120
    assert est.snips == pytest.approx(0.8, abs=0.12)
    assert est.baseline_arm == NULL_ARM and est.baseline_snips == pytest.approx(0.4, abs=0.08)
    assert est.ips is not None and est.ess is not None and est.ess == pytest.approx(est.matched)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_the_lock_admits_exactly_one_of_many_racing_runs(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    import threading

    from skillevo._train_lock import Lock as _Lock

    location = str(tmp_path / "lock.db") if backend == "sqlite" else request.getfixturevalue("pg_url")
    SkillLibrary(location).close()  # create the schema once
    libs = [SkillLibrary(location) for _ in range(6)]
    barrier = threading.Barrier(len(libs))
    won: list[int] = []
    lost: list[int] = []

    def race(i: int) -> None:
        barrier.wait()
        try:
            _Lock(libs[i], stale_after_s=3600).acquire(f"run-{i}")
            won.append(i)
        except TrainLockedError:
            lost.append(i)

    threads = [threading.Thread(target=race, args=(i,)) for i in range(len(libs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert len(won) == 1 and len(lost) == len(libs) - 1
        holder = lock_holder(libs[0])
        assert holder is not None and holder["run"] == f"run-{won[0]}"
    finally:
        for lib in libs:
            lib.close()
