"""A version that loses to the null arm after a change stops being applied, and is retired once it has
its own `retire_min_obs` updates; a winning one, or one only unlucky in its first calls, never is.

Thompson sampling stops choosing a version as soon as the null arm looks clearly better, so after a
change the loser may stay short of `retire_min_obs` updates of its own: it stays active and unchosen
(`skillevo._retire`). It is neither forced onto calls to earn the minimum (retire22's first version:
up to 20 calls per change through a version already behind) nor judged on a few own updates (the
lead's mend: a tool failing a good version's first three calls on purpose got it retired, attack31)."""

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


def _run(
    lib: SkillLibrary, rate: Rate, episodes: int, config: LifecycleConfig | None = None
) -> tuple[list[int], list[bool]]:
    """Run `episodes` with one active guidance version: the episodes after which it was not active,
    and whether it was applied in each."""
    lib.add_skill("tip", Trigger(kind=TriggerKind.ALWAYS), Strategy(guidance=_TEXT), status=VersionStatus.ACTIVE)
    evo = Evolver(lib, miner=None, seed=0, cache_ttl_s=float("inf"), lifecycle=config)
    gone, used = [], []
    for i in range(episodes):
        with evo.episode(task="t") as ep:
            applied = _TEXT in ep.guidance()
            used.append(applied)
            ep.finish(1.0 if random.Random(f"{i}|{applied}").random() < rate(i, applied) else 0.0)
        if lib.version("tip@1").status is not VersionStatus.ACTIVE:
            gone.append(i)
    return gone, used


@pytest.mark.parametrize("config", [None, LifecycleConfig(min_updates=5, min_episodes=5, retire_min_obs=4)])
def test_a_version_that_loses_after_a_change_stops_being_applied(
    lib: SkillLibrary, config: LifecycleConfig | None
) -> None:
    change = 120

    def rate(i: int, applied: bool) -> float:  # helps before the change, harms after it
        return (0.9 if applied else 0.4) if i < change else (0.05 if applied else 0.95)

    gone, used = _run(lib, rate, 300, config)
    assert sum(used[:change]) > change // 2  # it won before the change
    assert sum(used[change + 80 :]) <= 10  # and is (nearly) never applied once it loses
    assert not gone or gone[0] >= change  # retired, if at all, only after the change


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

    assert _run(lib, rate, 300, config)[0] == []


def test_a_good_version_failed_three_times_after_a_change_is_not_retired_on_them(lib: SkillLibrary) -> None:
    lib.add_skill("tip", Trigger(kind=TriggerKind.ALWAYS), Strategy(guidance=_TEXT), status=VersionStatus.ACTIVE)
    config = LifecycleConfig(retire_min_obs=20)
    evo = Evolver(lib, miner=None, seed=0, lifecycle=config)
    skill, version = lib.skill("tip"), lib.version("tip@1")
    for _ in range(3):  # a tool fails its first three calls on purpose
        evo.selector.update("tip", "tip@1", 0.0)
    for _ in range(30):  # then the bandit plays the null arm, which does well
        evo.selector.update("tip", "null", 1.0)
    assert evo.selector.prob_better("tip", "tip@1", "null") < config.retire_p  # behind, on three outcomes
    assert harm(evo.selector, config, skill, version) is None  # not retired on them
