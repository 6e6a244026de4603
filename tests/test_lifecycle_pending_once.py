"""One transition, one event: a test won under ``review="required"`` is announced as pending once,
however many times and by however many processes it is decided."""

from __future__ import annotations

from pathlib import Path

from skillevo import EventKind, Evolver, SkillLibrary, VersionStatus
from skillevo._lifecycle import LifecycleConfig
from skillevo._models import Event, PosteriorState, Strategy, Trigger, TriggerKind

CFG = LifecycleConfig(min_updates=3, min_episodes=3)


def _won(lib: SkillLibrary) -> str:
    """A version under test whose stored evidence says it won (as many rollouts would leave it)."""
    vid = lib.add_skill("pace", Trigger(kind=TriggerKind.TOOL_ERROR, tool="book"),
                        Strategy(guidance="When calling `book`: slow down."), status=VersionStatus.TESTING).id
    lib.put_posterior(PosteriorState(key="pace", arm=vid, alpha=40.0, beta=1.0, observations=39.0))
    lib.put_posterior(PosteriorState(key="pace", arm="null", alpha=1.0, beta=40.0, observations=39.0))
    lib.log_events([Event(kind=EventKind.SELECTION, episode_id=f"ep{i}", version_id=vid) for i in range(5)])
    return vid


def _pending_events(lib: SkillLibrary, vid: str) -> list[Event]:
    return [e for e in lib.events(kind=EventKind.LIFECYCLE) if e.version_id == vid and e.data.get("pending")]


def test_two_processes_deciding_one_won_test_log_one_pending_event(tmp_path: Path) -> None:
    path = tmp_path / "lib.db"
    with SkillLibrary(path) as setup:
        vid = _won(setup)
    with SkillLibrary(path) as lib_a, SkillLibrary(path) as lib_b:
        a = Evolver(lib_a, miner=None, lifecycle=CFG, review="required")
        b = Evolver(lib_b, miner=None, lifecycle=CFG, review="required")
        # Both read the skill before either decided (the race of two hosts), then both decide.
        seen_a, seen_b = lib_a.skill("pace"), lib_b.skill("pace")
        testing_a = next(v for v in seen_a.versions if v.id == vid)
        testing_b = next(v for v in seen_b.versions if v.id == vid)
        first = a.lifecycle._decide_test(seen_a, testing_a)
        second = b.lifecycle._decide_test(seen_b, testing_b)
        assert [t.to_status for t in first] == [None]  # pending: awaiting review
        assert second == []  # decided elsewhere first: nothing of it written or reported
        for evo in (a, b, a):  # and deciding it again, from fresh reads, changes nothing
            assert evo.lifecycle.evaluate("pace") == []
        assert len(_pending_events(lib_a, vid)) == 1
        assert lib_a.version(vid).pending_review and lib_a.version(vid).status is VersionStatus.TESTING
        assert [v.id for v in a.lifecycle.pending()] == [vid]


def test_a_review_answers_the_pending_event_and_a_later_win_is_a_new_transition(tmp_path: Path) -> None:
    with SkillLibrary(tmp_path / "lib.db") as lib:
        vid = _won(lib)
        evo = Evolver(lib, miner=None, lifecycle=CFG, review="required")
        stale = lib.skill("pace")
        assert evo.lifecycle.evaluate("pace") != []
        lib.log_events([Event(kind=EventKind.REVIEW, version_id=vid, data={"decision": "defer"})])
        assert not lib.version(vid).pending_review
        # A decision taken on a read from before the review is a new one: after the review, it may
        # ask again (once).
        testing = next(v for v in stale.versions if v.id == vid)
        evo.lifecycle._decide_test(stale, testing)
        evo.lifecycle._decide_test(stale, testing)
        assert len(_pending_events(lib, vid)) == 2
