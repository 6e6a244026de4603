"""A run ended by its tool's own exception (``catch_tool_errors=False``) is recorded before the
exception reaches the caller: a caller whose ``with SkillLibrary(...)`` block the exception leaves
closes the library at once, and an episode still queued for a background thread was lost."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool

from skillevo import Evolver, SkillLibrary
from skillevo_langgraph import SkillMiddleware

sys.path.insert(0, str(Path(__file__).parent))
from lg_fakes import ScriptedChat


@tool
def lookup(key: str) -> str:
    """Look a key up."""
    raise KeyError(key)


def _calls(n: int):  # type: ignore[no-untyped-def]
    def policy(messages: Sequence[BaseMessage]) -> AIMessage:
        if any(isinstance(m, ToolMessage) for m in messages):
            return AIMessage(content="done")
        calls = [{"name": "lookup", "args": {"key": f"k{i}"}, "id": f"c{i}"} for i in range(n)]
        return AIMessage(content="", tool_calls=calls)

    return policy


@pytest.mark.parametrize("parallel", [1, 2])
@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
def test_a_tool_exception_ending_the_run_is_stored_before_the_library_closes(
    tmp_path: Path, mode: str, parallel: int
) -> None:
    path = tmp_path / "lib.db"
    with pytest.raises(KeyError), SkillLibrary(path) as lib:
        mw = SkillMiddleware(Evolver(lib, miner=None), reward=lambda s: 1.0, catch_tool_errors=False)
        agent = create_agent(ScriptedChat(_calls(parallel)), [lookup], middleware=[mw])
        ask = {"messages": [HumanMessage(content="go")]}
        agent.invoke(ask) if mode == "invoke" else asyncio.run(agent.ainvoke(ask))
    with SkillLibrary(path) as again:
        eps = again.episodes()
        assert len(eps) == 1, [(e.task, e.reward, e.metadata) for e in eps]
        [episode] = eps
        assert episode.metadata.get("aborted") == "KeyError" and episode.reward == 0.0
