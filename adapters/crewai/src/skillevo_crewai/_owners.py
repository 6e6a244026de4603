"""What a kickoff's owner is (a crew, a standalone agent's executor, or a caller's flow): the agents
taking part in it, whether it is a flow, and the id CrewAI gives the kickoff."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["agents_of", "is_flow", "kickoff_id"]


def agents_of(owner: Any) -> list[Any]:
    """The agents that take part in a kickoff of `owner` (a crew, or a standalone agent's executor)."""
    agent = getattr(owner, "agent", None)
    if agent is not None and not hasattr(owner, "agents"):
        return [agent]
    agents = list(getattr(owner, "agents", None) or [])
    manager = getattr(owner, "manager_agent", None)
    if manager is not None:
        agents.append(manager)
    agents.extend(t.agent for t in getattr(owner, "tasks", None) or [] if getattr(t, "agent", None) is not None)
    return agents


def is_flow(owner: Any) -> bool:
    """Whether `owner` is a caller's flow (agents join its run when they first act in it)."""
    return not hasattr(owner, "agents") and getattr(owner, "agent", None) is None and hasattr(owner, "state")


def kickoff_id(owner: Any) -> str | None:
    """The id CrewAI gives this kickoff: the ``event_id`` of its ``CrewKickoffStartedEvent`` (of
    ``LiteAgentExecutionStartedEvent`` for a standalone agent), which its completion event and
    CrewAI's traces refer to; a flow's state id for a flow."""
    for holder in (owner, getattr(owner, "agent", None)):
        rid = getattr(holder, "_kickoff_event_id", None)
        if isinstance(rid, str) and rid:
            return rid
    state = getattr(owner, "state", None)
    # A flow's state is a model, or a dict for an unstructured flow (``Flow[dict]``, the default).
    state_id = state.get("id") if isinstance(state, Mapping) else getattr(state, "id", None)
    return str(state_id) if state_id else None

