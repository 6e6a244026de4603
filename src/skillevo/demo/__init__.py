"""The bundled demo world: a travel-and-commerce back office, its tasks and a simulated policy.

Importing this package imports no agent framework. The LangChain chat model that plays the policy
inside a LangGraph agent lives in ``skillevo.demo._langgraph`` and is imported only by
``skillevo demo``. See docs/demo.md.
"""

from ._policy import MISTAKES, POLICY_V1, POLICY_V2, Action, EpisodePolicy, MistakeClass, SimPolicy
from ._runner import (
    AUTHORED_SKILLS,
    BASE_PROMPT,
    EpisodeResult,
    Notes,
    add_authored_skills,
    block_table,
    plot_curves,
    run_episode,
    run_neutral,
    summarize,
)
from ._tasks import TEMPLATES, Task, Template, make_task
from ._world import TOOL_DOCS, ToolError, World, WorldConfig

__all__ = [
    "AUTHORED_SKILLS",
    "BASE_PROMPT",
    "MISTAKES",
    "POLICY_V1",
    "POLICY_V2",
    "TEMPLATES",
    "TOOL_DOCS",
    "Action",
    "EpisodePolicy",
    "EpisodeResult",
    "MistakeClass",
    "Notes",
    "SimPolicy",
    "Task",
    "Template",
    "ToolError",
    "World",
    "WorldConfig",
    "add_authored_skills",
    "block_table",
    "make_task",
    "plot_curves",
    "run_episode",
    "run_neutral",
    "summarize",
]
