"""An episode's reward is credited once: `feedback` on an episode that already has a reward replaces
the stored reward and credits nothing (it credited the same choices a second time)."""

from __future__ import annotations

from skillevo import EventKind, Evolver, SkillLibrary, Strategy, Trigger, TriggerKind, VersionStatus
from skillevo.testing import FixedSelector


def _guided(lib: SkillLibrary) -> tuple[Evolver, FixedSelector]:
    """An Evolver whose selector always shows the library's one guidance and records each credit."""
    lib.add_skill("pay-guide", Trigger(kind=TriggerKind.ALWAYS), Strategy(guidance="Send amounts in cents."),
                  status=VersionStatus.ACTIVE)
    selector = FixedSelector()
    return Evolver(lib, miner=None, selector=selector), selector


def test_a_second_reward_replaces_the_stored_one_and_credits_nothing() -> None:
    with SkillLibrary(":memory:") as lib:
        evo, selector = _guided(lib)
        with evo.episode(task="t") as ep:
            assert "cents" in ep.guidance()
            ep.finish(1.0)
        assert [u[2] for u in selector.updates] == [1.0]
        assert evo.feedback(ep.id, 0.0).reward == 0.0
        assert lib.episode(ep.id).reward == 0.0
        assert [u[2] for u in selector.updates] == [1.0]  # credited once
        [said] = lib.events(episode_id=ep.id, kind=EventKind.FEEDBACK)
        assert said.data == {"reward": 0.0, "credited": 0, "replaced": 1.0}


def test_a_delayed_reward_is_credited_once() -> None:
    with SkillLibrary(":memory:") as lib:
        evo, selector = _guided(lib)
        with evo.episode(task="t") as ep:
            ep.guidance()
        evo.feedback(ep.id, 0.5)
        evo.feedback(ep.id, 1.0)
        assert [u[2] for u in selector.updates] == [0.5] and lib.episode(ep.id).reward == 1.0
