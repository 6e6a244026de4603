"""A candidate that repairs every call the version under test repairs, the same way, and more, takes
its skill's test over; the smaller version waits, nothing of it lost (issue 19: one test per skill
starved the larger versions the miner learned behind a first one that never fired again)."""

from __future__ import annotations

from typing import Any

from skillevo import (
    NULL_ARM,
    Episode,
    Event,
    EventKind,
    Repair,
    SkillLibrary,
    Strategy,
    ThompsonSelector,
    Trigger,
    VersionStatus,
)
from skillevo._lifecycle import Lifecycle, LifecycleConfig
from skillevo._models import ChangeCase, MapValue, RepairOp
from skillevo._probation import IMPORT_MINER

CFG = LifecycleConfig(min_updates=10, min_episodes=10, retire_min_obs=20)


def _setup() -> tuple[SkillLibrary, ThompsonSelector, Lifecycle]:
    lib = SkillLibrary(":memory:")
    sel = ThompsonSelector(seed=0)
    sel.attach(lib)
    return lib, sel, Lifecycle(lib, sel, CFG, review="auto")


def _repair(*ops: RepairOp) -> Strategy:
    return Strategy(repair=Repair(ops=list(ops)))


def _calls(lib: SkillLibrary, tool: str, failed: list[dict[str, Any]]) -> None:
    ep = Episode(task="t")
    lib.save_episode(
        ep, [Event(kind=EventKind.TOOL_ERROR, tool=tool, data={"args": a, "error": "bad value"}) for a in failed]
    )


def _first_under_test(lib: SkillLibrary, life: Lifecycle) -> str:
    first = lib.add_skill("tier", Trigger(tool="ship"), _repair(MapValue(arg="tier", mapping={"silver": "top"})))
    assert life.start(first.id) is not None
    return first.id


def test_a_larger_map_takes_the_test_over_and_the_first_waits() -> None:
    lib, _, life = _setup()
    _calls(lib, "ship", [{"tier": "silver"}, {"tier": "gold"}, {"tier": "top"}])
    first = _first_under_test(lib, life)
    sel = life.selector
    for reward in (1.0, 1.0, 0.0):  # what the first map's calls earned: the larger map does the same on them
        sel.update("tier", first, reward)
    larger = lib.add_version(
        "tier", _repair(MapValue(arg="tier", mapping={"silver": "top", "gold": "premium"})), parent=first
    )
    assert life.start(larger.id) is not None  # on main: None, the larger map waited behind the first
    assert lib.version(larger.id).status is VersionStatus.TESTING
    assert sel.posterior("tier", larger.id) == (3.0, 2.0)  # the evidence carried over
    fresh = ThompsonSelector(seed=1)
    fresh.attach(lib)  # another process reads it from the library
    assert fresh.posterior("tier", larger.id) == (3.0, 2.0)
    assert lib.version(first).status is VersionStatus.CANDIDATE  # waiting, not rejected
    # The larger one rejected: the first starts its test again.
    life.reject(larger.id, "bad premium")
    assert lib.version(first).status is VersionStatus.TESTING


def test_a_map_with_a_rule_after_it_takes_over_when_the_stored_calls_come_out_the_same() -> None:
    lib, _, life = _setup()
    _calls(lib, "ship", [{"tier": "silver"}, {"tier": "Gold"}])
    first = _first_under_test(lib, life)
    more = lib.add_version(
        "tier", _repair(MapValue(arg="tier", mapping={"silver": "top"}), ChangeCase(arg="tier", to="lower"))
    )
    assert life.start(more.id) is not None
    assert lib.version(first).status is VersionStatus.CANDIDATE


def test_a_candidate_that_repairs_a_covered_call_otherwise_does_not_take_over() -> None:
    lib, _, life = _setup()
    _calls(lib, "ship", [{"tier": "silver"}])
    first = _first_under_test(lib, life)
    changed = lib.add_version("tier", _repair(MapValue(arg="tier", mapping={"silver": "gold", "bronze": "base"})))
    upper = lib.add_version(
        "tier", _repair(MapValue(arg="tier", mapping={"silver": "top"}), ChangeCase(arg="tier", to="upper"))
    )
    for other in (changed, upper):  # an entry changed; a rule after the map turning "top" into "TOP"
        assert life.start(other.id) is None
        assert lib.version(other.id).status is VersionStatus.CANDIDATE
    assert lib.version(first).status is VersionStatus.TESTING


def test_an_import_never_takes_a_test_over() -> None:
    lib, _, life = _setup()
    first = _first_under_test(lib, life)
    imported = lib.add_version("tier", _repair(MapValue(arg="tier", mapping={"silver": "top", "me": "attacker"})))
    lib.log_events([Event(kind=EventKind.PROPOSAL, version_id=imported.id, data={"miner": IMPORT_MINER})])
    assert life.start(imported.id) is None
    assert lib.version(first).status is VersionStatus.TESTING


def test_a_version_covered_by_the_active_one_does_not_start_again() -> None:
    lib, sel, life = _setup()
    first = _first_under_test(lib, life)
    larger = lib.add_version("tier", _repair(MapValue(arg="tier", mapping={"silver": "top", "gold": "premium"})))
    life.start(larger.id)
    life.approve(larger.id, "looks right")
    assert lib.version(larger.id).status is VersionStatus.ACTIVE
    for _ in range(3):
        sel.update("tier", NULL_ARM, 1.0)
        life.evaluate("tier")
    assert lib.version(first).status is VersionStatus.CANDIDATE


def test_the_miners_larger_map_is_tested_instead_of_waiting_behind_the_first() -> None:
    """End to end: a map learned from two values waits for no call; the map the miner learns next
    (every value met since) goes under test at once, so the new mistakes are repaired."""
    from skillevo import Evolver

    lib = SkillLibrary(":memory:")
    evo = Evolver(lib, seed=0, cache_ttl_s=float("inf"), mining="inline")
    error = "Invalid value for 'tier': not accepted"
    for n, (bad, good) in enumerate(
        [
            ("silver", "top"),
            ("silver", "top"),
            ("gold", "premium"),
            ("gold", "premium"),
            ("bronze", "base"),
            ("bronze", "base"),
        ]
    ):
        ep = Episode(task=f"t{n}")
        lib.save_episode(
            ep,
            [
                Event(kind=EventKind.TOOL_ERROR, tool="ship", data={"args": {"n": n, "tier": bad}, "error": error}),
                Event(kind=EventKind.TOOL_RESULT, tool="ship", data={"args": {"n": n, "tier": good}, "result": "ok"}),
            ],
        )
        evo.learn(ep, lib.events(episode_id=ep.id))
    (skill,) = lib.skills()
    testing = [v for v in skill.versions if v.status is VersionStatus.TESTING]
    assert len(skill.versions) == 2
    largest = max(skill.versions, key=lambda v: len(v.strategy.repair.ops[0].mapping))  # type: ignore[union-attr,attr-defined]
    assert testing == [largest]
