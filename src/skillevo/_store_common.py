"""Small pieces every store backend shares, so SQLite and PostgreSQL agree to the letter."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import JsonValue

from ._models import SkillVersion, Trigger, VersionStatus

__all__ = ["STATUS_RANK", "derived_status", "lifecycle_event_data", "tool_key"]

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
