"""An episode started without metadata (what adapters start) is made without pydantic's validator:
the `Episode` must be the one validation makes, field for field."""

from __future__ import annotations

from typing import Any

import pytest

from skillevo import Episode, Evolver, SkillLibrary
from skillevo._episode import _new_episode


def _validated(made: Episode, **given: Any) -> Episode:
    """The episode validation makes from `given`, with `made`'s id and start time."""
    episode = Episode(**given)
    episode.__dict__.update(id=made.id, started_at=made.started_at)
    return episode


@pytest.mark.parametrize(
    ("task", "group_id", "policy_version"),
    [("t", None, None), ("", "g1", "v2"), ("bad \x00 text \ud800", "group \x00", "p")],
)
def test_an_episode_without_metadata_is_the_one_validation_makes(
    task: str, group_id: str | None, policy_version: str | None
) -> None:
    made = _new_episode(task, group_id, policy_version, None)
    given = {"task": task, "group_id": group_id, "policy_version": policy_version, "metadata": {}}
    validated = _validated(made, **given)
    assert made == validated and made.model_dump() == validated.model_dump()
    assert list(made.__dict__) == list(validated.__dict__)
    assert made.__pydantic_fields_set__ == validated.__pydantic_fields_set__
    assert made.__pydantic_extra__ == validated.__pydantic_extra__
    assert made.__pydantic_private__ == validated.__pydantic_private__
    assert Episode.model_validate(made.model_dump()) == made and len(made.id) == 32
    made.reward = 0.5  # a model like any other: assignment, copies, JSON
    assert made.model_copy().reward == 0.5 and Episode.model_validate_json(made.model_dump_json()) == made


def test_a_task_of_a_str_subclass_is_stored_as_its_plain_text() -> None:
    class Text(str):  # a framework's text type (LangChain's message `.text` is one)
        def __str__(self) -> str:
            return "not the text"

    made = _new_episode(Text("book \x00 a room"), None, None, None)
    validated = _validated(made, task=Text("book \x00 a room"), group_id=None, policy_version=None, metadata={})
    assert type(made.task) is str and made.task == validated.task == "book \ufffd a room"
    assert made.model_dump() == validated.model_dump()


def test_other_episodes_are_still_validated() -> None:
    assert _new_episode("t", None, None, {"k": "v"}).metadata == {"k": "v"}
    with pytest.raises(ValueError):
        _new_episode(3, None, None, None)  # type: ignore[arg-type]


def test_episodes_are_stored_and_read_back_alike(tmp_path: Any) -> None:
    with SkillLibrary(tmp_path / "lib.db") as lib:
        evo = Evolver(lib, miner=None, sandbox=None, policy_version="p1")
        ep = evo.episode(task="t", group="g")
        ep.finish(1.0)
        stored = lib.episode(ep.id)
        assert stored.model_dump() == ep.episode.model_dump()


def test_finish_sets_the_end_and_the_reward_as_assignment_does() -> None:
    with SkillLibrary(":memory:") as lib:
        ep = Evolver(lib, miner=None, sandbox=None).episode(task="t")
        episode = ep.finish(0.25)
    assigned = Episode(task="t", group_id=None, policy_version=None, metadata={})
    assigned.finished_at = episode.finished_at
    assigned.reward = 0.25
    assigned.__dict__.update(id=episode.id, started_at=episode.started_at)
    assert episode == assigned and episode.reward == 0.25 and episode.finished_at is not None
    assert episode.__pydantic_fields_set__ == assigned.__pydantic_fields_set__
    assert ep.id == episode.id
