"""The columns of the GRPO export's datasets, as Hugging Face `Features`.

Kept apart from `skillevo._grpo` so the export's logic reads without the schema; ``datasets`` is
an optional dependency, so it is passed in rather than imported here.
"""

from __future__ import annotations

from typing import Any

__all__ = ["EPISODES", "SKILL_GENERATOR", "dataset_features"]

EPISODES = "episodes"
SKILL_GENERATOR = "skill_generator"


def dataset_features(ds: Any, which: str) -> Any:
    """The Hugging Face `Features` of dataset `which` (``datasets`` is passed in: it is optional)."""
    V = ds.Value
    if which == EPISODES:
        return ds.Features(
            {
                "episode_id": V("string"),
                "group_id": V("string"),
                "task": V("string"),
                "policy_version": V("string"),
                "started_at": V("float64"),
                "prompt": [{"role": V("string"), "content": V("string")}],
                "guidance": V("string"),
                "trajectory": [
                    {
                        "id": V("int64"),
                        "ts": V("float64"),
                        "kind": V("string"),
                        "tool": V("string"),
                        "version_id": V("string"),
                        "data": V("string"),
                    }
                ],
                "reward": V("float64"),
                "skill_bonus": V("float64"),
                "integrated_reward": V("float64"),
                "advantage": V("float64"),
                "group_size": V("int64"),
                "group_by": V("string"),
                "template": V("string"),
                "tools": V("string"),
                "skills": [V("string")],
                "guidance_skills": [V("string")],
            }
        )
    return ds.Features(
        {
            "version_id": V("string"),
            "skill": V("string"),
            "number": V("int64"),
            "parent": V("string"),
            "miner": V("string"),
            "status": V("string"),
            "created_at": V("float64"),
            "generation": V("string"),
            "prompt": V("string"),
            "completion": V("string"),
            "reward": V("float64"),
            "observations": V("float64"),
            "group_advantage": V("float64"),
            "baseline": V("float64"),
            "improvement": V("float64"),
            "skill_bonus": V("float64"),
            "score": V("float64"),
        }
    )
