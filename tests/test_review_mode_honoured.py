"""The library's review mark gates every entry point that runs the lifecycle: the nightly job with
no config file, an `Evolver` or `Lifecycle` built without a mode, a host opening a library another
host gated. A mode weaker than the mark is refused unless the mark is lowered on purpose."""

from __future__ import annotations

from pathlib import Path

import pytest

from skillevo import ConfigError, EventKind, Evolver, SkillLibrary, VersionStatus, run_train
from skillevo._config import config_from_dict
from skillevo._lifecycle import Lifecycle, LifecycleConfig
from skillevo._models import Event, PosteriorState, Strategy, Trigger, TriggerKind
from skillevo._review_mode import library_review, set_review_mode
from skillevo._selection import ThompsonSelector

CFG = LifecycleConfig(min_updates=3, min_episodes=3, max_test_updates=20)


def _pending(lib: SkillLibrary) -> str:
    """A version that won its test under `required` and awaits a person; its evidence has since
    drifted to undecided after more than `max_test_updates` updates (auto would call it inconclusive)."""
    vid = lib.add_skill("pace", Trigger(kind=TriggerKind.TOOL_ERROR, tool="book"),
                        Strategy(guidance="When calling `book`: slow down."), status=VersionStatus.TESTING).id
    lib.put_posterior(PosteriorState(key="pace", arm=vid, alpha=40.0, beta=1.0, observations=39.0))
    lib.put_posterior(PosteriorState(key="pace", arm="null", alpha=1.0, beta=40.0, observations=39.0))
    lib.log_events([Event(kind=EventKind.SELECTION, episode_id=f"ep{i}", version_id=vid) for i in range(5)])
    evo = Evolver(lib, miner=None, lifecycle=CFG, review="required")
    assert [t.to_status for t in evo.lifecycle.evaluate("pace")] == [None]  # pending review
    lib.put_posterior(PosteriorState(key="pace", arm=vid, alpha=20.0, beta=20.0, observations=38.0))
    lib.put_posterior(PosteriorState(key="pace", arm="null", alpha=20.0, beta=20.0, observations=38.0))
    return vid


def _untouched(lib: SkillLibrary, vid: str) -> bool:
    v = lib.version(vid)
    return v.status is VersionStatus.TESTING and v.pending_review


def test_the_nightly_job_without_a_config_file_keeps_a_pending_version_for_its_reviewer(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    with SkillLibrary(db) as lib:
        vid = _pending(lib)
    cfg = config_from_dict({"library": {"db": str(db)}, "lifecycle": CFG.model_dump(),
                            "train": {"settle_s": 0, "report_dir": str(tmp_path / "reports")}})
    run_train(cfg)
    with SkillLibrary(db) as lib:
        assert _untouched(lib, vid)


def test_an_evolver_and_a_lifecycle_built_without_a_mode_run_the_librarys(tmp_path: Path) -> None:
    with SkillLibrary(tmp_path / "lib.db") as lib:
        vid = _pending(lib)
        assert library_review(lib) == "required"
        evo = Evolver(lib, miner=None, lifecycle=CFG)
        assert evo.review == "required" and evo.gate.gated
        assert evo.lifecycle.evaluate("pace") == [] and _untouched(lib, vid)
        life = Lifecycle(lib, ThompsonSelector(), CFG)
        assert life.evaluate("pace") == [] and _untouched(lib, vid)


def test_a_weaker_mode_than_the_mark_is_refused_until_the_mark_is_lowered(tmp_path: Path) -> None:
    with SkillLibrary(tmp_path / "lib.db") as lib:
        vid = _pending(lib)
        for build in (lambda: Evolver(lib, miner=None, lifecycle=CFG, review="auto"),
                      lambda: Evolver(lib, miner=None, lifecycle=CFG, review="canary"),
                      lambda: Lifecycle(lib, ThompsonSelector(), CFG, review="auto")):
            with pytest.raises(ConfigError, match="required"):
                build()
        assert _untouched(lib, vid)
        with pytest.raises(ConfigError):
            set_review_mode(lib, "auto", reason="")  # lowering needs a reason
        set_review_mode(lib, "canary", reason="the team accepts canary tests", actor="alice")
        assert library_review(lib) == "canary"
        assert Evolver(lib, miner=None, lifecycle=CFG).review == "canary"
        assert Evolver(lib, miner=None, lifecycle=CFG, review="required").review == "required"  # stricter: fine
        assert library_review(lib) == "required"  # and a stricter process raises the mark


def test_a_lifecycle_that_started_before_another_host_gated_the_library_decides_under_the_mark(
    tmp_path: Path,
) -> None:
    path = tmp_path / "lib.db"
    with SkillLibrary(path) as lib_a, SkillLibrary(path) as lib_b:
        early = Evolver(lib_a, miner=None, lifecycle=CFG)  # the library is not gated yet: auto
        assert early.review == "auto"
        vid = _pending(lib_b)  # another host gates it and a test is won there
        assert early.lifecycle.evaluate("pace") == [] and _untouched(lib_a, vid)


def test_a_library_gated_by_an_older_release_keeps_only_its_mark_and_reads_as_required(tmp_path: Path) -> None:
    with SkillLibrary(tmp_path / "lib.db") as lib:
        lib.set_meta("review.gated_since", "1700000000.0")
        assert library_review(lib) == "required"
        with SkillLibrary(tmp_path / "fresh.db") as fresh:
            assert library_review(fresh) == "auto"


@pytest.mark.parametrize("raised_to", ["required", "canary"])
def test_a_running_process_holds_back_unapproved_versions_once_another_host_gates_the_library(
    tmp_path: Path, raised_to: str
) -> None:
    from .test_review_gating import LONG, TOOL, _date_strategy, run_agent

    path = tmp_path / "lib.db"
    with SkillLibrary(path) as lib_a, SkillLibrary(path) as lib_b:
        vid = lib_a.add_skill("date-fix", Trigger(kind=TriggerKind.BEFORE_TOOL, tool=TOOL),
                              _date_strategy("Dates as YYYY-MM-DD."), status=VersionStatus.TESTING).id
        running = Evolver(lib_a, miner=None, seed=2, lifecycle=LONG, null_arm=False, cache_ttl_s=0.0)
        assert run_agent(running, 5).calls_changed == 5  # auto: the version under test is live
        Evolver(lib_b, miner=None, seed=1, lifecycle=LONG, review=raised_to, canary_share=0.0, null_arm=False)
        running.invalidate()
        after = run_agent(running, 5, start=5)
        # Held back here too now (but in this process's own canary episodes, under canary).
        pairs = zip(after.canary, after.changed_in, strict=True)
        assert after.calls_changed == sum(after.canary) and all(canary or not ch for canary, ch in pairs)
        assert lib_a.version(vid).status is VersionStatus.TESTING


def test_a_running_processs_group_assigns_no_held_back_version_once_another_host_gates_the_library(
    tmp_path: Path,
) -> None:
    from .test_review_gating import LONG, TOOL, _date_strategy

    path = tmp_path / "lib.db"
    with SkillLibrary(path) as lib_a, SkillLibrary(path) as lib_b:
        vid = lib_a.add_skill("date-fix", Trigger(kind=TriggerKind.BEFORE_TOOL, tool=TOOL),
                              _date_strategy("Dates as YYYY-MM-DD."), status=VersionStatus.TESTING).id
        running = Evolver(lib_a, miner=None, seed=2, lifecycle=LONG, cache_ttl_s=0.0)
        Evolver(lib_b, miner=None, seed=1, lifecycle=LONG, review="required")
        running.invalidate()
        changed = 0
        for g in range(4):
            with running.group(task="book a flight", size=4) as group:
                for _ in range(4):
                    with group.episode() as rollout:
                        sent = {"date": f"{g + 1:02d}/11/2026"}
                        changed += rollout.before_tool(TOOL, dict(sent)) != sent
                        changed += bool(rollout.guidance([TOOL]))
                        rollout.finish(1.0)
        assert changed == 0
        assert not any(a.candidate for e in lib_a.episodes() for a in e.applied)
        assert not lib_a.events(kind=EventKind.SELECTION, version_id=vid)


def test_postgresql_hosts_sharing_a_library_run_its_mark(pg_url: str) -> None:
    with SkillLibrary(pg_url) as host_a, SkillLibrary(pg_url) as host_b:
        vid = _pending(host_a)  # host A gated the library under `required`; a test won there awaits review
        later = Evolver(host_b, miner=None, lifecycle=CFG)  # host B: no mode given
        assert later.review == "required" and later.lifecycle.evaluate("pace") == []
        with pytest.raises(ConfigError, match="weaker"):
            Evolver(host_b, miner=None, lifecycle=CFG, review="auto")
        assert _untouched(host_b, vid)


def test_evolver_review_tells_the_mode_a_running_process_follows(tmp_path: Path) -> None:
    path = tmp_path / "lib.db"
    with SkillLibrary(path) as lib_a, SkillLibrary(path) as lib_b:
        running = Evolver(lib_a, miner=None, cache_ttl_s=0.0)
        Evolver(lib_b, miner=None, review="canary")
        with running.episode(task="t"):
            pass
        assert running.review == "canary" and library_review(lib_a) == "canary"
