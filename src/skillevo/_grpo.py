"""The offline GRPO export: episodes grouped for policy training, and mined skills for the skill generator.

``skillevo export grpo OUT`` (`export_grpo`) writes two datasets, each as JSON Lines and, when the
``datasets`` package is installed (it comes with ``skillevo-trl``), as a Hugging Face dataset saved
with ``save_to_disk``:

* ``episodes``: one row per rewarded episode, grouped by task (the group id of a within-group
  comparison, else the task text under one policy version). ``prompt`` is the task with the
  guidance of the skill versions that were active in that episode, in TRL's conversational format;
  ``trajectory`` the tool events (arguments and results are already redacted when stored);
  ``advantage`` the group-relative A_i = (r_i - mean) / (std + eps) of the skill-integrated reward
  (the episode's reward plus SAGE's bonus when a skill mined from it later helped another episode).
* ``skill_generator``: one row per mined skill version: ``prompt`` the failure context in the words
  `LLMMiner` uses, ``completion`` the proposed skill as the JSON object `LLMMiner` asks for, and
  ``score`` Skill-R1's bi-level advantage: the intra-generation advantage of the version's reward
  (its posterior mean) among its siblings (versions proposed against the same parent), plus its
  improvement over the previous generation's mean (the parent's generation; for a first version,
  the "no skill" arm), plus SAGE's bonus.

This module is core: it imports no torch, transformers or trl, and imports ``datasets`` only when
writing. `current_prompts` builds the training prompts ``skillevo_trl.train_policy`` uses: the same
tasks with the guidance of the *current* library (co-evolution).
"""

from __future__ import annotations

import hashlib
import importlib
import json
import math
import os
import re
import shutil
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ._errors import ConfigError
from ._guidance import compose_guidance
from ._lifecycle import group_advantages
from ._models import NULL_ARM, Episode, Event, EventKind, Skill, SkillVersion, TriggerKind
from ._redaction import mask_url, redact
from ._store import SkillStore

__all__ = [
    "EPISODES",
    "SKILL_GENERATOR",
    "GrpoExport",
    "current_guidance",
    "current_prompts",
    "episode_rows",
    "export_grpo",
    "load_export",
    "skill_generator_rows",
    "skill_prompt",
]

EPISODES = "episodes"
SKILL_GENERATOR = "skill_generator"
FORMAT_VERSION = 1

#: The guidance budget of a prompt (the Evolver's default `guidance_budget_tokens`).
GUIDANCE_BUDGET_TOKENS = 400
#: The epsilon of the group-relative advantage.
ADVANTAGE_EPS = 1e-6

_TRAJECTORY = (EventKind.TOOL_CALL, EventKind.TOOL_RESULT, EventKind.TOOL_ERROR, EventKind.REPAIR)
_KEPT = (*_TRAJECTORY, EventKind.GUIDANCE, EventKind.PROPOSAL)
_NO_DATASETS_NOTE = (
    "the `datasets` package is not installed, so only JSON Lines were written "
    "(pip install skillevo-trl, or pip install datasets, to also get Hugging Face datasets)"
)


class GrpoExport(BaseModel):
    """What `export_grpo` wrote.

    Attributes:
        out: the folder.
        episodes: rows of the ``episodes`` dataset (rewarded episodes).
        groups: how many groups they form.
        unrewarded: episodes left out because no reward arrived for them.
        skill_proposals: rows of the ``skill_generator`` dataset.
        files: the files and folders written, relative to `out`.
        datasets: whether Hugging Face datasets were written (else JSON Lines only).
        note: why not, when they were not.
    """

    out: str
    episodes: int
    groups: int
    unrewarded: int
    skill_proposals: int
    files: list[str] = Field(default_factory=list)
    datasets: bool
    note: str = ""

    def summary(self) -> str:
        """A few lines for the terminal."""
        lines = [
            f"exported {self.episodes} episode(s) in {self.groups} group(s) and {self.skill_proposals} "
            f"skill proposal(s) to {self.out}",
        ]
        if self.unrewarded:
            lines.append(f"left out {self.unrewarded} episode(s) without a reward")
        lines.append("files: " + ", ".join(self.files))
        if self.note:
            lines.append(f"note: {self.note}")
        return "\n".join(lines)

    def __rich__(self) -> str:
        return self.summary()


# --------------------------------------------------------------------------- reading the store


@dataclass
class _Snapshot:
    """Everything the export needs, read from the store once."""

    episodes: list[Episode]
    events: dict[str, list[Event]]
    by_id: dict[int, Event]
    proposals: dict[str, set[str]]
    skills: list[Skill]
    versions: dict[str, SkillVersion]
    null_means: dict[str, float] = field(default_factory=dict)

    @classmethod
    def read(cls, store: SkillStore) -> _Snapshot:
        episodes = store.episodes()
        ids = {ep.id for ep in episodes}
        events: dict[str, list[Event]] = defaultdict(list)
        by_id: dict[int, Event] = {}
        proposals: dict[str, set[str]] = defaultdict(set)
        for ev in store.iter_events():
            if ev.episode_id is None or ev.episode_id not in ids or ev.kind not in _KEPT:
                continue
            if ev.kind is EventKind.PROPOSAL:
                if ev.version_id:
                    proposals[ev.episode_id].add(ev.version_id)
                continue
            events[ev.episode_id].append(ev)
            if ev.id is not None:
                by_id[ev.id] = ev
        skills = store.skills()
        versions = {v.id: v for s in skills for v in s.versions}
        null_means: dict[str, float] = {}
        for state in store.posteriors():
            if state.arm == NULL_ARM and state.observations > 0:
                null_means[state.key] = state.alpha / (state.alpha + state.beta)
        return cls(episodes, dict(events), by_id, dict(proposals), skills, versions, null_means)

    def best_later_use(self) -> dict[str, float]:
        """Per version: the best reward of an episode that applied it after it was created."""
        best: dict[str, float] = {}
        for ep in self.episodes:
            if ep.reward is None:
                continue
            for arm in {a.arm for a in ep.applied if a.arm != NULL_ARM}:
                version = self.versions.get(arm)
                if version is not None and ep.started_at >= version.created_at:
                    best[arm] = max(best.get(arm, 0.0), ep.reward)
        return best

    def created_by(self) -> dict[str, set[str]]:
        """Per episode: the versions mined from it (its `PROPOSAL` events and the versions' origins)."""
        out: dict[str, set[str]] = defaultdict(set)
        for episode_id, vids in self.proposals.items():
            out[episode_id] |= vids
        for version in self.versions.values():
            for episode_id in version.origin.episodes:
                out[episode_id].add(version.id)
        return out


def _group_key(ep: Episode) -> str:
    if ep.group_id:
        return ep.group_id
    # Rewards are comparable only for the same task under the same policy.
    digest = hashlib.sha256(f"{ep.policy_version or ''}\x00{ep.task}".encode()).hexdigest()[:16]
    return f"task-{digest}"


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _finite(x: float) -> float:
    return x if math.isfinite(x) else 0.0


# --------------------------------------------------------------------------- prompts


def skill_prompt(task: str, guidance: str) -> list[dict[str, str]]:
    """A prompt in TRL's conversational format: the guidance as the system message, the task as the user's."""
    messages = [{"role": "system", "content": guidance}] if guidance else []
    messages.append({"role": "user", "content": task})
    return messages


def _task_pattern_ok(skill: Skill, task: str) -> bool:
    pattern = skill.trigger.task_pattern
    return pattern is None or re.search(pattern, task, re.IGNORECASE) is not None


def current_guidance(
    skills: Sequence[Skill],
    task: str,
    tools: Sequence[str] = (),
    *,
    also: Sequence[str] = (),
    budget_tokens: int = GUIDANCE_BUDGET_TOKENS,
) -> tuple[str, list[SkillVersion]]:
    """The guidance the library's active versions give `task` before its first model call.

    Mirrors what the Evolver offers deterministically (the incumbents, not a Thompson draw):
    ``always`` and ``task_start`` skills, ``before_tool`` / ``tool_error`` skills of the `tools`
    the task uses, and the skills named in `also` (those applied in the task's episodes, e.g. an
    ``observation`` skill that fired), each when its ``task_pattern`` matches. Best posterior first,
    within `budget_tokens`.

    Returns:
        The guidance block (``""`` if none) and the versions whose guidance it includes.
    """
    chosen: list[SkillVersion] = []
    wanted = set(also)
    for skill in skills:
        version = skill.active()
        if version is None or not version.strategy.guidance or not _task_pattern_ok(skill, task):
            continue
        kind = skill.trigger.kind
        fires = (
            kind in (TriggerKind.ALWAYS, TriggerKind.TASK_START)
            or skill.name in wanted
            or (
                kind in (TriggerKind.BEFORE_TOOL, TriggerKind.TOOL_ERROR)
                and any(skill.trigger.model_copy(update={"pattern": None, "error_type": None,
                                                         "task_pattern": None}).matches(tool=t) for t in tools)
            )
        )
        if fires:
            chosen.append(version)
    chosen.sort(key=lambda v: (-v.mean, v.skill))
    text, used = compose_guidance([v.strategy.guidance or "" for v in chosen], budget_tokens)
    return text, [chosen[i] for i in used]


def current_prompts(store: SkillStore, *, budget_tokens: int = GUIDANCE_BUDGET_TOKENS) -> list[dict[str, Any]]:
    """One training prompt per distinct task in the library, with the current library's guidance.

    Each row: ``task``, ``prompt`` (conversational), ``guidance``, ``skills`` (the version ids whose
    guidance the prompt carries) and ``skill_names``. Episodes without a task text are skipped.
    """
    snap = _Snapshot.read(store)
    tools: dict[str, list[str]] = defaultdict(list)
    applied: dict[str, list[str]] = defaultdict(list)
    for ep in snap.episodes:
        if not ep.task.strip():
            continue
        tools[ep.task].extend(e.tool for e in snap.events.get(ep.id, []) if e.tool and e.kind in _TRAJECTORY)
        applied[ep.task].extend(a.key for a in ep.applied if a.arm != NULL_ARM)
    rows: list[dict[str, Any]] = []
    for task in tools:
        guidance, versions = current_guidance(
            snap.skills, task, _unique(tools[task]), also=_unique(applied[task]), budget_tokens=budget_tokens
        )
        rows.append(
            {
                "task": task,
                "prompt": skill_prompt(task, guidance),
                "guidance": guidance,
                "skills": [v.id for v in versions],
                "skill_names": [v.skill for v in versions],
            }
        )
    return rows


# --------------------------------------------------------------------------- the episodes dataset


def _trajectory(events: Sequence[Event]) -> list[dict[str, Any]]:
    return [
        {
            "id": e.id,
            "ts": e.ts,
            "kind": e.kind.value,
            "tool": e.tool,
            "version_id": e.version_id,
            "data": _json(e.data),
        }
        for e in events
        if e.kind in _TRAJECTORY
    ]


def _episode_rows(snap: _Snapshot, skill_reward_bonus: float) -> tuple[list[dict[str, Any]], int, int]:
    best = snap.best_later_use()
    created = snap.created_by()
    groups: dict[str, list[Episode]] = defaultdict(list)
    unrewarded = 0
    for ep in snap.episodes:
        if ep.reward is None:
            unrewarded += 1
            continue
        groups[_group_key(ep)].append(ep)
    rows: list[dict[str, Any]] = []
    for group_id, members in groups.items():
        members.sort(key=lambda e: (e.started_at, e.id))
        bonuses = [skill_reward_bonus * sum(best.get(v, 0.0) for v in sorted(created.get(e.id, ()))) for e in members]
        integrated = [float(e.reward or 0.0) + b for e, b in zip(members, bonuses, strict=True)]
        advantages = group_advantages(integrated, eps=ADVANTAGE_EPS)
        for ep, bonus, total, adv in zip(members, bonuses, integrated, advantages, strict=True):
            events = snap.events.get(ep.id, [])
            guided = _unique(e.version_id for e in events if e.kind is EventKind.GUIDANCE and e.version_id)
            texts = [snap.versions[v].strategy.guidance or "" for v in guided if v in snap.versions]
            guidance, used = compose_guidance(texts, GUIDANCE_BUDGET_TOKENS)
            kept = [v for v in guided if v in snap.versions]
            rows.append(
                {
                    "episode_id": ep.id,
                    "group_id": group_id,
                    "task": ep.task,
                    "policy_version": ep.policy_version,
                    "started_at": ep.started_at,
                    "prompt": skill_prompt(ep.task, guidance),
                    "guidance": guidance,
                    "trajectory": _trajectory(events),
                    "reward": float(ep.reward or 0.0),
                    "skill_bonus": float(bonus),
                    "integrated_reward": float(total),
                    "advantage": _finite(float(adv)),
                    "group_size": len(members),
                    "skills": _unique(a.arm for a in ep.applied if a.arm != NULL_ARM),
                    "guidance_skills": [kept[i] for i in used],
                }
            )
    return rows, len(groups), unrewarded


def episode_rows(store: SkillStore, *, skill_reward_bonus: float = 1.0) -> list[dict[str, Any]]:
    """The rows of the ``episodes`` dataset (see the module docstring), grouped, oldest group first."""
    rows, _, _ = _episode_rows(_Snapshot.read(store), skill_reward_bonus)
    return rows


# --------------------------------------------------------------------------- the skill-generator dataset


def _failure_context(snap: _Snapshot, version: SkillVersion, tool: str) -> str | None:
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


def _skill_generator_rows(snap: _Snapshot, skill_reward_bonus: float) -> list[dict[str, Any]]:
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
            advantage.update({v.id: _finite(float(a)) for v, a in zip(scored, values, strict=True)})
        for v in skill.versions:
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
    return _skill_generator_rows(_Snapshot.read(store), skill_reward_bonus)


# --------------------------------------------------------------------------- writing and reading


def _features(ds: Any, which: str) -> Any:
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


def _write_jsonl(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False, allow_nan=False) + "\n")
    os.replace(tmp, path)


def _save_dataset(ds: Any, which: str, rows: list[dict[str, Any]], folder: Path) -> None:
    if folder.exists():
        if not (folder / "dataset_info.json").exists():
            raise ConfigError(f"{folder} exists and is not a dataset this export wrote; remove it or pick another OUT")
        shutil.rmtree(folder)
    features = _features(ds, which)
    # `from_list([])` builds a dataset without columns, which `save_to_disk` then rejects.
    if rows:
        dataset = ds.Dataset.from_list(rows, features=features)
    else:
        dataset = ds.Dataset.from_dict({name: [] for name in features}, features=features)
    dataset.save_to_disk(str(folder))


def export_grpo(store: SkillStore, out: Path, *, skill_reward_bonus: float = 1.0) -> GrpoExport:
    """Write the ``episodes`` and ``skill_generator`` datasets to `out` (see the module docstring).

    Args:
        store: the skill library.
        out: the folder to write (created if missing); files of an earlier export are replaced.
        skill_reward_bonus: SAGE's bonus per mined skill that later helped (``[policy].skill_reward_bonus``).

    Raises:
        ConfigError: `out` cannot be written.
    """
    if not math.isfinite(skill_reward_bonus) or skill_reward_bonus < 0:
        raise ConfigError(f"skill_reward_bonus must be a finite number >= 0 (got {skill_reward_bonus!r})")
    snap = _Snapshot.read(store)
    episodes, groups, unrewarded = _episode_rows(snap, skill_reward_bonus)
    generator = _skill_generator_rows(snap, skill_reward_bonus)
    # Redacted again on the way out, whatever was stored (older rows, or a rule added since).
    episodes = [redact(row) for row in episodes]
    generator = [redact(row) for row in generator]
    out = Path(out)
    files: list[str] = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, rows in ((EPISODES, episodes), (SKILL_GENERATOR, generator)):
            _write_jsonl(out / f"{name}.jsonl", rows)
            files.append(f"{name}.jsonl")
        try:
            ds = importlib.import_module("datasets")
        except ImportError:
            note, written = _NO_DATASETS_NOTE, False
        else:
            # Progress bars would land in the CLI's output; the export is small and fast.
            ds.disable_progress_bars()
            for name, rows in ((EPISODES, episodes), (SKILL_GENERATOR, generator)):
                _save_dataset(ds, name, rows, out / name)
                files.append(f"{name}/")
            note, written = "", True
        result = GrpoExport(
            out=str(out),
            episodes=len(episodes),
            groups=groups,
            unrewarded=unrewarded,
            skill_proposals=len(generator),
            files=[*files, "manifest.json"],
            datasets=written,
            note=note,
        )
        manifest = {"format": FORMAT_VERSION, "library": mask_url(store.location), **result.model_dump()}
        (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"export grpo: cannot write {out} ({exc})") from None
    return result


def load_export(out: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The ``episodes`` and ``skill_generator`` rows of an export, read from its JSON Lines.

    Raises:
        ConfigError: `out` is not an export (a file is missing or a line is not JSON).
    """
    loaded: list[list[dict[str, Any]]] = []
    for name in (EPISODES, SKILL_GENERATOR):
        path = Path(out) / f"{name}.jsonl"
        try:
            with path.open(encoding="utf-8") as fh:
                loaded.append([json.loads(line) for line in fh if line.strip()])
        except FileNotFoundError:
            raise ConfigError(f"{out}: not a GRPO export (no {name}.jsonl; run `skillevo export grpo {out}`)") from None
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{path}: cannot read it ({exc})") from None
    return loaded[0], loaded[1]
