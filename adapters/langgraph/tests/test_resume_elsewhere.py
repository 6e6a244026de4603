"""A run interrupted inside a tool and resumed by another middleware instance (another process or
worker sharing the checkpointer, or the same one after a restart): its state names an episode this
instance never opened. The resumed tool calls ran before any model call of the resume, so they
went unrecorded (and unrepaired); the resumed part must be an episode with every call in it."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command, interrupt

from skillevo import EventKind, Evolver, SkillLibrary
from skillevo_langgraph import SkillMiddleware

sys.path.insert(0, str(Path(__file__).parent))
from lg_fakes import ScriptedChat

_CALLS = (EventKind.TOOL_CALL, EventKind.TOOL_RESULT, EventKind.TOOL_ERROR)


@tool
def approve(x: int) -> str:
    """Runs once a human approved it."""
    answer = interrupt({"question": "approve?", "x": x})
    return f"approved {x}" if answer == "yes" else "refused"


def _policy(messages: Sequence[BaseMessage]) -> AIMessage:
    if isinstance(messages[-1], HumanMessage):
        return AIMessage(content="", tool_calls=[{"name": "approve", "args": {"x": 1}, "id": "a1"}])
    return AIMessage(content="done")


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def _agent(lib: SkillLibrary, saver: InMemorySaver, sync: bool) -> Any:
    return create_agent(
        ScriptedChat(_policy),
        [approve] if sync else [_async_approve],
        middleware=[SkillMiddleware(Evolver(lib, miner=None), reward=lambda s: 1.0)],
        checkpointer=saver,
    )


@tool("approve")
async def _async_approve(x: int) -> str:
    """Runs once a human approved it."""
    answer = interrupt({"question": "approve?", "x": x})
    return f"approved {x}" if answer == "yes" else "refused"


@pytest.mark.parametrize("sync", [True, False], ids=["sync", "async"])
def test_a_run_resumed_by_another_middleware_records_its_resumed_calls(lib: SkillLibrary, sync: bool) -> None:
    import asyncio

    saver = InMemorySaver()
    thread = {"configurable": {"thread_id": "t"}}
    first = _agent(lib, saver, sync)
    ask = {"messages": [HumanMessage("approve x", id="h1")]}
    out = first.invoke(ask, thread) if sync else asyncio.run(first.ainvoke(ask, thread))
    assert "__interrupt__" in out
    resumer = _agent(lib, saver, sync)  # another worker: it never saw the run's episode
    done: dict[str, Any] = {}

    def resume() -> None:
        cmd = Command(resume="yes")
        done["out"] = resumer.invoke(cmd, thread) if sync else asyncio.run(resumer.ainvoke(cmd, thread))

    worker = threading.Thread(target=resume)
    worker.start()
    worker.join(timeout=60)
    assert done["out"]["messages"][-1].text == "done"
    (episode,) = lib.episodes()  # the first worker's part is still open there
    assert episode.reward == 1.0 and episode.task == "approve x"
    calls = [(e.kind, e.tool) for e in lib.events(episode_id=episode.id) if e.kind in _CALLS]
    assert calls == [(EventKind.TOOL_CALL, "approve"), (EventKind.TOOL_RESULT, "approve")]
