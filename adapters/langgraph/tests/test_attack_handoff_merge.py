"""The state a handoff hands over is merged as LangGraph merges it (attack36).

A sub-agent's episode ends, on ``Command(graph=Command.PARENT)``, with the reward of the state it
hands over: its last state with the command's messages merged in. The merge was hand-written, by
message id: a ``RemoveMessage`` (handoff helpers drop the tool call that handed off, or all
messages) was put into the state as if it were a message, and a message written as a dict
(``{"role": "assistant", "content": ...}``, which LangGraph converts) stayed a dict. The reward
function then read the wrong conversation: a removed message still there, a last message with no
``.content`` (the reward lost, or computed on the wrong turn). Now the messages are merged by
LangGraph's own ``add_messages`` reducer.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, RemoveMessage
from langgraph.graph.message import REMOVE_ALL_MESSAGES
from langgraph.types import Command

from skillevo_langgraph._handoff import handed_over


def _state() -> dict[str, Any]:
    return {"messages": [HumanMessage("refund order 7", id="h1"), AIMessage("handing off", id="a1")], "k": 1}


def test_a_removed_message_is_removed_and_a_dict_message_converted() -> None:
    update = {"messages": [RemoveMessage(id="a1"), {"role": "assistant", "content": "billing has it"}]}
    out = handed_over(_state(), Command(graph=Command.PARENT, goto="billing", update=update))
    messages = out["messages"]
    assert all(isinstance(m, BaseMessage) and not isinstance(m, RemoveMessage) for m in messages)
    assert [m.content for m in messages] == ["refund order 7", "billing has it"]
    assert out["k"] == 1


def test_remove_all_then_the_new_history() -> None:
    update = {"messages": [RemoveMessage(id=REMOVE_ALL_MESSAGES), HumanMessage("summary", id="s1")]}
    out = handed_over(_state(), Command(graph=Command.PARENT, goto="billing", update=update))
    assert [m.content for m in out["messages"]] == ["summary"]


def test_the_whole_history_resent_adds_only_what_is_new() -> None:
    state = _state()
    update = {"messages": [*state["messages"], AIMessage("done", id="a2")]}
    out = handed_over(state, Command(graph=Command.PARENT, goto="billing", update=update))
    assert [m.id for m in out["messages"]] == ["h1", "a1", "a2"]


def test_the_merge_leaves_the_run_s_own_messages_as_they_are() -> None:
    # The reducer gives an id to each message without one, in place: run on the agent's own state
    # and on the command the parent is still to apply, skillevo's observation changed them.
    mine, sent = HumanMessage("refund order 7"), AIMessage("billing has it")
    state = {"messages": [mine]}
    out = handed_over(state, Command(graph=Command.PARENT, goto="billing", update={"messages": [sent]}))
    assert [m.content for m in out["messages"]] == ["refund order 7", "billing has it"]
    assert mine.id is None and sent.id is None
    assert state["messages"] == [mine]
