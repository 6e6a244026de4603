"""The exception that leaves an episode's block is stored bounded, like a failed call's error type.

attack38 bounded an error's type in the failure's events (`_call_key.bounded_name`), but the episode
itself records the class of an exception its ``with`` block raised (metadata ``exception``), and that
was stored whole: a class made at run time and named with 1 MiB of text put 1 MiB in the episode's
row, read back by every report and export of it.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from skillevo import Evolver, SkillLibrary

LONG = 1 << 20
BOUND = 1024


def _stored_exception(raise_in: str) -> str:
    huge = type("Fault" + "x" * LONG, (Exception,), {})
    lib = SkillLibrary(":memory:")
    evo = Evolver(lib, seed=0, mining="inline")

    def sync() -> None:
        with evo.episode(task="book a room") as ep:
            ep.before_tool("book", {"room": "A1"})
            raise huge("the booking service failed")

    async def run_async() -> None:
        async with evo.episode(task="book a room") as ep:
            ep.before_tool("book", {"room": "A1"})
            raise huge("the booking service failed")

    with pytest.raises(huge):  # (the run's own exception goes on: skillevo only records it)
        sync() if raise_in == "with" else asyncio.run(run_async())
    (episode,) = lib.episodes()
    lib.close()
    return str(episode.metadata["exception"])


@pytest.mark.parametrize("raise_in", ["with", "async with"])
def test_a_huge_exception_class_name_is_stored_bounded(raise_in: str) -> None:
    stored = _stored_exception(raise_in)
    assert stored.startswith("Fault")
    assert len(json.dumps(stored)) <= BOUND, len(stored)


def test_an_ordinary_exception_class_name_is_stored_as_it_is() -> None:
    evo = Evolver(lib := SkillLibrary(":memory:"), seed=0, mining="inline")
    with pytest.raises(TimeoutError), evo.episode(task="book a room"):
        raise TimeoutError("slow")
    (episode,) = lib.episodes()
    assert episode.metadata["exception"] == "TimeoutError"
    lib.close()
