"""The GRPO reward: the user's verifier plus SAGE's skill-integrated bonus, with the skill context.

TRL calls a reward function as ``fn(prompts=..., completions=..., completion_ids=..., **columns)``
where `columns` are the dataset's other columns, repeated per completion. skillevo's training rows
carry ``task``, ``guidance``, ``skills`` (the version ids whose guidance is in the prompt) and
``skill_names``, so the verifier sees which skills the model was given.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from skillevo import ConfigError

__all__ = ["SkillIntegratedReward", "completion_text", "skill_markers"]


def completion_text(value: Any) -> str:
    """Plain text of a TRL prompt or completion: a string, or conversational messages joined."""
    if isinstance(value, str):
        return value
    if isinstance(value, Sequence):
        parts = [str(m.get("content", "")) if isinstance(m, Mapping) else str(m) for m in value]
        return "\n\n".join(p for p in parts if p)
    return str(value)


def skill_markers(name: str, tool: str) -> tuple[str, ...]:
    """The words whose presence in a completion counts as using a skill: its name, and its tool
    when the trigger names one tool (a glob like ``*`` names none)."""
    markers = [name]
    if not any(c in tool for c in "*?["):
        markers.append(tool)
    return tuple(markers)


def _mentions(text: str, marker: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(marker)}(?![\w-])", text, re.IGNORECASE) is not None


class SkillIntegratedReward:
    """``reward = verifier + bonus * clamp(verifier, 0, 1)`` when the completion used a skill of its prompt.

    SAGE's skill-integrated reward gives a bonus when a skill is reused successfully; here the
    success is the verifier's score (clamped to [0, 1], so a binary verifier gives the full bonus on
    success and none on failure) and "used" is decided, per completion, by the verifier when it
    returns ``{"reward": r, "skills_used": [...]}`` (skill names or version ids), else by the
    completion mentioning the skill's name or its trigger's tool.

    Args:
        verifier: ``fn(prompts, completions, **kw) -> list[float | dict]``; `prompts` and
            `completions` are plain strings, `kw` carries TRL's extra arguments and the columns
            ``task``, ``guidance``, ``skills`` and ``skill_names`` (one entry per completion).
        markers: per version id, the words that show its use (see `skill_markers`).
        bonus: SAGE's bonus (``[policy].skill_reward_bonus``).
    """

    #: TRL names the reward in its logs after the function.
    __name__ = "skillevo_reward"

    def __init__(
        self, verifier: Callable[..., Any], markers: Mapping[str, Sequence[str]], bonus: float
    ) -> None:
        self.verifier = verifier
        self.markers = {k: tuple(v) for k, v in markers.items()}
        self.bonus = bonus
        self.calls = 0
        self.verifier_total = 0.0
        self.bonus_total = 0.0
        self.used_total = 0
        self.scored = 0

    def _score(self, value: Any, i: int) -> tuple[float, list[str] | None]:
        used: list[str] | None = None
        if isinstance(value, Mapping):
            if "reward" not in value:
                raise ConfigError(f"policy.verifier: result {i} is a dict without a 'reward' key")
            raw = value.get("skills_used")
            used = [str(s) for s in raw] if isinstance(raw, Sequence) and not isinstance(raw, str) else None
            value = value["reward"]
        try:
            r = float(value)
        except (TypeError, ValueError):
            raise ConfigError(f"policy.verifier: result {i} is not a number (got {value!r})") from None
        if not math.isfinite(r):
            raise ConfigError(f"policy.verifier: result {i} is not finite (got {value!r})")
        return r, used

    def _used(self, text: str, skills: Sequence[str], declared: list[str] | None) -> bool:
        if declared is not None:
            names = {s.split("@", 1)[0] for s in declared} | set(declared)
            return any(v in names or v.split("@", 1)[0] in names for v in skills)
        return any(_mentions(text, m) for v in skills for m in self.markers.get(v, ()))

    def __call__(self, prompts: Sequence[Any], completions: Sequence[Any], **kw: Any) -> list[float]:
        """Score a batch of completions (TRL's reward-function protocol)."""
        prompt_texts = [completion_text(p) for p in prompts]
        texts = [completion_text(c) for c in completions]
        skills: Sequence[Sequence[str]] = kw.get("skills") or [[] for _ in texts]
        raw = self.verifier(prompt_texts, texts, **kw)
        if isinstance(raw, str | bytes) or not isinstance(raw, Sequence) or len(raw) != len(texts):
            got = len(raw) if isinstance(raw, Sequence) else type(raw).__name__
            raise ConfigError(f"policy.verifier: must return one score per completion ({len(texts)}), got {got}")
        out: list[float] = []
        bonuses = used_count = 0.0
        for i, (text, in_prompt, value) in enumerate(zip(texts, skills, raw, strict=True)):
            r, declared = self._score(value, i)
            used = bool(in_prompt) and self._used(text, in_prompt, declared)
            b = self.bonus * min(max(r, 0.0), 1.0) if used else 0.0
            out.append(r + b)
            self.verifier_total += r
            bonuses += b
            used_count += used
        self.calls += 1
        self.bonus_total += bonuses
        self.used_total += int(used_count)
        self.scored += len(texts)
        log_metric = kw.get("log_metric")
        if callable(log_metric) and texts:
            log_metric("skillevo/verifier", sum(out) / len(out) - bonuses / len(out))
            log_metric("skillevo/skill_bonus", bonuses / len(out))
            log_metric("skillevo/skill_use", used_count / len(out))
        return out

    def summary(self) -> dict[str, float]:
        """Means over every completion scored so far."""
        n = max(self.scored, 1)
        return {
            "verifier_mean": self.verifier_total / n,
            "skill_bonus_mean": self.bonus_total / n,
            "skill_use_rate": self.used_total / n,
            "completions_scored": float(self.scored),
        }
