"""A version that loses to the null arm after a change is retired within a bounded number of
episodes; a winning one, or one only unlucky in its first calls, never is.

Thompson sampling stops choosing a version as soon as the null arm looks clearly better, so after a
change the loser stayed short of `retire_min_obs` updates of its own (active, unchosen, for good):
its site is now owed those updates (`skillevo._retire.owed_evidence`) and the rule decides on them."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

import pytest

from skillevo import Evolver, SkillLibrary, Strategy, Trigger, TriggerKind, VersionStatus
from skillevo._lifecycle import LifecycleConfig

_TEXT = "Check the dates twice."
Rate = Callable[[int, bool], float]


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def _run(lib: SkillLibrary, rate: Rate, episodes: int, config: LifecycleConfig | None = None) -> list[int]:
    """Run `episodes` with one active guidance version; the episodes after which it was not active."""
    lib.add_skill("tip", Trigger(kind=TriggerKind.ALWAYS), Strategy(guidance=_TEXT), status=VersionStatus.ACTIVE)
    evo = Evolver(lib, miner=None, seed=0, cache_ttl_s=float("inf"), lifecycle=config)
    gone = []
    for i in range(episodes):
        with evo.episode(task="t") as ep:
            applied = _TEXT in ep.guidance()
            ep.finish(1.0 if random.Random(f"{i}|{applied}").random() < rate(i, applied) else 0.0)
        if lib.version("tip@1").status is not VersionStatus.ACTIVE:
            gone.append(i)
    return gone


@pytest.mark.parametrize("config", [None, LifecycleConfig(min_updates=5, min_episodes=5, retire_min_obs=4)])
def test_a_version_that_loses_after_a_change_is_retired_within_a_bounded_number_of_episodes(
    lib: SkillLibrary, config: LifecycleConfig | None
) -> None:
    change = 120

    def rate(i: int, applied: bool) -> float:  # helps before the change, harms after it
        return (0.9 if applied else 0.4) if i < change else (0.05 if applied else 0.95)

    gone = _run(lib, rate, 300, config)
    assert gone, "the loser stayed active"
    assert change <= gone[0] < change + 100
    assert lib.version("tip@1").status is VersionStatus.RETIRED


@pytest.mark.parametrize("config", [None, LifecycleConfig(min_updates=5, min_episodes=5, retire_min_obs=4)])
def test_a_winning_version_is_never_retired_even_after_an_unlucky_start(
    lib: SkillLibrary, config: LifecycleConfig | None
) -> None:
    seen = {"applied": 0}

    def rate(_i: int, applied: bool) -> float:
        if applied:
            seen["applied"] += 1
            return 0.0 if seen["applied"] <= 2 else 0.9  # its first two calls fail
        return 0.6

    assert _run(lib, rate, 300, config) == []


def test_a_version_with_its_evidence_or_not_losing_is_owed_nothing(lib: SkillLibrary) -> None:
    lib.add_skill("tip", Trigger(kind=TriggerKind.ALWAYS), Strategy(guidance=_TEXT), status=VersionStatus.ACTIVE)
    config = LifecycleConfig(retire_min_obs=4)
    evo = Evolver(lib, miner=None, seed=0, lifecycle=config)
    skill = lib.skill("tip")
    assert evo.lifecycle.owed_evidence(skill) is None  # nothing to lose against yet
    for _ in range(30):
        evo.selector.update("tip", "null", 1.0)
    evo.selector.update("tip", "tip@1", 0.0)
    assert evo.lifecycle.owed_evidence(skill) == "tip@1"  # losing, 1 of its 4 updates
    for _ in range(3):
        evo.selector.update("tip", "tip@1", 1.0)
    assert evo.lifecycle.owed_evidence(skill) is None  # it has its 4: the retire rule decides
