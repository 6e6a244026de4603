"""A run paused at an interrupt on a checkpointed thread, in a process that then ends: its episode
is stored, not lost.

World: a web worker runs an agent on a checkpointed thread; the run fails a tool call, corrects it,
then stops at a tool's ``interrupt()`` for a person's confirmation, and the worker process ends
(the confirmation is resumed later, by another process sharing the checkpointer). The paused run's
episode waits in memory for the thread's next run, and nothing stored it at exit: its calls (the
failure and the correction skillevo learns from) were lost (before: 1 of 2 episodes stored, the
resumed part's; the paused part and its tool error were not; the same under `evolve`, whose paused
runs wait in memory too). At exit, every run still open is
now recorded as stopped (reward unknown); the resume elsewhere is an episode of its own there,
and the conversation is the same as without skillevo.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from skillevo import EventKind, SkillLibrary

_SCRIPT = r'''
import json, pickle, sys
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import ToolException, tool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command, interrupt
from skillevo import Evolver, SkillLibrary
from skillevo.testing import ScriptedChatModel
from skillevo_langgraph import SkillMiddleware

skillevo, phase, path, kind = sys.argv[1] == "1", sys.argv[2], sys.argv[3], sys.argv[4]

@tool
def book(date: str) -> str:
    """Book on an ISO date (YYYY-MM-DD)."""
    import datetime
    try:
        datetime.date.fromisoformat(date)
    except ValueError:
        raise ToolException(f"invalid date {date!r}: expected YYYY-MM-DD") from None
    return f"booked {date}"

book.handle_tool_error = True  # the framework turns the failure into an error message, with or without skillevo

@tool
def pay(amount: int) -> str:
    """Pay, once a person confirms."""
    return f"paid {amount}: {interrupt({'confirm': amount})}"

def policy(messages):
    last = messages[-1]
    if isinstance(last, HumanMessage):
        return AIMessage("", tool_calls=[{"name": "book", "args": {"date": "03/04/2025"}, "id": "a"}])
    if isinstance(last, ToolMessage) and last.status == "error":
        return AIMessage("", tool_calls=[{"name": "book", "args": {"date": "2025-03-04"}, "id": "b"}])
    if isinstance(last, ToolMessage) and last.name == "book":
        return AIMessage("", tool_calls=[{"name": "pay", "args": {"amount": 5}, "id": "c"}])
    return AIMessage("done")

saver = InMemorySaver()
if phase == "resume":
    with open(path + ".saver", "rb") as f:
        storage, writes, blobs = pickle.load(f)
    saver.storage.update(storage); saver.writes.update(writes); saver.blobs.update(blobs)
lib = SkillLibrary(path)  # left open, as a worker's library is until its process ends
if kind == "create_agent":
    middleware = [SkillMiddleware(Evolver(lib, miner=None), reward=lambda state: 1.0)] if skillevo else []
    agent = create_agent(ScriptedChatModel(policy), [book, pay], middleware=middleware, checkpointer=saver)
else:
    from langgraph.graph import START, MessagesState, StateGraph
    from langgraph.prebuilt import ToolNode, tools_condition
    from skillevo_langgraph import evolve, with_guidance, wrap_tools
    model = with_guidance(ScriptedChatModel(policy)) if skillevo else ScriptedChatModel(policy)
    builder = StateGraph(MessagesState)
    builder.add_node("model", lambda state: {"messages": [model.invoke(state["messages"])]})
    builder.add_node("tools", ToolNode(wrap_tools([book, pay]) if skillevo else [book, pay]))
    builder.add_edge(START, "model")
    builder.add_conditional_edges("model", tools_condition)
    builder.add_edge("tools", "model")
    agent = builder.compile(checkpointer=saver)
    if skillevo:
        agent = evolve(agent, Evolver(lib, miner=None), reward=lambda state: 1.0)
config = {"configurable": {"thread_id": "t"}}
inputs = {"messages": [HumanMessage("book and pay")]} if phase == "start" else Command(resume="yes")
out = agent.invoke(inputs, config)
if phase == "start":
    with open(path + ".saver", "wb") as f:
        pickle.dump((dict(saver.storage), dict(saver.writes), dict(saver.blobs)), f)
print(json.dumps([[m.type, m.text] for m in out["messages"]] + [["interrupted", "__interrupt__" in out]]))
'''


def _phase(tmp: Path, skillevo: bool, phase: str, kind: str) -> list[list[object]]:
    script = tmp / "agent.py"
    script.write_text(_SCRIPT)
    path = str(tmp / ("with.db" if skillevo else "without.db"))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, str(script), "1" if skillevo else "0", phase, path, kind],
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    result: list[list[object]] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize("kind", ["create_agent", "evolve"])
def test_a_run_paused_when_its_process_ends_is_stored_and_resumes_elsewhere(tmp_path: Path, kind: str) -> None:
    without = [_phase(tmp_path, False, "start", kind), _phase(tmp_path, False, "resume", kind)]
    with_skillevo = [_phase(tmp_path, True, "start", kind), _phase(tmp_path, True, "resume", kind)]
    assert with_skillevo == without
    assert without[0][-1] == ["interrupted", True] and without[1][-2:] == [["ai", "done"], ["interrupted", False]]
    with SkillLibrary(str(tmp_path / "with.db")) as lib:
        episodes = sorted(lib.episodes(), key=lambda e: e.reward is not None)
        errors = lib.events(kind=EventKind.TOOL_ERROR)
    assert len(episodes) == 2
    paused, resumed = episodes
    assert paused.reward is None and paused.metadata.get("aborted") == "stopped"
    assert resumed.reward == 1.0
    assert [e.episode_id for e in errors] == [paused.id]  # the failed call the paused part made


_LEFT_OPEN = "lib = SkillLibrary(path)  # left open, as a worker's library is until its process ends"
_RUN = "out = agent.invoke(inputs, config)\n"
_PAUSED_IN_PROCESS = _SCRIPT.replace(_LEFT_OPEN, "lib = SkillLibrary(path)").replace(
    _RUN, _RUN + "lib.close()  # as a worker shutting down does\n"
)


@pytest.mark.parametrize("kind", ["create_agent", "evolve"])
def test_a_run_paused_when_its_library_closes_is_stored(tmp_path: Path, kind: str) -> None:
    # The worker closes its library before its process ends (``with SkillLibrary(...)`` left): the
    # paused run's episode waits in memory for a resume that cannot write any more. Before: 0 of 1
    # stored (the at-exit record was refused, "the library ... is closed"), under both adapters.
    script = tmp_path / "agent.py"
    script.write_text(_PAUSED_IN_PROCESS)
    path = str(tmp_path / "with.db")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, str(script), "1", "start", path, kind],
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "is closed" not in done.stderr, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1])[-1] == ["interrupted", True]
    with SkillLibrary(path) as lib:
        (paused,) = lib.episodes()
        errors = lib.events(kind=EventKind.TOOL_ERROR)
    assert paused.reward is None and paused.metadata.get("aborted") == "stopped"
    assert [e.episode_id for e in errors] == [paused.id]
