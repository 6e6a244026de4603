"""skillevo's offline GRPO path: fine-tune the policy with TRL on the library's tasks, skills injected.

``skillevo train --policy`` (or ``[policy] enabled = true``) calls `train_policy`; ``skillevo export
grpo OUT`` writes the datasets (see ``skillevo.grpo``). `build_tiny_model` makes a small random
Qwen2 model with a locally trained tokenizer for offline tests. See docs/training.md.
"""

from __future__ import annotations

from skillevo.adapters import require_framework

require_framework(
    "skillevo_trl",
    ("datasets", "peft", "torch", "transformers", "trl"),
    needs="torch, transformers, trl, datasets and peft",
    fix='`pip install "skillevo-trl"` (on a GPU, `pip install "skillevo-trl[vllm]"` in its own venv)',
)

from ._reward import SkillIntegratedReward, completion_text, skill_markers
from ._tiny import CHAT_TEMPLATE, build_tiny_model
from ._train import POLICY_FILE, train_policy

__all__ = [
    "CHAT_TEMPLATE",
    "POLICY_FILE",
    "SkillIntegratedReward",
    "build_tiny_model",
    "completion_text",
    "skill_markers",
    "train_policy",
]
