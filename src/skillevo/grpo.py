"""The offline GRPO path's public data contract: the export, its prompts, the current library's prompts.

``skillevo export grpo OUT`` (`export_grpo`) writes the ``episodes`` and ``skill_generator``
datasets; `load_export` reads them back; `skill_prompt` is the one prompt format both the export and
training use (tools and guidance as the system message, the task as the user's, TRL's
conversational format; every guidance block opens with `GUIDANCE_HEADER`, which marks text in
backticks as the tools' data); `current_prompts` builds one training prompt per task with the guidance of
the library as it is *now*, which ``skillevo_trl.train_policy`` trains on (co-evolution). See
docs/training.md.

Everything here is core: it imports no torch, transformers or trl (``datasets`` only when writing).
"""

from __future__ import annotations

from ._grpo import GUIDANCE_BUDGET_TOKENS, GrpoExport, current_prompts, export_grpo, load_export, skill_prompt
from ._guidance import GUIDANCE_HEADER
from ._surface import present_as

__all__ = [
    "GUIDANCE_BUDGET_TOKENS",
    "GUIDANCE_HEADER",
    "GrpoExport",
    "current_prompts",
    "export_grpo",
    "load_export",
    "skill_prompt",
]

present_as(__name__, globals(), __all__)
