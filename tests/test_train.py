"""`skillevo train` over a library filled by a scripted run: what each stage decides and reports.

The scripted world is described in tests/train_world.py; tests/test_train_resilience.py covers kills,
exceptions and the lock.
"""

from __future__ import annotations

import json
import re
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
    Trigger,
    TriggerKind,
    VersionStatus,
    run_train,
)
from skillevo._config import config_from_dict
from skillevo._lifecycle import Lifecycle
from skillevo._ope import _ips
from skillevo._selection import ThompsonSelector
from skillevo._train import LOCK_KEY, lock_holder, off_policy_estimates
from skillevo.cli import main as cli_main

sys.path.insert(0, str(Path(__file__).parent))  # the shared scripted world, train_world.py

import train_world
from train_world import (
    state,
    statuses,
    train_config,
    write_config,
)

# The world's fixtures, in this module so pytest finds them: the filled library (built once per
# module) and a private copy of it per test.
scripted_db = train_world.scripted_db
db = train_world.db


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
    config = write_config(db.parent / "skillevo.toml", db)
    capsys.readouterr()
    assert cli_main(["train", "--config", str(config), "--quiet"]) == 0
    assert "no skill changed" in capsys.readouterr().out
    s3 = state(db)
    assert s3["versions"] == s1["versions"] and s3["transitions"] == s1["transitions"]
    assert s3["posteriors"] == s1["posteriors"]


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
    config = write_config(db.parent / "skillevo.toml", db)
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
    # Every version `skillevo review list` shows waits in the report too: the winner and the
    # versions under test that review holds back (before 2026-12-07 only the winner was listed).
    with SkillLibrary(db) as lib:
        waiting = [v.id for v in Lifecycle(lib, ThompsonSelector(), review="required").pending()]
    assert "iso-dates-hint@1" in waiting
    assert f"Awaiting your review ({len(waiting)})" in report.report_markdown
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
    from skillevo import TrainReport
    from skillevo._lifecycle import Transition

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
