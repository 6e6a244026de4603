"""Multi-agent handoffs: a tool's ``Command(goto=..., graph=Command.PARENT)`` ends the run of the
(sub)graph it ran in, handing the conversation to another node of the parent graph. That is the
run's end, not its failure: its episode is finished with the reward of the state it hands over,
read here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.messages import BaseMessage
from langgraph.graph.message import add_messages
from langgraph.types import Command

__all__ = ["handed_over", "hands_off"]


def hands_off(result: Any) -> bool:
    """Whether a tool call's (or a node's) result is a handoff to the parent graph."""
    return isinstance(result, Command) and result.graph == Command.PARENT


def handed_over(state: Any, command: Any) -> dict[str, Any]:
    """`state` (a dict; anything else reads as empty) with the messages of `command`'s update merged
    in by LangGraph's message reducer: by id, so that an update carrying the whole history, as
    handoff helpers often send, adds only what is new, and a ``RemoveMessage`` removes."""
    out: dict[str, Any] = dict(state) if isinstance(state, dict) else {}
    new: list[Any] = []
    if isinstance(command, Command):
        for key, value in command._update_as_tuples():
            if key == "messages":
                new.extend(value if isinstance(value, list | tuple) else [value])
    out["messages"] = _reduced(list(out.get("messages") or ()), new)
    return out


def _reduced(messages: list[Any], new: list[Any]) -> list[Any]:
    """`new` merged into `messages` by LangGraph's own message reducer, as the parent applies it: a
    ``RemoveMessage`` removes (one id, or all), a message written as a dict is converted. A state whose
    list the reducer cannot read (not messages) is merged by id alone."""
    try:
        # The reducer gives an id to each message without one, in place: copies, so that the run's
        # own messages and the command the parent is still to apply are left as they are.
        merged = add_messages(_id_less_copied(messages), _id_less_copied(new))
    except Exception:
        return _merged(messages, new)
    return list(merged) if isinstance(merged, list | tuple) else _merged(messages, new)


def _id_less_copied(messages: list[Any]) -> list[Any]:
    """`messages` with a (shallow) copy of each message object that has no id yet."""
    return [m.model_copy() if isinstance(m, BaseMessage) and m.id is None else m for m in messages]


def _merged(messages: Sequence[Any], new: Sequence[Any]) -> list[Any]:
    """`messages` with `new` merged in by message id (a new one with a known id replaces it in place)."""
    out = list(messages)
    at = {i: n for n, m in enumerate(out) if (i := getattr(m, "id", None)) is not None}
    for message in new:
        key = getattr(message, "id", None)
        known = at.get(key) if key is not None else None
        if known is not None:
            out[known] = message
        else:
            if key is not None:
                at[key] = len(out)
            out.append(message)
    return out
