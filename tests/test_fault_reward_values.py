"""A reward nobody can print is refused in skillevo's own one line, and the episode is kept.

World: a reward function computes its score with exact arithmetic (a `Fraction` of two large
counts, an int sum that was never divided) or returns an object of its own whose ``__str__``
fails. Before 2026-12-08 the check of the reward quoted the value with ``repr``/``str``, which for
an int (or Fraction) past Python's 4,300-digit limit raises ValueError, and for such an object
its own error: ``finish`` and ``feedback`` raised that instead of a `ConfigError`, and an
adapter's ``reward_error`` said "Exceeds the limit (4300 digits)".
"""

from __future__ import annotations

import functools
from fractions import Fraction
from pathlib import Path

import pytest

from skillevo import ConfigError, Evolver, SkillLibrary
from skillevo.adapters import finish_with


class _Unprintable(float):
    def __str__(self) -> str:
        raise RuntimeError("no text")

    __repr__ = __str__


class _UnprintableObject:
    def __str__(self) -> str:
        raise RuntimeError("no text")

    __repr__ = __str__


def _constant(value: object, state: object) -> object:
    return value


_HUGE = [10**5000, Fraction(10**5000, 3), Fraction(1, 10**5000) + 2, _Unprintable(7.0), _UnprintableObject()]


@pytest.mark.parametrize("reward", _HUGE, ids=["int", "fraction", "fraction-small-part", "float-subclass", "object"])
def test_an_unprintable_reward_is_a_one_line_config_error_and_the_episode_is_kept(
    tmp_path: Path, reward: object
) -> None:
    with SkillLibrary(tmp_path / "lib.db", durability="sync") as lib:
        evo = Evolver(lib, miner=None, sandbox=None)
        with pytest.raises(ConfigError) as info:
            with evo.episode(task="t") as ep:
                ep.finish(reward)  # type: ignore[arg-type]
        message = str(info.value)
        assert "\n" not in message and len(message) < 300 and message.startswith("reward must be")
        assert lib.episode(ep.id).reward == 0.0  # the block left by the error: a failed run, recorded

        done = evo.episode(task="t")
        done.finish()
        with pytest.raises(ConfigError, match=r"^reward must be"):
            evo.feedback(done.id, reward)  # type: ignore[arg-type]

        # Through an adapter's reward function: the run goes on, the reason is skillevo's own.
        run = evo.episode(task="t")
        assert finish_with(run, lambda state: reward, None) is not None
        stored = lib.episode(run.id)
        assert stored.reward is None and str(stored.metadata["reward_error"]).startswith("reward must be")


def test_a_reward_function_returning_the_state_keeps_its_values_out_of_the_library(tmp_path: Path) -> None:
    """A reward function that returns the run's state (or any text) by mistake: the error says what
    type it returned, not what the state holds; the customer's words never reach the library. Before
    2026-12-08 its first 40 characters were quoted into the stored ``reward_error``."""
    state = {"messages": ["my address is 12 Elm Street, Springfield"]}
    with SkillLibrary(tmp_path / "lib.db", durability="sync") as lib:
        evo = Evolver(lib, miner=None, sandbox=None)
        returns: list[object] = [state, "12 Elm Street", ["12 Elm Street"]]
        for returned in returns:
            run = evo.episode(task="t")
            assert finish_with(run, functools.partial(_constant, returned), state) is not None
            error = str(lib.episode(run.id).metadata["reward_error"])
            assert error.startswith("reward must be a number in [0, 1] (got ")
            assert f"a {type(returned).__name__} of " in error and "Elm" not in error, error
