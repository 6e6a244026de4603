"""skillevo for LangGraph and LangChain v1 agents.

``SkillMiddleware`` plugs into ``langchain.agents.create_agent``; ``evolve`` wraps any compiled
``StateGraph``; ``wrap_tools`` and ``with_guidance`` add repairs and guidance inside hand-built graphs;
``apply_langsmith_feedback`` turns LangSmith feedback on recorded runs into rewards.
"""

from __future__ import annotations

from skillevo.adapters import require_framework

require_framework(
    "skillevo_langgraph",
    ("langchain.agents.middleware", "langchain_core", "langgraph"),
    needs="langchain, langchain-core and langgraph",
    fix="`pip install skillevo-langgraph` (or `pip install langchain langgraph`)",
)

from ._evolve import EvolvingGraph, evolve
from ._graph import llm_complete, with_guidance, wrap_tools
from ._langsmith import FeedbackClient, FeedbackReport, apply_langsmith_feedback
from ._middleware import SkillMiddleware

__all__ = [
    "EvolvingGraph",
    "FeedbackClient",
    "FeedbackReport",
    "SkillMiddleware",
    "apply_langsmith_feedback",
    "evolve",
    "llm_complete",
    "with_guidance",
    "wrap_tools",
]
