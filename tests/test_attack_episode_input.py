"""Bad input to an episode's start is skillevo's `ConfigError` naming it, never pydantic's
ValidationError, on every road that starts one (`Evolver.episode`, `GroupContext.episode`)."""

from __future__ import annotations

import types
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import ValidationError

from skillevo import ConfigError, Evolver, SkillLibrary


@pytest.fixture
def evo() -> Iterator[Evolver]:
    with SkillLibrary(":memory:") as lib:
        yield Evolver(lib, miner=None, sandbox=None)


@pytest.mark.parametrize(
    "metadata",
    [{"k": "x" * 20_000}, {"ids": list(range(5000))}, {"nested": {"text": "y" * 20_000}}],
    ids=["long-text", "long-list", "nested"],
)
def test_metadata_over_the_cap_is_a_config_error(evo: Evolver, metadata: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match="10,000 characters") as info:
        evo.episode(task="t", metadata=metadata)
    assert not isinstance(info.value, ValidationError)
    with pytest.raises(ConfigError, match="10,000 characters"):
        evo.group(task="t", size=2).episode(metadata=metadata)


def test_any_mapping_is_metadata(evo: Evolver) -> None:
    ep = evo.episode(task="t", metadata=types.MappingProxyType({"run": "r1", "n": 2}))
    assert ep.episode.metadata == {"run": "r1", "n": 2}
    ep.finish(1.0)
    assert evo.store.episode(ep.id).metadata == {"run": "r1", "n": 2}


def test_metadata_at_the_cap_is_kept(evo: Evolver) -> None:
    ep = evo.episode(task="t", metadata={"k": "x" * 9_000})
    assert ep.episode.metadata == {"k": "x" * 9_000}


@pytest.mark.parametrize(
    ("task", "metadata"),
    [(123, None), (["a"], None), ("t", ["not", "a", "mapping"]), ("t", "text")],
)
def test_a_group_rollout_with_bad_input_is_a_config_error(evo: Evolver, task: Any, metadata: Any) -> None:
    group = evo.group(task="t", size=2)
    with pytest.raises(ConfigError) as info:
        group.episode(task=task, metadata=metadata)
    assert not isinstance(info.value, ValidationError)
