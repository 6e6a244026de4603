"""The offline GRPO export: episodes grouped for policy training, and mined skills for the skill generator.

``skillevo export grpo OUT`` (`export_grpo`) writes two datasets, each as JSON Lines and, when the
``datasets`` package is installed (it comes with ``skillevo-trl``), as a Hugging Face dataset saved
with ``save_to_disk``:

* ``episodes``: one row per rewarded episode, grouped (see `skillevo._grpo_groups`: the group id of
  a within-group comparison, else a caller's group key, else the task's template under one policy
  version). ``prompt`` is the task with the tools the agent had and the guidance of the skill
  versions that were active in that episode, in TRL's conversational format; ``trajectory`` the
  tool events (arguments and results are already redacted when stored);
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

import importlib
import json
import logging
import math
import shutil
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from . import _regex
from ._errors import ConfigError, LibraryError
from ._export_fs import ExportFolder
from ._grpo_features import EPISODES, SKILL_GENERATOR, dataset_features
from ._grpo_generator import skill_generator_rows, skill_generator_rows_of
from ._grpo_groups import (
    DEFAULT_GROUP_KEY,
    TOOL_SCHEMAS_KEY,
    derived_tools,
    group_of,
    normalise_tool_schemas,
    size_histogram,
    tools_message,
)
from ._grpo_snapshot import ADVANTAGE_EPS, TRAJECTORY, Snapshot, finite, to_json, unique
from ._guidance import compose_guidance, rank_guidance
from ._lifecycle import group_advantages
from ._models import NULL_ARM, Episode, Event, EventKind, Skill, SkillVersion, TriggerKind
from ._probation import text_unvouched
from ._redaction import mask_url, redact
from ._review_gate import gated_since, is_approved
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

FORMAT_VERSION = 2
_log = logging.getLogger("skillevo.grpo")

#: The guidance budget of a prompt (the Evolver's default `guidance_budget_tokens`).
GUIDANCE_BUDGET_TOKENS = 400

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
        group_sizes: how many groups of each size were exported (``{"1": 3, "4": 7}``).
        grouped_by: how many episodes were grouped by a within-group comparison (``group``), a
            caller's key (``key``) or their task's template (``template``).
        small_groups: groups left out for having fewer than ``min_group_size`` members.
        small_group_episodes: the episodes in them.
        tools_from: where the prompts' tool schemas came from: ``caller``, ``episode`` (recorded
            with the episode) or ``events`` (names and argument names seen in the calls), per episode.
        warnings: what makes the data weaker than it looks (groups of one, ...), also logged.
    """

    out: str
    episodes: int
    groups: int
    unrewarded: int
    skill_proposals: int
    files: list[str] = Field(default_factory=list)
    datasets: bool
    note: str = ""
    group_sizes: dict[str, int] = Field(default_factory=dict)
    grouped_by: dict[str, int] = Field(default_factory=dict)
    small_groups: int = 0
    small_group_episodes: int = 0
    tools_from: dict[str, int] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)

    def summary(self) -> str:
        """A few lines for the terminal."""
        lines = [
            f"exported {self.episodes} episode(s) in {self.groups} group(s) and {self.skill_proposals} "
            f"skill proposal(s) to {self.out}",
        ]
        if self.unrewarded:
            lines.append(f"left out {self.unrewarded} episode(s) without a reward")
        if self.small_groups:
            lines.append(f"left out {self.small_group_episodes} episode(s) in {self.small_groups} smaller group(s)")
        if self.group_sizes:
            lines.append("groups by size: " + ", ".join(f"{n} of {size}" for size, n in self.group_sizes.items()))
        lines.extend(f"warning: {w}" for w in self.warnings)
        lines.append("files: " + ", ".join(self.files))
        if self.note:
            lines.append(f"note: {self.note}")
        return "\n".join(lines)

    def __rich__(self) -> str:
        return self.summary()


# --------------------------------------------------------------------------- prompts


def skill_prompt(task: str, guidance: str, tools: Sequence[dict[str, Any]] = ()) -> list[dict[str, str]]:
    """A prompt in TRL's conversational format: tools and guidance as the system message, the task as the user's.

    `tools` (``{"name", "description", "parameters"}`` each) are listed first, one JSON schema a line.
    """
    system = "\n\n".join(part for part in (tools_message(tools), guidance) if part)
    messages = [{"role": "system", "content": system}] if system else []
    messages.append({"role": "user", "content": task})
    return messages


def _task_pattern_ok(skill: Skill, task: str) -> bool:
    pattern = skill.trigger.task_pattern
    return pattern is None or _regex.search(pattern, task, ignorecase=True)


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
    return rank_guidance(chosen, budget_tokens)


def current_prompts(store: SkillStore, *, budget_tokens: int = GUIDANCE_BUDGET_TOKENS) -> list[dict[str, Any]]:
    """One training prompt per distinct task in the library, with the current library's guidance.

    Each row: ``task``, ``prompt`` (conversational), ``guidance``, ``skills`` (the version ids whose
    guidance the prompt carries) and ``skill_names``. Episodes without a task text are skipped.
    """
    snap = Snapshot.read(store)
    tools: dict[str, list[str]] = defaultdict(list)
    applied: dict[str, list[str]] = defaultdict(list)
    for ep in snap.episodes:
        if not ep.task.strip():
            continue
        tools[ep.task].extend(e.tool for e in snap.events.get(ep.id, []) if e.tool and e.kind in TRAJECTORY)
        applied[ep.task].extend(a.key for a in ep.applied if a.arm != NULL_ARM)
    skills = snap.skills
    since = gated_since(store)
    if since is not None:
        # Review is gated on this library: an active version nobody approved reaches no prompt, a
        # training prompt included (see _review_gate).
        skills = [s for s in skills if (a := s.active()) is None or is_approved(store, a, since)]
    # An import's own words reach no prompt before a person or this library's miners vouch for them
    # (`_probation.text_unvouched`): one active by its repair's won test brings its text to none either.
    skills = [s for s in skills if (a := s.active()) is None or not text_unvouched(store, a, s)]
    rows: list[dict[str, Any]] = []
    for task in tools:
        guidance, versions = current_guidance(
            skills, task, unique(tools[task]), also=unique(applied[task]), budget_tokens=budget_tokens
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
            "data": to_json(e.data),
        }
        for e in events
        if e.kind in TRAJECTORY
    ]


@dataclass(frozen=True)
class _Grouping:
    """How the episodes dataset is grouped and which tools its prompts show (see `export_grpo`)."""

    group_key: str = DEFAULT_GROUP_KEY
    tool_schemas: dict[str, dict[str, Any]] | None = None
    min_group_size: int = 1


@dataclass
class _EpisodeRows:
    rows: list[dict[str, Any]]
    sizes: list[int]
    unrewarded: int
    small_groups: int = 0
    small_group_episodes: int = 0
    grouped_by: dict[str, int] = field(default_factory=dict)
    tools_from: dict[str, int] = field(default_factory=dict)
    keyless: str | None = None  # a group key the caller named that no rewarded episode holds


def _tools(snap: Snapshot, ep: Episode, members: Sequence[Episode], how: _Grouping) -> tuple[list[Any], str]:
    if how.tool_schemas is not None:
        return list(how.tool_schemas.values()), "caller"
    recorded = ep.metadata.get(TOOL_SCHEMAS_KEY)
    if recorded:
        try:
            return list(normalise_tool_schemas(recorded, f"episode {ep.id} metadata").values()), "episode"
        except ConfigError as exc:
            _log.warning("%s; using the tools seen in its calls", exc)
    # The tools the whole group called, so every member's prompt lists the same ones.
    return list(derived_tools(e for m in members for e in snap.events.get(m.id, [])).values()), "events"


def _episode_rows(snap: Snapshot, skill_reward_bonus: float, how: _Grouping = _Grouping()) -> _EpisodeRows:
    best = snap.best_later_use()
    created = snap.created_by()
    groups: dict[str, list[Episode]] = defaultdict(list)
    formed: dict[str, tuple[str, str]] = {}
    unrewarded = 0
    keyed = False
    for ep in snap.episodes:
        if ep.reward is None:
            unrewarded += 1
            continue
        keyed = keyed or how.group_key in ep.metadata
        group_id, by, template = group_of(ep, how.group_key)
        groups[group_id].append(ep)
        formed.setdefault(group_id, (by, template))
    out = _EpisodeRows([], [], unrewarded)
    # Most callers set no key, so the default's absence says nothing; a key the caller named that
    # no episode holds is likely misspelt, and grouping silently fell back to templates.
    if groups and not keyed and how.group_key not in ("", DEFAULT_GROUP_KEY):
        out.keyless = how.group_key
    for group_id, members in groups.items():
        if len(members) < how.min_group_size:
            out.small_groups += 1
            out.small_group_episodes += len(members)
            continue
        out.sizes.append(len(members))
        by, template = formed[group_id]
        out.grouped_by[by] = out.grouped_by.get(by, 0) + len(members)
        members.sort(key=lambda e: (e.started_at, e.id))
        bonuses = [skill_reward_bonus * sum(best.get(v, 0.0) for v in sorted(created.get(e.id, ()))) for e in members]
        integrated = [float(e.reward or 0.0) + b for e, b in zip(members, bonuses, strict=True)]
        advantages = group_advantages(integrated, eps=ADVANTAGE_EPS)
        for ep, bonus, total, adv in zip(members, bonuses, integrated, advantages, strict=True):
            events = snap.events.get(ep.id, [])
            guided = unique(e.version_id for e in events if e.kind is EventKind.GUIDANCE and e.version_id)
            texts = [snap.versions[v].strategy.guidance or "" for v in guided if v in snap.versions]
            guidance, used = compose_guidance(texts, GUIDANCE_BUDGET_TOKENS)
            kept = [v for v in guided if v in snap.versions]
            tools, source = _tools(snap, ep, members, how)
            out.tools_from[source] = out.tools_from.get(source, 0) + 1
            out.rows.append(
                {
                    "episode_id": ep.id,
                    "group_id": group_id,
                    "task": ep.task,
                    "policy_version": ep.policy_version,
                    "started_at": ep.started_at,
                    "prompt": skill_prompt(ep.task, guidance, tools),
                    "guidance": guidance,
                    "trajectory": _trajectory(events),
                    "reward": float(ep.reward or 0.0),
                    "skill_bonus": float(bonus),
                    "integrated_reward": float(total),
                    "advantage": finite(float(adv)),
                    "group_size": len(members),
                    "group_by": by,
                    "template": template,
                    "tools": to_json(tools),
                    "skills": unique(a.arm for a in ep.applied if a.arm != NULL_ARM),
                    "guidance_skills": [kept[i] for i in used],
                }
            )
    return out


def episode_rows(
    store: SkillStore,
    *,
    skill_reward_bonus: float = 1.0,
    group_key: str = DEFAULT_GROUP_KEY,
    tool_schemas: Any = None,
    min_group_size: int = 1,
) -> list[dict[str, Any]]:
    """The rows of the ``episodes`` dataset (see the module docstring and `export_grpo`), grouped."""
    how = _grouping(group_key, tool_schemas, min_group_size)
    return _episode_rows(Snapshot.read(store), skill_reward_bonus, how).rows


def _grouping(group_key: str, tool_schemas: Any, min_group_size: int) -> _Grouping:
    if isinstance(min_group_size, bool) or not isinstance(min_group_size, int) or min_group_size < 1:
        raise ConfigError(f"min_group_size must be a whole number >= 1 (got {min_group_size!r})")
    schemas = None if tool_schemas is None else normalise_tool_schemas(tool_schemas)
    return _Grouping(group_key=group_key, tool_schemas=schemas, min_group_size=min_group_size)


def _warnings(rows: _EpisodeRows) -> list[str]:
    out: list[str] = []
    if rows.keyless is not None:
        out.append(
            f"group key {rows.keyless!r}: no rewarded episode's metadata has that field (check its spelling); "
            "they were grouped by evo.group or task template instead"
        )
    singles = sum(1 for n in rows.sizes if n == 1)
    if singles:
        out.append(
            f"{singles} of {len(rows.sizes)} group(s) have one member (advantage 0: no training signal); "
            "give episodes a group key (metadata 'group_key' or evo.group), export more episodes per task, "
            "or leave them out with min_group_size"
        )
    if rows.tools_from.get("events"):
        out.append(
            f"{rows.tools_from['events']} prompt(s) list only the tool and argument names seen in the calls "
            "(no schema was recorded or passed in: tool_schemas / --tool-schemas FILE)"
        )
    return out


# --------------------------------------------------------------------------- writing and reading


def _write_jsonl(folder: ExportFolder, name: str, rows: Sequence[dict[str, Any]]) -> None:
    folder.write(name, "".join(json.dumps(row, ensure_ascii=False, allow_nan=False) + "\n" for row in rows))


def _save_dataset(ds: Any, which: str, rows: list[dict[str, Any]], folder: Path) -> None:
    if folder.exists():
        if not (folder / "dataset_info.json").exists():
            raise ConfigError(f"{folder} exists and is not a dataset this export wrote; remove it or pick another OUT")
        shutil.rmtree(folder)
    features = dataset_features(ds, which)
    dataset = ds.Dataset.from_list(rows, features=features) if rows else ds.Dataset.from_dict(
        {name: [] for name in features}, features=features
    )
    # `datasets` cannot load an empty dataset saved without a shard: ask for one.
    dataset.save_to_disk(str(folder), num_shards=1 if not rows else None)


def export_grpo(
    store: SkillStore,
    out: Path,
    *,
    skill_reward_bonus: float = 1.0,
    group_key: str = DEFAULT_GROUP_KEY,
    tool_schemas: Any = None,
    min_group_size: int = 1,
) -> GrpoExport:
    """Write the ``episodes`` and ``skill_generator`` datasets to `out` (see the module docstring).

    Args:
        store: the skill library.
        out: the folder to write (created if missing); files of an earlier export are replaced.
        skill_reward_bonus: SAGE's bonus per mined skill that later helped (``[policy].skill_reward_bonus``).
        group_key: the episode metadata field that holds a caller's group key (``""``: none).
        tool_schemas: the agent's tools, shown in every prompt: a list of tool objects or a mapping of
            name to schema (see `skillevo._grpo_groups.normalise_tool_schemas`). Default: the schemas
            recorded with each episode, else the tool and argument names seen in its group's calls.
        min_group_size: groups with fewer rewarded episodes are left out (and counted).

    Raises:
        ConfigError: an argument is invalid, or `out` cannot be written.
    """
    if not math.isfinite(skill_reward_bonus) or skill_reward_bonus < 0:
        raise ConfigError(f"skill_reward_bonus must be a finite number >= 0 (got {skill_reward_bonus!r})")
    how = _grouping(group_key, tool_schemas, min_group_size)
    snap = Snapshot.read(store)
    grouped = _episode_rows(snap, skill_reward_bonus, how)
    episodes = grouped.rows
    warnings = _warnings(grouped)
    for warning in warnings:
        _log.warning("export grpo: %s", warning)
    generator = skill_generator_rows_of(snap, skill_reward_bonus)
    # Redacted again on the way out, whatever was stored (older rows, or a rule added since).
    episodes = [redact(row) for row in episodes]
    generator = [redact(row) for row in generator]
    out = Path(out)
    files: list[str] = []
    try:
        # OUT may hold entries others planted (a link or hard link named like a file written here):
        # `ExportFolder` replaces them, never writes through them.
        with ExportFolder.root(out) as folder:
            for name, rows in ((EPISODES, episodes), (SKILL_GENERATOR, generator)):
                _write_jsonl(folder, f"{name}.jsonl", rows)
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
            groups=len(grouped.sizes),
            unrewarded=grouped.unrewarded,
            skill_proposals=len(generator),
            files=[*files, "manifest.json"],
            datasets=written,
            note=note,
            group_sizes=size_histogram(grouped.sizes),
            grouped_by=grouped.grouped_by,
            small_groups=grouped.small_groups,
            small_group_episodes=grouped.small_group_episodes,
            tools_from=grouped.tools_from,
            warnings=warnings,
        )
        manifest = {"format": FORMAT_VERSION, "library": mask_url(store.location), **result.model_dump()}
        with ExportFolder.root(out) as folder:
            folder.write("manifest.json", json.dumps(manifest, indent=2) + "\n")
    except OSError as exc:
        raise ConfigError(f"export grpo: cannot write {out} ({exc})") from None
    except LibraryError as exc:
        raise ConfigError(f"export grpo: {exc}") from None
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
