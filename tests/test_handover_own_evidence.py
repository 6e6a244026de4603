"""A version that took a test over is not promoted on the handed evidence when its own calls belie it.

The handover (lifecycle23) gives a larger candidate the posterior of the version under test: the
outcomes of the calls both change alike. Its added edits change other calls, which only its own
outcomes judge. Before 2026-12-07 a larger map with an entry the stored calls never met (a mined
``"gold" -> "attacker"``) was promoted after its own ten episodes although all ten of its own calls
failed: thirty handed wins outweighed them (P(better than doing nothing) stayed above 0.95).
"""

from __future__ import annotations

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
from skillevo._models import MapValue


def _larger_after_handover(own_reward: float) -> tuple[SkillLibrary, str]:
    lib = SkillLibrary(":memory:")
    sel = ThompsonSelector(seed=0)
    sel.attach(lib)
    life = Lifecycle(lib, sel, LifecycleConfig(), review="auto")
    lib.save_episode(
        Episode(task="t"),
        [Event(kind=EventKind.TOOL_ERROR, tool="ship", data={"args": {"tier": "silver"}, "error": "bad tier"})],
    )
    small = Repair(ops=[MapValue(arg="tier", mapping={"silver": "top"})])
    first = lib.add_skill("tier", Trigger(tool="ship"), Strategy(repair=small))
    assert life.start(first.id) is not None
    for _ in range(30):
        sel.update("tier", first.id, 1.0)
    for _ in range(6):
        sel.update("tier", NULL_ARM, 0.0)
    larger = lib.add_version(
        "tier",
        Strategy(repair=Repair(ops=[MapValue(arg="tier", mapping={"silver": "top", "gold": "attacker"})])),
        parent=first.id,
    )
    assert life.start(larger.id) is not None
    assert sel.posterior("tier", larger.id) == (31.0, 1.0)  # handed over
    for i in range(10):  # its own episodes
        ep = Episode(task=f"e{i}")
        lib.save_episode(ep, [Event(kind=EventKind.SELECTION, version_id=larger.id, data={"skill": "tier"})])
        sel.update("tier", larger.id, own_reward)
    life.evaluate("tier")
    return lib, larger.id


def test_own_failures_keep_the_handed_version_from_promotion() -> None:
    lib, larger = _larger_after_handover(0.0)
    assert lib.version(larger).selected_episodes == 10
    assert lib.version(larger).status is VersionStatus.TESTING  # on main: ACTIVE


def test_own_outcomes_like_the_handed_ones_promote_it() -> None:
    lib, larger = _larger_after_handover(1.0)
    assert lib.version(larger).status is VersionStatus.ACTIVE


def test_a_test_taken_over_near_its_end_gets_its_own_length() -> None:
    """The handed updates are not the larger version's own: they do not spend its test's length
    (before: rejected as inconclusive after one own outcome, the smaller one restarted from the prior)."""
    lib = SkillLibrary(":memory:")
    sel = ThompsonSelector(seed=0)
    sel.attach(lib)
    life = Lifecycle(lib, sel, LifecycleConfig(max_test_updates=40), review="auto")
    first = lib.add_skill(
        "tier", Trigger(tool="ship"), Strategy(repair=Repair(ops=[MapValue(arg="tier", mapping={"silver": "top"})]))
    )
    assert life.start(first.id) is not None
    for i in range(39):  # undecided, one update short of the test's end
        sel.update("tier", first.id, float(i % 2))
        sel.update("tier", NULL_ARM, float(i % 2))
    larger = lib.add_version(
        "tier",
        Strategy(repair=Repair(ops=[MapValue(arg="tier", mapping={"silver": "top", "gold": "premium"})])),
        parent=first.id,
    )
    assert life.start(larger.id) is not None
    sel.update("tier", larger.id, 1.0)
    life.evaluate("tier")
    assert lib.version(larger.id).status is VersionStatus.TESTING  # on main: REJECTED (inconclusive)
    for _ in range(40):
        sel.update("tier", larger.id, 0.5)
    life.evaluate("tier")
    assert lib.version(larger.id).status is not VersionStatus.TESTING  # its own length still ends it
