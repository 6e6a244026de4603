"""Small pieces every store backend shares, so SQLite and PostgreSQL agree to the letter."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from pydantic import JsonValue

from ._models import (
    Episode,
    Event,
    EventKind,
    Origin,
    PosteriorState,
    Skill,
    SkillVersion,
    Strategy,
    Trigger,
    VersionStatus,
)

__all__ = [
    "STATUS_RANK",
    "derived_status",
    "episode_from_row",
    "event_from_row",
    "lifecycle_event_data",
    "posterior_from_row",
    "select_query",
    "skills_from_rows",
    "tool_key",
    "version_from_row",
]

#: The order in which a skill's derived status is taken from its versions.
STATUS_RANK = (
    VersionStatus.ACTIVE,
    VersionStatus.TESTING,
    VersionStatus.CANDIDATE,
    VersionStatus.RETIRED,
    VersionStatus.REJECTED,
)


def tool_key(trigger: Trigger) -> str:
    """The indexed lookup key of a trigger's tool: the exact name, or ``"*"`` for any glob."""
    return "*" if trigger.tool_is_glob else trigger.tool


def derived_status(versions: Sequence[SkillVersion]) -> VersionStatus:
    """A skill's status: the most advanced status among its versions (candidate when it has none)."""
    present = {v.status for v in versions}
    return next((s for s in STATUS_RANK if s in present), VersionStatus.CANDIDATE)


def lifecycle_event_data(
    old: VersionStatus | None,
    new: VersionStatus,
    reason: str,
    actor: str,
    extra: dict[str, Any] | None = None,
) -> dict[str, JsonValue]:
    """The ``data`` of a lifecycle/review event: ``from``, ``to``, ``reason``, ``actor`` (+ extra)."""
    data: dict[str, JsonValue] = {
        "from": None if old is None else old.value,
        "to": new.value,
        "reason": reason,
        "actor": actor,
    }
    for key, value in (extra or {}).items():
        data.setdefault(key, value)
    return data


def _json(value: Any) -> Any:
    """A JSON column's value: SQLite hands back text, PostgreSQL's jsonb arrives decoded."""
    return json.loads(value) if isinstance(value, str | bytes) else value


# Validation context of what a store reads back: patterns accepted when written stay readable even
# if a later bound refuses them (they then never match; see `_regex.pattern_error`).
_STORED = {"stored": True}


def version_from_row(row: Mapping[str, Any]) -> SkillVersion:
    """A `SkillVersion` from a versions row joined with its posterior (``p_alpha``, ``p_beta``, ``p_obs``)."""
    return SkillVersion(
        id=row["id"],
        skill=row["skill"],
        number=row["number"],
        strategy=Strategy.model_validate(_json(row["strategy"]), context=_STORED),
        parent=row["parent"],
        origin=Origin.model_validate(_json(row["origin"])),
        status=VersionStatus(row["status"]),
        created_at=row["created_at"],
        alpha=row["p_alpha"] if row["p_alpha"] is not None else 1.0,
        beta=row["p_beta"] if row["p_beta"] is not None else 1.0,
        observations=row["p_obs"] if row["p_obs"] is not None else 0.0,
    )


def skills_from_rows(skill_rows: Sequence[Mapping[str, Any]], version_rows: Iterable[Mapping[str, Any]]) -> list[Skill]:
    """Skills (in `skill_rows` order) with their versions, sorted by number, and derived status."""
    by_skill: dict[str, list[SkillVersion]] = {}
    for row in version_rows:
        by_skill.setdefault(row["skill"], []).append(version_from_row(row))
    out = []
    for row in skill_rows:
        versions = sorted(by_skill.get(row["name"], []), key=lambda v: v.number)
        out.append(
            Skill(
                name=row["name"],
                description=row["description"],
                trigger=Trigger.model_validate(_json(row["trigger"]), context=_STORED),
                created_at=row["created_at"],
                status=derived_status(versions),
                versions=versions,
            )
        )
    return out


def episode_values(episode: Episode, encode: Callable[[Any], Any]) -> tuple[Any, ...]:
    """The values of an ``episodes`` row (id, task, group_id, policy_version, started_at,
    finished_at, reward, applied, metadata), the two JSON columns through `encode`."""
    return (
        episode.id,
        episode.task,
        episode.group_id,
        episode.policy_version,
        episode.started_at,
        episode.finished_at,
        episode.reward,
        encode([a.model_dump(mode="json") for a in episode.applied]),
        encode(episode.metadata),
    )


def episode_from_row(row: Mapping[str, Any]) -> Episode:
    """An `Episode` from an episodes row."""
    return Episode(
        id=row["id"],
        task=row["task"],
        group_id=row["group_id"],
        policy_version=row["policy_version"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        reward=row["reward"],
        applied=_json(row["applied"]),
        metadata=_json(row["metadata"]),
    )


def event_from_row(row: Mapping[str, Any]) -> Event:
    """An `Event` from an events row."""
    return Event(
        id=row["id"],
        ts=row["ts"],
        kind=EventKind(row["kind"]),
        episode_id=row["episode_id"],
        tool=row["tool"],
        version_id=row["version_id"],
        data=_json(row["data"]),
    )


def posterior_from_row(row: Mapping[str, Any]) -> PosteriorState:
    """A `PosteriorState` from a posteriors row."""
    return PosteriorState(
        key=row["key"],
        arm=row["arm"],
        alpha=row["alpha"],
        beta=row["beta"],
        observations=row["observations"],
        updated_at=row["updated_at"],
        extra=_json(row["extra"]),
    )


def select_query(
    table: str,
    filters: Sequence[tuple[str, Any]],
    *,
    order: str,
    limit: int | None,
    placeholder: str,
) -> tuple[str, list[Any]]:
    """``SELECT * FROM table WHERE ... ORDER BY ... LIMIT ...`` with every value as a parameter.

    `filters` are ``(fragment, value)`` pairs, the fragment holding ``{}`` where the backend's
    placeholder goes (``?`` or ``%s``); pairs whose value is None are left out. Table, columns and
    order come from the caller's constants, never from data.
    """
    clauses: list[str] = []
    params: list[Any] = []
    for fragment, value in filters:
        if value is not None:
            clauses.append(fragment.format(placeholder))
            params.append(value)
    query = f"SELECT * FROM {table}"
    if clauses:
        query += " WHERE " + " AND ".join(clauses)
    query += f" ORDER BY {order}"
    if limit is not None:
        query += f" LIMIT {placeholder}"
        params.append(int(limit))
    return query, params
