"""A marked agent's standalone ``Agent.kickoff``: one episode however often CrewAI runs its executor.

A standalone kickoff runs the agent's executor (a flow, with its own execution boundary, where the
episode opens and ends); when the agent's guardrail rejects an answer CrewAI runs that executor
again inside the same kickoff, so each attempt was an episode of its own, the rejected answer
rewarded like an accepted one. The marked agent's kickoff methods open a span: the executor's
run stays open across its attempts and ends when the kickoff returns (or raises).
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass
from typing import Any

__all__ = ["KICKOFFS", "Span", "spans"]

#: the marked agent's methods a standalone kickoff enters by
KICKOFFS = frozenset({"kickoff", "kickoff_async", "akickoff"})


@dataclass
class Span:
    """One standalone kickoff of `agent`: its executor's ended run, held until the kickoff returns."""

    agent: Any
    #: (the run, its output, whether it failed, its error) of the executor's last attempt
    ended: tuple[Any, Any, bool, BaseException | None] | None = None


spans: contextvars.ContextVar[Span | None] = contextvars.ContextVar("skillevo_crewai_span", default=None)
