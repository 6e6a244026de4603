"""skillevo for CrewAI.

``evolving(evo, reward=...)`` marks agents (through an Agent or Crew factory, ``@agent`` methods, a
whole ``@CrewBase`` class, or an instance) so that every kickoff they take part in is a skillevo
episode: guidance in their system messages, learned repairs on their tool calls, credit from the
kickoff's output. ``ScriptedLLM`` is a scripted CrewAI model for offline tests and examples (it lives
in `skillevo.testing`, with the other test doubles; re-exported here).
"""

from __future__ import annotations

from skillevo.adapters import require_framework

require_framework(
    "skillevo_crewai",
    ("crewai.hooks", "crewai.llms.base_llm"),
    needs="crewai>=1.15.44",
    fix="`pip install skillevo-crewai` (or `pip install crewai`)",
)

from skillevo.testing import LLMPolicy as Policy
from skillevo.testing import ScriptedLLM, last_observation

from ._events import SkillevoEvent, SkillGuidanceEvent, SkillRepairEvent, SkillRewardEvent, SkillSelectionEvent
from ._evolving import Evolving, evolving

__all__ = [
    "Evolving",
    "Policy",
    "ScriptedLLM",
    "SkillGuidanceEvent",
    "SkillRepairEvent",
    "SkillRewardEvent",
    "SkillSelectionEvent",
    "SkillevoEvent",
    "evolving",
    "last_observation",
]
