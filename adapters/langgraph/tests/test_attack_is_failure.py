"""`SkillMiddleware(evo, is_failure=...)` judges its own runs' tool results and leaves the Evolver's
predicate alone: two agents sharing one Evolver (one middleware each) keep their own predicates."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool

from skillevo import ConfigError, EventKind, Evolver, SkillLibrary
from skillevo_langgraph import SkillMiddleware

sys.path.insert(0, str(Path(__file__).parent))
from lg_fakes import ScriptedChat


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


@tool
def lookup(order: str) -> str:
    """Look an order up."""
    return f"status FAILED for {order}"


def _one_lookup(messages: Sequence[BaseMessage]) -> AIMessage:
    if isinstance(messages[-1], ToolMessage):
        return AIMessage(content="done")
    return AIMessage(content="", tool_calls=[{"name": "lookup", "args": {"order": "A1"}, "id": "c1"}])


def _errors(lib: SkillLibrary, episode_id: str) -> int:
    return len(lib.events(episode_id=episode_id, kind=EventKind.TOOL_ERROR))


def test_each_middleware_keeps_its_own_predicate(lib: SkillLibrary) -> None:
    evo = Evolver(lib, miner=None)
    strict = SkillMiddleware(evo, reward=lambda s: 1.0, is_failure=lambda r: "FAILED" in str(r))
    lenient = SkillMiddleware(evo, reward=lambda s: 1.0)  # the Evolver's own judgement
    assert evo.is_failure is None
    ask: dict[str, Any] = {"messages": [HumanMessage("look up A1")]}
    create_agent(ScriptedChat(_one_lookup), [lookup], middleware=[strict]).invoke(ask)
    create_agent(ScriptedChat(_one_lookup), [lookup], middleware=[lenient]).invoke(ask)
    by_strict, by_lenient = strict.last_episode_id, lenient.last_episode_id
    assert by_strict and by_lenient
    assert _errors(lib, by_strict) == 1
    assert _errors(lib, by_lenient) == 0
    assert evo.is_failure is None


def test_a_predicate_that_is_not_callable_is_refused(lib: SkillLibrary) -> None:
    with pytest.raises(ConfigError):
        SkillMiddleware(Evolver(lib), is_failure="FAILED")  # type: ignore[arg-type]
