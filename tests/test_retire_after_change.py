"""A version that loses to the null arm after a change is retired within a bounded number of
episodes; a winning one, or one only unlucky in its first calls, never is.

Thompson sampling stops choosing a version as soon as the null arm looks clearly better, so after a
change the loser stayed short of `retire_min_obs` updates of its own (active, unchosen, for good):
it is now judged on a few of its own and the null arm's `retire_min_obs` since the change
(`skillevo._retire.harm`), without being forced onto more calls."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

import pytest

from skillevo import Evolver, SkillLibrary, Strategy, Trigger, TriggerKind, VersionStatus
from skillevo._lifecycle import LifecycleConfig
from skillevo._retire import harm

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


def test_a_starved_loser_is_judged_on_few_calls_of_its_own_and_never_forced_onto_more(lib: SkillLibrary) -> None:
    lib.add_skill("tip", Trigger(kind=TriggerKind.ALWAYS), Strategy(guidance=_TEXT), status=VersionStatus.ACTIVE)
    config = LifecycleConfig(retire_min_obs=20)
    evo = Evolver(lib, miner=None, seed=0, lifecycle=config)
    skill, version = lib.skill("tip"), lib.version("tip@1")
    for _ in range(2):
        evo.selector.update("tip", "tip@1", 0.0)
    for _ in range(10):
        evo.selector.update("tip", "null", 1.0)
    assert harm(evo.selector, config, skill, version) is None  # two calls of its own: too few to judge
    evo.selector.update("tip", "tip@1", 0.0)
    assert harm(evo.selector, config, skill, version) is None  # three, but the null arm short of its 20
    for _ in range(10):
        evo.selector.update("tip", "null", 1.0)
    assert harm(evo.selector, config, skill, version) is not None  # three, and the null arm's 20
