"""Every kind of tool outcome LangChain has is recorded once, as what it is, under both harnesses,
and none of them reaches the agent as an exception: a ``ToolException`` the tool handles itself
(``handle_tool_error=True``) or leaves to the ``ToolNode``, an error returned as a string, a
``Command``, and async and sync tools called in parallel from one message."""

from __future__ import annotations

import asyncio
import itertools
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain.tools import ToolRuntime
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.tools import ToolException, tool
from langgraph.types import Command

from skillevo import EventKind, Evolver, SkillLibrary
from skillevo_langgraph import SkillMiddleware, evolve

sys.path.insert(0, str(Path(__file__).parent))
from lg_fakes import ScriptedChat
from lg_harness import graph

_ids = itertools.count()
_CALLS = (EventKind.TOOL_CALL, EventKind.TOOL_RESULT, EventKind.TOOL_ERROR)
CALL, RESULT, ERROR = _CALLS


@tool
def handled(x: int) -> str:
    """Raises a ToolException it handles itself."""
    raise ToolException(f"bad x {x}")


handled.handle_tool_error = True


@tool
def unhandled(x: int) -> str:
    """Raises a ToolException left to the ToolNode."""
    raise ToolException(f"bad x {x}")


@tool
def error_text(x: int) -> str:
    """Returns its failure as text."""
    return f"Error: x {x} is invalid"


@tool
def command(x: int, runtime: ToolRuntime) -> Command[Any]:
    """Returns a Command carrying its ToolMessage."""
    return Command(update={"messages": [ToolMessage(content=f"set {x}", tool_call_id=runtime.tool_call_id)]})


@tool
async def async_ok(x: int) -> str:
    """An async tool."""
    await asyncio.sleep(0)
    return f"async {x}"


@tool
def sync_ok(x: int) -> str:
    """A sync tool."""
    return f"sync {x}"


def _once(*names: str) -> Callable[[Sequence[BaseMessage]], AIMessage]:
    def policy(messages: Sequence[BaseMessage]) -> AIMessage:
        if isinstance(messages[-1], HumanMessage):
            calls = [{"name": n, "args": {"x": i}, "id": f"k{next(_ids)}"} for i, n in enumerate(names)]
            return AIMessage(content="", tool_calls=calls)
        return AIMessage(content="done")

    return policy


CASES: list[tuple[list[Any], dict[str, Any]]] = [
    ([handled], {"handled": ERROR}),
    ([unhandled], {"unhandled": ERROR}),
    ([error_text], {"error_text": ERROR}),
    ([command], {"command": RESULT}),
    ([command, sync_ok], {"command": RESULT, "sync_ok": RESULT}),
    ([async_ok, sync_ok, handled], {"async_ok": RESULT, "sync_ok": RESULT, "handled": ERROR}),
]


@pytest.mark.parametrize("harness", ["create_agent", "evolve"])
@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize(("tools", "outcomes"), CASES, ids=lambda c: "+".join(getattr(t, "name", "") for t in c))
def test_each_outcome_is_recorded_once_and_the_run_goes_on(
    tools: list[Any], outcomes: dict[str, Any], harness: str, asynchronous: bool
) -> None:
    if not asynchronous and any(t.coroutine is not None and t.func is None for t in tools):
        pytest.skip("an async-only tool runs under ainvoke")
    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, miner=None)
        model = ScriptedChat(_once(*(t.name for t in tools)))
        if harness == "create_agent":
            app: Any = create_agent(model, tools, middleware=[SkillMiddleware(evo, reward=lambda s: 1.0)])
        else:
            app = evolve(graph(model, tools).compile(), evo, reward=lambda s: 1.0)
        ask = {"messages": [HumanMessage("go")]}
        out = asyncio.run(app.ainvoke(ask)) if asynchronous else app.invoke(ask)
        assert out["messages"][-1].text == "done"
        (episode,) = lib.episodes()
        assert episode.reward == 1.0
        events = [(e.kind, e.tool) for e in lib.events(episode_id=episode.id) if e.kind in _CALLS]
        for name, outcome in outcomes.items():
            assert [k for k, t in events if t == name] == [CALL, outcome], name
        assert len(events) == 2 * len(outcomes)
