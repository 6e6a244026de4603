"""ThompsonSelector: determinism, learning, forgetting modes, announced changes, persistence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from skillevo import ConfigError, SkillLibrary, ThompsonSelector
from skillevo._models import PosteriorState
from skillevo._reward_text import decode_rewards, reward_token

ARMS = ["v1", "v2", "null"]


def _play(sel: ThompsonSelector, means: dict[str, float], steps: int, seed: int = 0, key: str = "k") -> list[str]:
    rng = np.random.default_rng(seed)
    chosen = []
    for _ in range(steps):
        arm = sel.choose(key, ARMS)
        sel.update(key, arm, float(rng.random() < means[arm]))
        chosen.append(arm)
    return chosen


def test_same_seed_same_choices() -> None:
    means = {"v1": 0.6, "v2": 0.4, "null": 0.5}
    assert _play(ThompsonSelector(seed=3), means, 300) == _play(ThompsonSelector(seed=3), means, 300)
    assert _play(ThompsonSelector(seed=3), means, 300) != _play(ThompsonSelector(seed=4), means, 300)


@pytest.mark.parametrize("discount", ["adaptive", "none", ("fixed", 0.99), ("window", 200), "reskill"])
def test_every_mode_learns_the_best_arm(discount: str | tuple[str, float]) -> None:
    chosen = _play(ThompsonSelector(discount, seed=1), {"v1": 0.9, "v2": 0.2, "null": 0.4}, 800)
    assert chosen[-200:].count("v1") > 150


def test_posterior_counts_fractional_rewards() -> None:
    sel = ThompsonSelector("none", seed=0)
    sel.update("k", "v1", 0.25)
    sel.update("k", "v1", 1.0)
    assert sel.posterior("k", "v1") == pytest.approx((2.25, 1.75))
    assert sel.posterior("k", "unseen") == (1.0, 1.0)


def test_fixed_discount_decays_every_arm_not_only_the_played_one() -> None:
    sel = ThompsonSelector(("fixed", 0.5), seed=0)
    for _ in range(4):
        sel.update("k", "v1", 1.0)
    a_before, _ = sel.posterior("k", "v1")
    sel.update("k", "v2", 1.0)
    a_after, _ = sel.posterior("k", "v1")
    assert a_after - 1.0 == pytest.approx((a_before - 1.0) * 0.5)


def test_window_forgets_beyond_n() -> None:
    sel = ThompsonSelector(("window", 10), seed=0)
    for _ in range(10):
        sel.update("k", "v1", 0.0)
    for _ in range(10):
        sel.update("k", "v1", 1.0)
    assert sel.posterior("k", "v1") == pytest.approx((11.0, 1.0))


def test_adaptive_detects_a_change_and_stays_quiet_otherwise() -> None:
    sel = ThompsonSelector(seed=0)
    rng = np.random.default_rng(0)
    for _ in range(1500):
        sel.update("quiet", "v1", float(rng.random() < 0.7))
    assert sel.detections("quiet") == 0
    for _ in range(600):
        sel.update("k", "v1", float(rng.random() < 0.9))
    for _ in range(300):
        sel.update("k", "v1", float(rng.random() < 0.2))
    assert sel.detections("k") >= 1
    a, b = sel.posterior("k", "v1")
    assert a + b < 300  # the old evidence is gone


def test_adaptive_follows_a_switch_much_faster_than_plain_ts() -> None:
    def late_share(discount: str) -> float:
        sel = ThompsonSelector(discount, seed=2)
        _play(sel, {"v1": 0.8, "v2": 0.3, "null": 0.3}, 1500, seed=5)
        chosen = _play(sel, {"v1": 0.2, "v2": 0.8, "null": 0.3}, 500, seed=6)
        return chosen[-300:].count("v2") / 300

    assert late_share("adaptive") > 0.7
    assert late_share("adaptive") > late_share("none") + 0.2


def test_notify_change_resets_one_arm_or_all() -> None:
    sel = ThompsonSelector(seed=0)
    for arm in ARMS:
        sel.update("k", arm, 1.0)
        sel.update("other", arm, 1.0)
    sel.notify_change("k", "v1")
    assert sel.posterior("k", "v1") == (1.0, 1.0) and sel.posterior("k", "v2") == (2.0, 1.0)
    sel.notify_change("k")
    assert sel.posterior("k", "v2") == (1.0, 1.0) and sel.posterior("other", "v2") == (2.0, 1.0)
    sel.notify_change()
    assert sel.posterior("other", "v2") == (1.0, 1.0)


def test_propensity_and_prob_better() -> None:
    sel = ThompsonSelector(seed=0)
    for _ in range(40):
        sel.update("k", "v1", 1.0)
        sel.update("k", "v2", 0.0)
    p = sel.propensity("k", ARMS, "v1")
    assert 0.9 < p <= 1.0
    assert sum(sel.propensity("k", ARMS, a) for a in ARMS) == pytest.approx(1.0, abs=0.03)
    assert sel.propensity("k", ARMS, "absent") == 0.0
    assert sel.prob_better("k", "v1", "v2") > 0.99
    assert sel.prob_better("k", "unseen-a", "unseen-b") == pytest.approx(0.5, abs=1e-3)


def test_posteriors_survive_a_restart(tmp_path: object) -> None:
    path = f"{tmp_path}/lib.db"
    with SkillLibrary(path) as lib:
        sel = ThompsonSelector(seed=0)
        sel.attach(lib)
        for r in (1.0, 1.0, 0.0, 0.5):
            sel.update("dates", "dates@1", r)
        sel.update("dates", "null", 0.0)
        expected = sel.posterior("dates", "dates@1")
    with SkillLibrary(path) as lib:
        again = ThompsonSelector(seed=0)
        again.attach(lib)
        assert again.posterior("dates", "dates@1") == pytest.approx(expected)
        assert again.posterior("dates", "null") == (1.0, 2.0)


def test_two_selectors_on_one_library_lose_no_update(tmp_path: object) -> None:
    with SkillLibrary(f"{tmp_path}/lib.db") as lib:
        a, b = ThompsonSelector(seed=0), ThompsonSelector(seed=1)
        a.attach(lib)
        b.attach(lib)
        for _ in range(5):
            a.update("k", "v1", 1.0)
            b.update("k", "v1", 1.0)
        (state,) = [p for p in lib.posteriors("k") if p.arm == "v1"]
        assert state.alpha == 11.0 and state.observations == 10


@pytest.mark.parametrize("bad", ["sometimes", ("fixed", 1.5), ("window", 0), ("window", 2.5), ("decay", 1), 3])
def test_invalid_discount_is_a_clear_config_error(bad: object) -> None:
    with pytest.raises(ConfigError, match="discount"):
        ThompsonSelector(bad)  # type: ignore[arg-type]


def test_bad_reward_and_empty_arms() -> None:
    sel = ThompsonSelector()
    with pytest.raises(ConfigError, match="reward"):
        sel.update("k", "v1", 1.5)
    with pytest.raises(ConfigError, match="arms"):
        sel.choose("k", [])


def test_after_a_detected_change_an_unplayed_arm_that_rises_is_found() -> None:
    # v1 drops (detected, everything reset), the null arm wins, then v2 rises while nobody plays it:
    # no test on the played arm can see that, only fading the idle arm's old evidence can.
    def late_share(hazard_gain: float) -> float:
        sel = ThompsonSelector(seed=3, hazard_gain=hazard_gain)
        _play(sel, {"v1": 0.8, "v2": 0.3, "null": 0.3}, 800, seed=103)
        _play(sel, {"v1": 0.2, "v2": 0.3, "null": 0.7}, 800, seed=203)
        assert sel.detections("k") >= 1
        chosen = _play(sel, {"v1": 0.2, "v2": 0.95, "null": 0.7}, 1500, seed=303)
        return chosen[-300:].count("v2") / 300

    assert late_share(2.0) > 0.9
    assert late_share(0.0) < 0.1


def test_idle_arms_fade_only_at_keys_that_have_changed() -> None:
    sel = ThompsonSelector(seed=0)
    rng = np.random.default_rng(1)
    for _ in range(600):
        sel.update("k", "v1", float(rng.random() < 0.9))
    for _ in range(300):
        sel.update("k", "v1", float(rng.random() < 0.2))
    assert sel.detections("k") >= 1
    for key in ("quiet", "k"):
        for _ in range(20):
            sel.update(key, "v2", 0.0)
    detections = sel.detections("k")
    for _ in range(500):
        sel.update("quiet", "v1", 1.0)
        sel.update("k", "v1", float(rng.random() < 0.2))
    assert sel.detections("quiet") == 0 and sel.detections("k") == detections
    assert sel.posterior("quiet", "v2") == (1.0, 21.0)
    alpha, beta = sel.posterior("k", "v2")
    assert alpha == 1.0 and 1.0 < beta < 11.0  # most of the 20 failures have faded


def test_change_counts_survive_a_restart(tmp_path: object) -> None:
    path = f"{tmp_path}/lib.db"
    rng = np.random.default_rng(0)
    with SkillLibrary(path) as lib:
        sel = ThompsonSelector(seed=0)
        sel.attach(lib)
        for p in (0.9,) * 300 + (0.1,) * 150:
            sel.update("k", "v1", float(rng.random() < p))
        sel.update("k", "v2", 1.0)
        detections = sel.detections("k")
        expected = sel.posterior("k", "v2")
        assert detections >= 1
    with SkillLibrary(path) as lib:
        again = ThompsonSelector(seed=0)
        again.attach(lib)
        assert again.detections("k") == detections
        assert again.posterior("k", "v2") == pytest.approx(expected)


@pytest.mark.parametrize("kwargs", [{"hazard_gain": -1.0}, {"hazard_gain": float("nan")}, {"delta": 0.0}])
def test_invalid_adaptive_settings_are_clear_config_errors(kwargs: dict[str, float]) -> None:
    with pytest.raises(ConfigError, match=next(iter(kwargs))):
        ThompsonSelector(**kwargs)  # type: ignore[arg-type]


def test_a_process_that_attaches_later_continues_the_stored_change_history(tmp_path: object) -> None:
    # The stored history (compact text: 0/1 one character, other rewards exactly) seeds a later
    # process's change test, which then detects the drop at the same update as one process would.
    rng = np.random.default_rng(5)
    before = [float(rng.random() < 0.9) for _ in range(110)] + [0.25, 0.1 + 0.2, 1 / 3, 0.5, 1.0, 0.0]
    after = [float(rng.random() < 0.1) for _ in range(200)]

    def first_detection(sel: ThompsonSelector, rewards: list[float]) -> int:
        for n, r in enumerate(rewards):
            sel.update("k", "v1", r)
            if sel.detections("k"):
                return n
        return -1

    one = ThompsonSelector(seed=0)
    assert first_detection(one, before) == -1
    expected = first_detection(one, after)
    assert expected > 0
    path = f"{tmp_path}/lib.db"
    with SkillLibrary(path) as lib:
        sel = ThompsonSelector(seed=0)
        sel.attach(lib)
        assert first_detection(sel, before) == -1
        (stored,) = lib.posteriors("k")
        assert decode_rewards(stored.extra["history"]) == before
    with SkillLibrary(path) as lib:
        later = ThompsonSelector(seed=0)
        later.attach(lib)
        assert first_detection(later, after) == expected


def test_a_stored_history_is_read_in_either_form_and_garbage_seeds_nothing() -> None:
    assert decode_rewards("10(0.25)1") == [1.0, 0.0, 0.25, 1.0]
    assert decode_rewards([1.0, 0, 0.5]) == [1.0, 0.0, 0.5]  # written by earlier versions
    for bad in ("10x", "(0.5", "(2.0)", "(nan)", 7, None, ["a"]):
        assert decode_rewards(bad) is None
    assert all(decode_rewards(reward_token(r)) == [r] for r in (0.0, 1.0, 0.1 + 0.2, 1e-300))


def test_a_hostile_stored_list_history_seeds_nothing_and_attach_survives(tmp_path: Path) -> None:
    for bad in ([10**400], [0.5, 5.0], [float("nan")], [-2.0]):
        assert decode_rewards(bad) is None
    with SkillLibrary(str(tmp_path / "lib.db")) as lib:
        lib.put_posterior(PosteriorState(key="k", arm="a", alpha=2.0, beta=1.0, extra={"history": [10**400]}))
        sel = ThompsonSelector(seed=0)
        sel.attach(lib)  # an int too wide for a float must not crash the attach
        assert sel.posterior("k", "a") == (2.0, 1.0)
