"""Lifecycle with fixed seeds: promote the better, reject the worse, retire the harmful, keep everything."""

from __future__ import annotations

import numpy as np
import pytest

from skillevo import (
    NULL_ARM,
    ConfigError,
    Episode,
    Event,
    EventKind,
    SkillLibrary,
    Strategy,
    ThompsonSelector,
    Trigger,
    VersionStatus,
)
from skillevo._lifecycle import Lifecycle, LifecycleConfig, group_advantages

CFG = LifecycleConfig(min_updates=10, min_episodes=10, retire_min_obs=20)


def _setup(review: str = "auto") -> tuple[SkillLibrary, ThompsonSelector, Lifecycle]:
    lib = SkillLibrary(":memory:")
    sel = ThompsonSelector(seed=0)
    sel.attach(lib)
    return lib, sel, Lifecycle(lib, sel, CFG, review=review)


def _run_group_test(lib: SkillLibrary, sel: ThompsonSelector, life: Lifecycle, skill: str,
                    means: dict[str, float], rounds: int = 60, seed: int = 0) -> None:
    """Rollouts assigned by the lifecycle, outcomes drawn from `means`, evaluated after each."""
    rng = np.random.default_rng(seed)
    for _ in range(rounds):
        s = lib.skill(skill)
        if not any(v.status is VersionStatus.TESTING for v in s.versions):
            break
        arm = life.assign(s, rng)
        ep = Episode(task="t")
        lib.save_episode(ep, [Event(kind=EventKind.SELECTION, version_id=None if arm == NULL_ARM else arm,
                                    data={"key": skill, "arm": arm})])
        sel.update(skill, arm, float(rng.random() < means[arm]))
        life.evaluate(skill)


def test_a_clearly_better_candidate_is_promoted() -> None:
    lib, sel, life = _setup()
    v = lib.add_skill("dates", Trigger(tool="book"), Strategy(guidance="use ISO dates"))
    assert life.start(v.id) is not None
    assert lib.version(v.id).status is VersionStatus.TESTING
    _run_group_test(lib, sel, life, "dates", {v.id: 0.95, NULL_ARM: 0.2})
    assert lib.version(v.id).status is VersionStatus.ACTIVE
    reasons = [e.data["reason"] for e in lib.events(kind=EventKind.LIFECYCLE, version_id=v.id)]
    assert reasons[0] == "created" and reasons[1] == "test started" and reasons[-1].startswith("won its test")


def test_a_worse_candidate_is_rejected_and_the_incumbent_stays() -> None:
    lib, sel, life = _setup()
    v1 = lib.add_skill("dates", Trigger(tool="book"), Strategy(guidance="v1"), status=VersionStatus.ACTIVE)
    for _ in range(30):
        sel.update("dates", v1.id, 1.0)
    v2 = lib.add_version("dates", Strategy(guidance="v2"), parent=v1.id)
    life.start(v2.id)
    _run_group_test(lib, sel, life, "dates", {v1.id: 0.9, v2.id: 0.1}, rounds=200)
    assert lib.version(v2.id).status is VersionStatus.REJECTED
    assert lib.version(v1.id).status is VersionStatus.ACTIVE


def test_a_harmful_active_version_is_retired_against_the_null_arm() -> None:
    lib, sel, life = _setup()
    v = lib.add_skill("dates", Trigger(tool="book"), Strategy(guidance="old advice"), status=VersionStatus.ACTIVE)
    rng = np.random.default_rng(1)
    for _ in range(40):  # after a policy upgrade the skill hurts: worse than applying nothing
        sel.update("dates", v.id, float(rng.random() < 0.2))
        sel.update("dates", NULL_ARM, float(rng.random() < 0.8))
    transitions = life.evaluate("dates")
    assert [t.to_status for t in transitions] == [VersionStatus.RETIRED]
    assert lib.version(v.id).status is VersionStatus.RETIRED
    assert "no longer beats doing nothing" in lib.events(kind=EventKind.LIFECYCLE, version_id=v.id)[-1].data["reason"]


def test_one_test_per_skill_and_the_next_candidate_waits() -> None:
    lib, sel, life = _setup()
    v1 = lib.add_skill("dates", Trigger(tool="book"), Strategy(guidance="v1"))
    v2 = lib.add_version("dates", Strategy(guidance="v2"))
    life.start(v1.id)
    assert life.start(v2.id) is None
    assert lib.version(v2.id).status is VersionStatus.CANDIDATE
    _run_group_test(lib, sel, life, "dates", {v1.id: 0.05, v2.id: 0.9, NULL_ARM: 0.9})
    assert lib.version(v1.id).status is VersionStatus.REJECTED
    assert lib.version(v2.id).status is VersionStatus.TESTING  # started as soon as the first test ended


def test_review_required_keeps_the_winner_pending_until_approved() -> None:
    lib, sel, life = _setup(review="required")
    v = lib.add_skill("dates", Trigger(tool="book"), Strategy(guidance="use ISO dates"))
    life.start(v.id)
    _run_group_test(lib, sel, life, "dates", {v.id: 0.95, NULL_ARM: 0.1}, rounds=80)
    assert lib.version(v.id).status is VersionStatus.TESTING
    assert [p.id for p in life.pending()] == [v.id]
    pending_events = [e for e in lib.events(kind=EventKind.LIFECYCLE, version_id=v.id) if e.data.get("pending")]
    assert len(pending_events) == 1  # recorded once, not at every evaluation
    life.approve(v.id, reason="looks right", actor="alice")
    assert lib.version(v.id).status is VersionStatus.ACTIVE
    review = lib.events(kind=EventKind.REVIEW, version_id=v.id)[-1]
    assert review.data["actor"] == "alice" and "looks right" in review.data["reason"]
    assert life.pending() == []
    with pytest.raises(ConfigError):
        life.approve(v.id, reason="again")


def test_human_rejection_and_nothing_is_ever_deleted() -> None:
    lib, _sel, life = _setup(review="required")
    lib.add_skill("dates", Trigger(tool="book"), Strategy(guidance="v1"), status=VersionStatus.ACTIVE)
    v2 = lib.add_version("dates", Strategy(guidance="v2"))
    life.start(v2.id)
    life.reject(v2.id, reason="wrong advice", actor="bob")
    skill = lib.skill("dates")
    assert [v.status for v in skill.versions] == [VersionStatus.ACTIVE, VersionStatus.REJECTED]
    assert len(skill.versions) == 2


def test_cap_on_active_skills_per_scope_retires_the_weakest() -> None:
    lib = SkillLibrary(":memory:")
    sel = ThompsonSelector(seed=0)
    sel.attach(lib)
    life = Lifecycle(lib, sel, LifecycleConfig(max_active_per_scope=2))
    for i, strength in enumerate([5, 1, 9]):
        v = lib.add_skill(f"s{i}", Trigger(tool="book"), Strategy(guidance=f"g{i}"), status=VersionStatus.ACTIVE)
        for _ in range(strength):
            sel.update(f"s{i}", v.id, 1.0)
    new = lib.add_skill("s3", Trigger(tool="book"), Strategy(guidance="g3"))
    life.approve(new.id, reason="manual")
    active = sorted(s.name for s in lib.skills(status="active"))
    assert active == ["s2", "s3"]  # the new one stays; the two weakest others (s1, then s0) are retired


def test_assignment_probability_is_clamped_and_starts_even() -> None:
    lib, sel, life = _setup()
    v = lib.add_skill("dates", Trigger(tool="book"), Strategy(guidance="g"))
    life.start(v.id)
    assert life.assign_probability(lib.skill("dates")) == 0.5
    for _ in range(50):
        sel.update("dates", v.id, 1.0)
        sel.update("dates", NULL_ARM, 0.0)
    assert life.assign_probability(lib.skill("dates")) == 0.85


def test_group_advantages_and_config_validation() -> None:
    adv = group_advantages([1.0, 0.0, 1.0, 0.0])
    assert adv.tolist() == pytest.approx([1.0, -1.0, 1.0, -1.0], abs=1e-4)
    assert group_advantages([0.5, 0.5]).tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="assign_clamp"):
        LifecycleConfig(assign_clamp=(0.9, 0.1))
    with pytest.raises(ConfigError, match="review"):
        Lifecycle(SkillLibrary(":memory:"), ThompsonSelector(), review="sometimes")
