"""Many processes on one library learn as one: the store is the source of truth, selectors cache it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest

from skillevo import (
    NULL_ARM,
    Event,
    EventKind,
    Evolver,
    LifecycleConfig,
    Miner,
    Proposal,
    Repair,
    Skill,
    SkillLibrary,
    SkillStore,
    Strategy,
    ThompsonSelector,
    Trigger,
    TriggerKind,
    VersionStatus,
)
from skillevo._lifecycle import Lifecycle
from skillevo._models import SetArg


@pytest.fixture
def path(tmp_path: Path) -> str:
    return str(tmp_path / "shared.db")


@pytest.fixture
def two(path: str) -> Iterator[tuple[SkillLibrary, SkillLibrary]]:
    """Two store objects on one file: what two processes see. They write at once (``"sync"``):
    what one writes, the other can read next (queued writes: the tests parametrized on durability)."""
    with SkillLibrary(path, durability="sync") as a, SkillLibrary(path, durability="sync") as b:
        yield a, b


@pytest.fixture(params=["sync", "batched"])
def durability(request: pytest.FixtureRequest) -> str:
    """Written at once, or queued behind the library's writer (then `flush` stands for the writer's
    next batch, due within its linger time)."""
    return str(request.param)


def _attached(lib: SkillLibrary, **kwargs: Any) -> ThompsonSelector:
    sel = ThompsonSelector(seed=0, **kwargs)
    sel.attach(lib)
    return sel


def test_a_selector_sees_another_processs_updates_within_its_staleness(
    two: tuple[SkillLibrary, SkillLibrary],
) -> None:
    a, b = _attached(two[0], staleness_s=0.0), _attached(two[1], staleness_s=3600.0)
    b.posterior("k", "v1")  # B has read the key: its cache is fresh for an hour
    for _ in range(20):
        a.update("k", "v1", 1.0)
    assert a.posterior("k", "v1") == (21.0, 1.0)  # a process sees its own updates at once
    assert b.posterior("k", "v1") == (1.0, 1.0)  # B's cache: not re-read within its staleness
    fresh = _attached(two[1], staleness_s=0.0)
    assert fresh.posterior("k", "v1") == (21.0, 1.0)
    fresh.update("k", "v1", 0.0)
    assert a.posterior("k", "v1") == (21.0, 2.0)


def test_concurrent_updates_from_many_selectors_all_count(path: str, durability: str) -> None:
    libs = [SkillLibrary(path, durability=durability) for _ in range(4)]  # type: ignore[arg-type]
    try:
        selectors = [_attached(lib) for lib in libs]

        def work(sel: ThompsonSelector) -> None:
            for i in range(30):
                sel.update("k", "v1", float(i % 3 == 0))

        threads = [threading.Thread(target=work, args=(s,)) for s in selectors]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for lib in libs:
            lib.flush()
        (stored,) = libs[0].posteriors("k")
        assert (stored.alpha, stored.beta, stored.observations) == (41.0, 81.0, 120.0)
    finally:
        for lib in libs:
            lib.close()


def test_a_reset_in_one_process_resets_every_process(two: tuple[SkillLibrary, SkillLibrary]) -> None:
    a, b = _attached(two[0], staleness_s=0.0), _attached(two[1], staleness_s=0.0)
    for _ in range(10):
        a.update("k", "v1", 1.0)
        b.update("k", "v1", 1.0)
    assert b.posterior("k", "v1") == (21.0, 1.0)
    a.notify_change("k")
    assert b.posterior("k", "v1") == (1.0, 1.0)
    b.update("k", "v1", 0.0)
    assert a.posterior("k", "v1") == (1.0, 2.0)


def test_forgetting_is_applied_once_per_update_whichever_process_makes_it(
    two: tuple[SkillLibrary, SkillLibrary],
) -> None:
    one = ThompsonSelector(seed=0, discount=("fixed", 0.9))
    shared = [_attached(lib, discount=("fixed", 0.9), staleness_s=0.0) for lib in two]
    rng = np.random.default_rng(4)
    for n in range(60):
        arm, reward = ("v1", "v2", NULL_ARM)[n % 3], float(rng.random() < 0.6)
        one.update("k", arm, reward)
        shared[n % 2].update("k", arm, reward)
    for arm in ("v1", "v2", NULL_ARM):
        assert shared[0].posterior("k", arm) == pytest.approx(one.posterior("k", arm))
        assert shared[1].posterior("k", arm) == pytest.approx(one.posterior("k", arm))


def test_a_change_detected_in_one_process_resets_the_key_for_all(two: tuple[SkillLibrary, SkillLibrary]) -> None:
    a, b = _attached(two[0], staleness_s=0.0), _attached(two[1], staleness_s=0.0)
    for _ in range(30):
        b.update("k", "v2", 1.0)
    rng = np.random.default_rng(0)
    for p in (0.9,) * 300 + (0.1,) * 150:
        a.update("k", "v1", float(rng.random() < p))
        if a.detections("k"):
            break
    assert a.detections("k") == 1
    assert b.detections("k") == 1
    assert b.posterior("k", "v2") == (1.0, 1.0)  # B's arm was reset with the key


def test_reskill_refits_its_memory_on_a_schedule_past_the_history_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    from skillevo import _selection

    fits: list[int] = []
    real: Callable[..., float] = _selection.fit_memory

    def counting(history: Any) -> float:
        fits.append(len(history))
        return real(history)

    monkeypatch.setattr(_selection, "fit_memory", counting)
    sel = ThompsonSelector(discount="reskill", seed=0)
    for i in range(2300):
        sel.update("k", "v1", float(i % 4 != 0))
    assert len(fits) == (2300 - 100) // 50 + 1  # every 50 updates from the 100th: 45, not one per update


class _Counting:
    """Counts what the code under test asks of a store (wraps a live library's methods)."""

    WRITES = (
        "increment_posterior", "put_posterior", "update_posterior", "reset_posteriors", "save_episode",
        "log_events", "set_status", "add_skill", "add_version", "set_reward", "set_meta", "transaction",
    )
    SCANS = ("events", "iter_events", "episodes", "skills", "posteriors", "count_events", "count_episodes")

    def __init__(self, lib: SkillLibrary) -> None:
        self.calls: list[str] = []
        for name in (*self.WRITES, *self.SCANS, "skill", "version", "match", "posterior_snapshot", "record_episode"):
            setattr(lib, name, self._wrap(name, getattr(lib, name)))

    def _wrap(self, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            return method(*args, **kwargs)

        return counted

    def writes(self) -> list[str]:
        return [c for c in self.calls if c in self.WRITES]

    def scans(self) -> list[str]:
        return [c for c in self.calls if c in self.SCANS]


@pytest.mark.parametrize("status", [VersionStatus.ACTIVE, VersionStatus.TESTING])
def test_a_repaired_call_costs_at_most_one_store_write_and_no_scan(status: VersionStatus) -> None:
    with SkillLibrary(":memory:") as lib:
        vid = lib.add_skill(
            "add-units",
            Trigger(kind=TriggerKind.TOOL_ERROR, tool="weather", pattern="missing units"),
            Strategy(repair=Repair(ops=[SetArg(arg="units", value="C")])),
            status=status,
        ).id
        evo = Evolver(lib, miner=None, seed=1)
        for _ in range(30):  # the repair is the clear winner: a seeded choice picks it
            evo.selector.update("add-units", vid, 1.0)
            evo.selector.update("add-units", NULL_ARM, 0.0)
        before = evo.selector.posterior("add-units", vid)
        with evo.episode(task="weather in Oslo") as ep:
            retry = ep.on_tool_error("weather", {"city": "Oslo"}, ValueError("missing units"))
            assert retry == {"city": "Oslo", "units": "C"}
            counting = _Counting(lib)
            assert ep.on_tool_result("weather", retry, "sunny") is False
            assert counting.writes() == ["increment_posterior"]  # the credit, nothing else
            assert counting.scans() == []
            assert counting.calls.count("skill") <= 1  # the lifecycle reads the skill once
            ep.finish(1.0)
        assert evo.selector.posterior("add-units", vid) == (before[0] + 1.0, before[1])
        assert lib.posteriors("add-units")[[p.arm for p in lib.posteriors("add-units")].index(vid)].alpha == (
            before[0] + 1.0
        )


# ---------------------------------------------------------------- lifecycle decisions, taken once


class _ReadBefore:
    """A process that decides on what it read earlier: its first `skill()` answers the snapshot
    taken at construction (another process may have changed the library since); every later read,
    and everything else, is live."""

    def __init__(self, lib: SkillLibrary, name: str) -> None:
        self._lib = lib
        self._seen: Skill | None = lib.skill(name)

    def skill(self, name: str) -> Skill:
        seen, self._seen = self._seen, None
        return seen if seen is not None and seen.name == name else self._lib.skill(name)

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._lib, attr)


def _under_test(lib: SkillLibrary, status: VersionStatus = VersionStatus.TESTING) -> str:
    vid = lib.add_skill(
        "units", Trigger(kind=TriggerKind.TOOL_ERROR, tool="weather"), Strategy(guidance="say units"), status=status
    ).id
    lib.log_events([Event(kind=EventKind.SELECTION, episode_id="e1", version_id=vid)])
    return vid


def _transitions(lib: SkillLibrary, vid: str) -> list[tuple[str | None, str]]:
    return [(e.data["from"], e.data["to"]) for e in lib.events(version_id=vid) if e.kind is not EventKind.SELECTION]


_CFG = LifecycleConfig(min_updates=5, min_episodes=1)


def test_a_promotion_decided_by_two_processes_is_taken_once(two: tuple[SkillLibrary, SkillLibrary]) -> None:
    a_lib, b_lib = two
    vid = _under_test(a_lib)
    a, b = _attached(a_lib, staleness_s=3600.0), _attached(b_lib, staleness_s=3600.0)
    b.posterior("units", vid)  # B has read the key: its cache holds none of what follows
    for _ in range(20):
        a.update("units", vid, 1.0)
        a.update("units", NULL_ARM, 0.0)
        b.update("units", vid, 1.0)
        b.update("units", NULL_ARM, 0.0)
    stale = _ReadBefore(b_lib, "units")  # B read the skill while the test was still running
    assert [t.to_status for t in Lifecycle(a_lib, a, _CFG).evaluate("units")] == [VersionStatus.ACTIVE]
    # The same evidence makes the promotion look due to B as well: it is conditional on the status
    # B read (testing), so B's changes nothing.
    assert Lifecycle(cast(Any, stale), b, _CFG).evaluate("units") == []
    assert _transitions(a_lib, vid) == [(None, "testing"), ("testing", "active")]


def test_a_stale_promotion_does_not_undo_another_processs_rejection(two: tuple[SkillLibrary, SkillLibrary]) -> None:
    a_lib, b_lib = two
    vid = _under_test(a_lib)
    b = _attached(b_lib, staleness_s=0.0)
    for _ in range(20):
        b.update("units", vid, 1.0)
        b.update("units", NULL_ARM, 0.0)
    stale = _ReadBefore(b_lib, "units")
    Lifecycle(a_lib, _attached(a_lib), _CFG).reject(vid, "a reviewer said no")
    assert Lifecycle(cast(Any, stale), b, _CFG).evaluate("units") == []
    assert b_lib.version(vid).status is VersionStatus.REJECTED
    assert _transitions(a_lib, vid)[-1] == ("testing", "rejected")


def test_two_processes_cannot_start_two_tests_of_one_skill(two: tuple[SkillLibrary, SkillLibrary]) -> None:
    a_lib, b_lib = two
    first = _under_test(a_lib, VersionStatus.CANDIDATE)
    second = a_lib.add_version("units", Strategy(guidance="say the units, in Celsius")).id
    stale = _ReadBefore(b_lib, "units")  # B saw both waiting as candidates, and no test running
    assert Lifecycle(a_lib, _attached(a_lib), _CFG).start(first) is not None
    assert Lifecycle(cast(Any, stale), _attached(b_lib), _CFG).start(second) is None
    assert Lifecycle(b_lib, _attached(b_lib), _CFG).start(first) is None  # already started: not twice
    assert [v.status for v in a_lib.skill("units").versions] == [VersionStatus.TESTING, VersionStatus.CANDIDATE]
    assert _transitions(a_lib, first) == [(None, "candidate"), ("candidate", "testing")]
    assert _transitions(a_lib, second) == [(None, "candidate")]


def test_one_change_detected_by_two_processes_counts_and_resets_once(two: tuple[SkillLibrary, SkillLibrary]) -> None:
    a, b = _attached(two[0], staleness_s=3600.0), _attached(two[1], staleness_s=3600.0)
    b.posterior("k", "v1")  # B has read the key in its first epoch; its cache is fresh for an hour
    rewards = [1.0] * 40 + [0.0] * 40  # both processes see the same change on their share of the arm
    for sel in (a, b):
        for r in rewards:
            sel.update("k", "v1", r)
        assert sel.detections("k") == 1  # each detected it on its own evidence
    b.update("k", "v2", 1.0)
    arms, counters = two[0].posterior_snapshot("k")
    assert counters["k"].detections == 1  # B's detection was made on evidence from before A's reset
    # ... and so was every update B made in that epoch (or after its own detection, which the
    # store never took): dropped whole, the key holds A's evidence since A's reset alone.
    assert {p.arm: p.epoch for p in arms} == {"v1": 1}
    assert arms[0].observations == 80 and counters["k"].steps == 80
    fresh = _attached(two[1])
    assert fresh.detections("k") == 1


# ---------------------------------------------------------------- a policy announced by every process, once


@pytest.fixture(params=["sqlite-file", "postgres"])
def location(request: pytest.FixtureRequest, path: str) -> str:
    """One library two processes open: a SQLite file, or a PostgreSQL schema."""
    return path if request.param == "sqlite-file" else str(request.getfixturevalue("pg_url"))


def _replica(lib: SkillLibrary) -> Evolver:
    """One process of an agent running under policy m@1 (its cache is never re-read on its own)."""
    return Evolver(lib, miner=None, selector=ThompsonSelector(seed=0, staleness_s=3600.0), policy_version="m@1")


def test_a_policy_announced_by_two_processes_resets_the_library_once(location: str, durability: str) -> None:
    with (
        SkillLibrary(location, durability=durability) as a_lib,  # type: ignore[arg-type]
        SkillLibrary(location, durability=durability) as b_lib,  # type: ignore[arg-type]
    ):
        a, b = _replica(a_lib), _replica(b_lib)
        for _ in range(10):
            b.selector.update("k", "v1", 1.0)
        a.policy_version = "m@2"  # the first replica upgraded announces it: the library resets
        assert a.selector.posterior("k", "v1") == (1.0, 1.0)
        for _ in range(3):  # learning under m@2 has begun
            a.selector.update("k", "v1", 0.0)
        a_lib.flush()  # (batched: A's writer writes them in its next batch)
        b.policy_version = "m@2"  # the second announces the same upgrade: nothing is reset again
        assert b.selector.posterior("k", "v1") == (1.0, 4.0)  # B holds the store's state at once
        (stored,), counters = a_lib.posterior_snapshot("k")
        # Reset once: the key's epoch (the arm's row, batched, may be newer than the reset: B's
        # queued updates from before it were dropped, not written and then reset).
        assert (stored.alpha, stored.beta, counters["k"].epoch) == (1.0, 4.0, 1)
        assert [e.data for e in a_lib.events(kind=EventKind.POLICY_CHANGE)] == [{"from": "m@1", "to": "m@2"}]
        assert a_lib.get_meta("policy.version") == "m@2"
        b.policy_version = "m@3"  # another version is another change
        assert a_lib.posterior_snapshot("k")[1]["k"].epoch == 2
        assert [e.data["to"] for e in a_lib.events(kind=EventKind.POLICY_CHANGE)] == ["m@2", "m@3"]


def test_processes_announcing_one_policy_at_once_reset_it_once(location: str, durability: str) -> None:
    from skillevo._policy_change import announce_policy

    libs = [SkillLibrary(location, durability=durability) for _ in range(4)]  # type: ignore[arg-type]
    try:
        selectors = [_attached(lib) for lib in libs]
        selectors[0].update("k", "v1", 1.0)
        libs[0].flush()  # stored before the race (batched: A's writer's next batch)
        start = threading.Barrier(len(libs))
        changed: list[bool] = []

        def announce(lib: SkillLibrary, sel: ThompsonSelector) -> None:
            start.wait()
            changed.append(announce_policy(lib, sel, "m@1", "m@2"))

        threads = [threading.Thread(target=announce, args=pair) for pair in zip(libs, selectors, strict=True)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(changed) == [False, False, False, True]
        assert len(libs[0].events(kind=EventKind.POLICY_CHANGE)) == 1
        assert [p.epoch for p in libs[0].posteriors("k")] == [1]
        assert all(sel.posterior("k", "v1") == (1.0, 1.0) for sel in selectors)
    finally:
        for lib in libs:
            lib.close()


class _UnitsMiner(Miner):
    """'missing units' -> set units (deterministic)."""

    name = "units"

    def mine(self, events: Sequence[Event], store: SkillStore) -> list[Proposal]:
        errors = [e for e in events if e.kind is EventKind.TOOL_ERROR and "missing units" in str(e.data.get("error"))]
        return [
            Proposal(
                name="set-units",
                description="weather needs units",
                trigger=Trigger(kind=TriggerKind.TOOL_ERROR, tool="weather", pattern="missing units"),
                strategy=Strategy(repair=Repair(ops=[SetArg(arg="units", value="C")])),
                evidence=[e.id or 0],
                episodes=[e.episode_id or ""],
            )
            for e in errors[:1]
        ]


def test_a_process_that_mines_what_another_stored_first_reads_its_triggers_again(path: str) -> None:
    with SkillLibrary(path) as a_lib, SkillLibrary(path) as b_lib:
        a, b = (Evolver(lib, miner=_UnitsMiner(), cache_ttl_s=3600.0, mining="inline") for lib in (a_lib, b_lib))
        assert b.triggers.match(TriggerKind.TOOL_ERROR, "weather") == []  # cached by B for an hour
        for evo in (a, b):  # each replica meets the same failure once: A mines the repair first
            with evo.episode(task="weather in Oslo") as ep:
                assert ep.on_tool_error("weather", {"city": "Oslo"}, ValueError("missing units")) is None
                ep.finish(0.0)
        (known,) = b_lib.events(kind=EventKind.PROPOSAL_REJECTED)
        assert known.data["reason"] == "duplicate of set-units@1 (already in the library)"
        # B's mining met A's version: B reads its triggers again, its next failure gets the repair.
        assert [s.name for s in b.triggers.match(TriggerKind.TOOL_ERROR, "weather")] == ["set-units"]
