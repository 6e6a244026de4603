"""A required argument the model left out is told once: where the tool's declared schema requires
it, the schema's own candidate (judged on that argument) says it, and the miner's text saying the
same from the error is not stored beside it (two lines of prompt for one fact)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

from skillevo import Evolver, SkillLibrary


class _Book(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    card: str
    day: str


SCHEMA = {"book_room": _Book.model_json_schema()}


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def _call(args: dict[str, Any]) -> Any:
    try:
        _Book.model_validate(args)
    except ValidationError as exc:
        return exc
    return {"booked": True}


def _episode(evo: Evolver) -> None:
    with evo.episode(task="book a room") as ep:
        sent = ep.before_tool("book_room", {"day": "2026-01-02"})
        error = _call(sent)
        assert isinstance(error, ValidationError)
        assert ep.on_tool_error("book_room", sent, error) is None  # no edit can supply the value
        fixed = ep.before_tool("book_room", {"day": "2026-01-02", "card": "c-1"})
        assert not ep.on_tool_result("book_room", fixed, _call(fixed))
        ep.finish(reward=1.0)


def _guidance(lib: SkillLibrary) -> list[str]:
    return [v.strategy.guidance for s in lib.skills() for v in s.versions if v.strategy.guidance]


def test_a_declared_required_argument_gets_one_guidance_candidate(lib: SkillLibrary) -> None:
    evo = Evolver(lib, seed=0, cache_ttl_s=float("inf"), mining="inline")
    evo.register_tools(SCHEMA)
    _episode(evo)
    about_card = [g for g in _guidance(lib) if "card" in g]
    assert len(about_card) == 1, about_card
    assert "required" in about_card[0]


def test_without_a_declared_schema_the_miner_still_says_it(lib: SkillLibrary) -> None:
    evo = Evolver(lib, seed=0, cache_ttl_s=float("inf"), mining="inline")
    _episode(evo)
    about_card = [g for g in _guidance(lib) if "card" in g]
    assert len(about_card) == 1, about_card
