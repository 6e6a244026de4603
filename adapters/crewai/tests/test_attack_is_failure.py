"""`evolving(evo, is_failure=...)` judges the tool results of its own kickoffs: two decorators over
one Evolver (one library for the app, two crews with their own notion of failure) each keep theirs,
and the Evolver's own predicate (used by every other adapter and episode) is left as it was."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from skillevo import EventKind, Evolver, SkillLibrary
from skillevo_crewai import ScriptedLLM, evolving, last_observation

sys.path.insert(0, str(Path(__file__).parent))
from crewai_fakes import WRONG, Book, booking_crew

DAY = {"day": "March 4th"}


def once(messages: list[dict[str, Any]]) -> str:
    if last_observation(messages) is None:
        return WRONG  # books with "03/04/2025", which the tool accepts
    return "Thought: done\nFinal Answer: booked"


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def _errors(lib: SkillLibrary, episode_id: str | None) -> list[Any]:
    return lib.events(episode_id=episode_id, kind=EventKind.TOOL_ERROR)


def test_each_decorator_keeps_its_own_is_failure(lib: SkillLibrary) -> None:
    def never(result: Any) -> bool:
        return False

    evo = Evolver(lib, miner=None, is_failure=never)
    with (
        evolving(evo, reward=lambda out: 1.0, is_failure=lambda r: "03/04" in str(r)) as strict,
        evolving(evo, reward=lambda out: 1.0, is_failure=lambda r: "Bergen" in str(r)) as other,
    ):
        strict(booking_crew(ScriptedLLM(once), Book(accept_any_date=True))).kickoff(inputs=DAY)
        other(booking_crew(ScriptedLLM(once), Book(accept_any_date=True))).kickoff(inputs=DAY)
        assert len(_errors(lib, strict.last_episode_id)) == 1  # its own predicate flagged the US date
        assert _errors(lib, other.last_episode_id) == []  # the other's did not
        assert evo.is_failure is never  # the Evolver's predicate is its own
    assert evo.is_failure is never


def test_an_episodes_predicate_must_be_callable(lib: SkillLibrary) -> None:
    from skillevo import ConfigError

    ep = Evolver(lib, miner=None).episode(task="t")
    with pytest.raises(ConfigError, match="is_failure must be callable"):
        ep.is_failure = "yes"  # type: ignore[assignment]
    ep.is_failure = None
    ep.finish(None)
