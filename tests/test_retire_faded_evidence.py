"""A version that lost to the null arm is retired once it has its own `retire_min_obs` updates, even
when the bandit stopped choosing it and the forgetting modes faded its evidence with every update of
the null arm since."""

from __future__ import annotations

from skillevo import NULL_ARM, SkillLibrary, Strategy, ThompsonSelector, Trigger, VersionStatus
from skillevo._lifecycle import Lifecycle, LifecycleConfig

_CFG = LifecycleConfig(min_updates=5, min_episodes=5, retire_min_obs=4)


def _setup(discount: object) -> tuple[SkillLibrary, ThompsonSelector, Lifecycle, str]:
    lib = SkillLibrary(":memory:")
    sel = ThompsonSelector(discount=discount, seed=0)  # type: ignore[arg-type]
    sel.attach(lib)
    v = lib.add_skill("rename", Trigger(tool="search"), Strategy(guidance="old advice"), status=VersionStatus.ACTIVE)
    return lib, sel, Lifecycle(lib, sel, _CFG), v.id


def test_a_loser_the_bandit_stopped_choosing_is_retired_though_its_evidence_faded() -> None:
    lib, sel, life, version = _setup(("fixed", 0.97))
    for _ in range(4):  # it fails every call it is chosen for
        sel.update("rename", version, 0.0)
    for _ in range(30):  # then the bandit plays the null arm, which succeeds; each update fades the loser
        sel.update("rename", NULL_ARM, 1.0)
    a, b = sel.posterior("rename", version)
    assert a + b - 2.0 < _CFG.retire_min_obs  # the faded evidence alone would never allow the verdict
    assert sel.own_updates("rename", version) == 4
    life.evaluate("rename")
    assert lib.version(version).status is VersionStatus.RETIRED


def test_too_few_own_updates_still_keep_a_version() -> None:
    lib, sel, life, version = _setup(("fixed", 0.97))
    for _ in range(3):
        sel.update("rename", version, 0.0)
    for _ in range(30):
        sel.update("rename", NULL_ARM, 1.0)
    life.evaluate("rename")
    assert lib.version(version).status is VersionStatus.ACTIVE


def test_updates_count_only_since_the_arms_last_reset() -> None:
    _lib, sel, _, version = _setup("none")
    for _ in range(6):
        sel.update("rename", version, 1.0)
    assert sel.own_updates("rename", version) == 6
    sel.notify_change("rename")
    assert sel.own_updates("rename", version) == 0
    sel.update("rename", version, 0.5)
    assert sel.own_updates("rename", version) == 1
    assert sel.own_updates("rename", "never-seen") == 0
