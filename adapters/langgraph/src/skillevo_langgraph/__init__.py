"""skillevo for LangGraph and LangChain v1 agents.

``SkillMiddleware`` plugs into ``langchain.agents.create_agent``; ``evolve`` wraps any compiled
``StateGraph``; ``wrap_tools`` and ``with_guidance`` add repairs and guidance inside hand-built graphs;
``apply_langsmith_feedback`` turns LangSmith feedback on recorded runs into rewards.
"""

from __future__ import annotations

try:
    import langchain.agents.middleware  # noqa: F401
    import langchain_core  # noqa: F401
    import langgraph  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised only without the framework installed
    raise ImportError(
        f"skillevo_langgraph needs langchain, langchain-core and langgraph ({exc}); "
        "`pip install skillevo-langgraph` (or `pip install langchain langgraph`) fixes it"
    ) from exc

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
