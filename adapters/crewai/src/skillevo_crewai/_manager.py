"""The manager CrewAI builds for a hierarchical crew from ``manager_llm``: part of a marked crew.

CrewAI makes that manager at kickoff (``Crew._create_manager_agent``), after the kickoff's episode
opened, so nobody could mark it: its delegations (the tool calls a hierarchical crew fails on most,
a coworker named wrong) went unrecorded and unrepaired. It is marked where its first hook sees it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from crewai.agents.agent_builder.base_agent import BaseAgent

from skillevo.adapters import record_error

if TYPE_CHECKING:
    from ._evolving import Evolving

__all__ = ["built_manager"]


def built_manager(agent: Any, owner: Any, binding_of: Callable[[Any], Evolving | None]) -> Evolving | None:
    """The binding that marks `agent` when it is the manager CrewAI built for crew `owner` from its
    ``manager_llm`` and one open binding marked every agent of the crew (the agent is marked by it
    then), else None: a crew marked in part, or a manager the caller made, is left as it is."""
    if not isinstance(agent, BaseAgent):
        return None
    manager: BaseAgent = agent
    llm = getattr(owner, "manager_llm", None)
    if llm is None or getattr(owner, "manager_agent", None) is not manager or getattr(manager, "llm", None) is not llm:
        return None
    agents = list(getattr(owner, "agents", None) or [])
    binding = binding_of(agents[0]) if agents else None
    if binding is None or not all(binding_of(a) is binding for a in agents):
        return None
    try:
        binding._mark(manager)
    except Exception as exc:  # the manager's calls go on unobserved, as before
        record_error(None, "marking the crew's manager", exc)
        return None
    return binding
