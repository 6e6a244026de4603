"""The canary share is part of the library's review mark: no process, config or host widens it.

A library marked ``canary`` keeps the share its operator set (or the smallest a process ran it with);
a process asking a larger share is refused, one asking none runs the stored one, one already running
follows it, and only `set_review_mode(..., canary_share=...)`, with a reason, raises it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from skillevo import ConfigError, Evolver, SkillLibrary, VersionStatus
from skillevo._config import config_from_dict
from skillevo._models import Trigger, TriggerKind
from skillevo._review_mode import library_review, library_share, set_review_mode

from .test_review_gating import LONG, TOOL, _date_strategy, run_agent


def _unapproved(lib: SkillLibrary) -> str:
    """A version under test (never approved): under canary it may change calls in canary episodes only."""
    return lib.add_skill("date-fix", Trigger(kind=TriggerKind.BEFORE_TOOL, tool=TOOL),
                         _date_strategy("Dates as YYYY-MM-DD."), status=VersionStatus.TESTING).id


def _evolver(lib: SkillLibrary, **kwargs: object) -> Evolver:
    kwargs["lifecycle"] = LONG  # (long tests: no promotion within a run, the share is what is counted)
    return Evolver(lib, miner=None, seed=7, null_arm=False, **kwargs)  # type: ignore[arg-type]


def test_a_second_process_asking_a_larger_share_is_refused_and_one_asking_none_runs_the_stored_one(
    tmp_path: Path,
) -> None:
    path = tmp_path / "lib.db"
    with SkillLibrary(path) as lib_a, SkillLibrary(path) as lib_b:
        vid = _unapproved(lib_a)
        _evolver(lib_a, review="canary", canary_share=0.05)  # the operator's process gates the library
        assert library_review(lib_b) == "canary" and library_share(lib_b) == 0.05
        for wider in ({"review": "canary", "canary_share": 1.0}, {"canary_share": 0.5}):
            with pytest.raises(ConfigError, match=r"share: [\d.]+ is larger than this library.s canary share 0\.05"):
                _evolver(lib_b, **wider)
        cfg = config_from_dict({"lifecycle": {"review": "canary", "canary_share": 1.0}})
        with pytest.raises(ConfigError, match="larger"):
            _evolver(lib_b, **cfg.lifecycle.evolver_kwargs())
        # Left out (here and in a config file): the library's share.
        for kwargs in ({}, {"review": "canary"}, config_from_dict({}).lifecycle.evolver_kwargs()):
            evo = _evolver(lib_b, **kwargs)
            assert evo.review == "canary" and evo.canary_share == 0.05
            t = run_agent(evo, 100)
            assert sum(t.canary) == 5 and t.calls_changed == 5
            assert all(c == ch for c, ch in zip(t.canary, t.changed_in, strict=True))
        assert lib_b.version(vid).status is VersionStatus.TESTING


def test_a_running_process_with_a_wide_share_runs_the_marks_share_once_the_library_is_gated_canary(
    tmp_path: Path,
) -> None:
    path = tmp_path / "lib.db"
    with SkillLibrary(path) as lib_a, SkillLibrary(path) as lib_b:
        _unapproved(lib_a)
        running = _evolver(lib_a, canary_share=1.0, cache_ttl_s=0.0)  # auto library: its own share
        assert running.review == "auto"
        _evolver(lib_b, review="canary", canary_share=0.05)  # another host gates it, 5%
        running.invalidate()
        t = run_agent(running, 100)
        # Before 2026-12-07: 100 of 100 episodes applied the unapproved version (share 1.0, in effect auto).
        assert running.review == "canary" and running.canary_share == 0.05
        assert t.calls_changed <= 5 and sum(t.canary) <= 5


def test_a_smaller_share_is_stricter_and_lowers_the_mark_only_a_person_raises_it(tmp_path: Path) -> None:
    path = tmp_path / "lib.db"
    with SkillLibrary(path) as lib_a, SkillLibrary(path) as lib_b:
        _unapproved(lib_a)
        running = _evolver(lib_a, review="canary", canary_share=0.1, cache_ttl_s=0.0)
        assert library_share(lib_a) == 0.1
        assert _evolver(lib_b, canary_share=0.02).canary_share == 0.02  # stricter: fine, and now the mark
        assert library_share(lib_a) == 0.02
        t = run_agent(running, 100)  # the running process follows the smaller share
        assert running.canary_share == 0.02 and sum(t.canary) <= 2 and t.calls_changed <= 2
        with pytest.raises(ConfigError, match="larger"):
            _evolver(lib_b, canary_share=0.1)
        with pytest.raises(ConfigError, match="reason"):
            set_review_mode(lib_b, "canary", canary_share=0.1, reason=" ")
        with pytest.raises(ConfigError, match="canary_share"):
            set_review_mode(lib_b, "canary", canary_share=1.5, reason="typo")
        assert library_share(lib_b) == 0.02
        set_review_mode(lib_b, "canary", canary_share=0.1, reason="more canary traffic", actor="alice")
        assert library_share(lib_b) == 0.1 and _evolver(lib_b, canary_share=0.1).canary_share == 0.1


def test_a_canary_mark_without_a_stored_share_reads_the_default_and_an_unreadable_one_reads_none(
    tmp_path: Path,
) -> None:
    with SkillLibrary(tmp_path / "lib.db") as lib:
        set_review_mode(lib, "canary", reason="gated by a release that kept no share")
        assert library_share(lib) == 0.05
        with pytest.raises(ConfigError, match="larger"):
            _evolver(lib, canary_share=0.5)
        lib.set_meta("review.canary_share", "lots")
        assert library_share(lib) == 0.0  # fail closed: no canary episodes
        assert _evolver(lib).canary_share == 0.0


def test_postgresql_hosts_sharing_a_library_run_its_canary_share(pg_url: str) -> None:
    with SkillLibrary(pg_url) as host_a, SkillLibrary(pg_url) as host_b:
        _unapproved(host_a)
        _evolver(host_a, review="canary", canary_share=0.03)
        with pytest.raises(ConfigError, match="larger"):
            _evolver(host_b, review="canary", canary_share=1.0)
        evo = _evolver(host_b)
        assert evo.review == "canary" and evo.canary_share == 0.03
        t = run_agent(evo, 100)
        assert sum(t.canary) == 3 and t.calls_changed == 3
