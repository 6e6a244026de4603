"""The GRPO export's ``skill_generator`` dataset: mined skills as training data for the miner's model.

One row per mined skill version whose words no person still has to read (a model's guidance held by
`skillevo._probation.text_unvouched` gives none: trained on, the miner's model would learn to copy a
tool's orders as lessons, attack17): ``prompt`` the failure context in the words `LLMMiner` uses,
``completion`` the proposed skill as the JSON object `LLMMiner` asks for, and ``score`` Skill-R1's
bi-level advantage (see `skillevo._grpo`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from ._grpo_snapshot import ADVANTAGE_EPS, Snapshot, finite
from ._lifecycle import group_advantages
from ._models import NULL_ARM, EventKind, SkillVersion
from ._store import SkillStore

__all__ = ["skill_generator_rows", "skill_generator_rows_of"]


def _failure_context(snap: Snapshot, version: SkillVersion, tool: str) -> str | None:
    from ._llm_miner import LLMMiner

    evidence = [snap.by_id[i] for i in version.origin.evidence if i in snap.by_id]
    errors = [e for e in evidence if e.kind is EventKind.TOOL_ERROR]
    if not errors:
        errors = [
            e
            for episode_id in version.origin.episodes
            for e in snap.events.get(episode_id, [])
            if e.kind is EventKind.TOOL_ERROR and (tool == "*" or e.tool == tool)
        ]
    if not errors:
        return None
    err = errors[0]
    successes = [e for e in evidence if e.kind is EventKind.TOOL_RESULT and e.tool == err.tool]
    if not successes and err.episode_id:
        successes = [e for e in snap.events.get(err.episode_id, []) if e.kind is EventKind.TOOL_RESULT
                     and e.tool == err.tool]
    # The exact prompt LLMMiner sends for this failure, so the generator trains on what it will see.
    return LLMMiner(lambda _prompt: "", max_calls=0)._prompt(err, successes)


def _mean_reward(members: Sequence[SkillVersion], rewards: dict[str, float | None]) -> float | None:
    scored = [r for v in members if (r := rewards[v.id]) is not None]
    return sum(scored) / len(scored) if scored else None


def skill_generator_rows_of(snap: Snapshot, skill_reward_bonus: float) -> list[dict[str, Any]]:
    """The rows of the ``skill_generator`` dataset from a snapshot, oldest first."""
    best = snap.best_later_use()
    rows: list[dict[str, Any]] = []
    for skill in snap.skills:
        rewards = {v.id: (v.mean if v.observations > 0 else None) for v in skill.versions}
        generations: dict[str | None, list[SkillVersion]] = defaultdict(list)
        for v in skill.versions:
            generations[v.parent].append(v)

        advantage: dict[str, float] = {}
        for members in generations.values():
            scored = [v for v in members if rewards[v.id] is not None]
            values = group_advantages([float(rewards[v.id] or 0.0) for v in scored], eps=ADVANTAGE_EPS)
            advantage.update({v.id: finite(float(a)) for v, a in zip(scored, values, strict=True)})
        for v in skill.versions:
            if v.id in snap.held_text:
                continue  # a model's (or an import's) words nobody vouched for: no target to learn
            context = _failure_context(snap, v, skill.trigger.tool)
            if context is None:
                continue  # authored or imported: no failure it answered
            if v.parent is None:
                baseline = snap.null_means.get(skill.name)
            else:
                parent = snap.versions.get(v.parent)
                baseline = _mean_reward(generations.get(parent.parent, []), rewards) if parent is not None else None
                if baseline is None and parent is not None:
                    baseline = rewards.get(parent.id)
            reward = rewards[v.id]
            bonus = skill_reward_bonus * best.get(v.id, 0.0)
            improvement = reward - baseline if reward is not None and baseline is not None else None
            score = None if reward is None else advantage.get(v.id, 0.0) + (improvement or 0.0) + bonus
            completion = {
                "name": skill.name,
                "description": skill.description,
                "trigger": skill.trigger.model_dump(mode="json", exclude_none=True),
                "strategy": v.strategy.model_dump(mode="json", exclude_none=True),
            }
            rows.append(
                {
                    "version_id": v.id,
                    "skill": skill.name,
                    "number": v.number,
                    "parent": v.parent,
                    "miner": v.origin.miner,
                    "status": v.status.value,
                    "created_at": v.created_at,
                    "generation": f"{skill.name}<-{v.parent or NULL_ARM}",
                    "prompt": context,
                    "completion": json.dumps(completion, ensure_ascii=False),
                    "reward": reward,
                    "observations": float(v.observations),
                    "group_advantage": advantage.get(v.id) if reward is not None else None,
                    "baseline": baseline,
                    "improvement": improvement,
                    "skill_bonus": float(bonus),
                    "score": score,
                }
            )
    rows.sort(key=lambda r: (r["created_at"], r["version_id"]))
    return rows


def skill_generator_rows(store: SkillStore, *, skill_reward_bonus: float = 1.0) -> list[dict[str, Any]]:
    """The rows of the ``skill_generator`` dataset (see the module docstring), oldest first."""
    return skill_generator_rows_of(Snapshot.read(store), skill_reward_bonus)
