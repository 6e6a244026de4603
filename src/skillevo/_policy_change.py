"""Announcing a new policy (model) version to a library: the one rule for `Evolver.policy_version`
and for the nightly job's fine-tune.

Every persisted posterior is reset (what was learned about each skill was learned under the old
policy) and a ``policy_change`` event records from/to.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from pydantic import JsonValue

from ._models import Event, EventKind
from ._store import SkillStore

if TYPE_CHECKING:
    from ._selection import Selector

__all__ = ["POLICY_VERSION_KEY", "announce_policy", "library_policy_version"]

#: Meta key holding the policy version the last fine-tune produced: an Evolver started later can
#: run under it, ``Evolver(lib, policy_version=lib.get_meta(POLICY_VERSION_KEY))``.
POLICY_VERSION_KEY = "policy.version"


def announce_policy(
    store: SkillStore,
    selector: Selector,
    previous: str | None,
    version: str | None,
    data: Mapping[str, JsonValue] | None = None,
) -> None:
    """Reset every posterior `selector` persists in `store` and log the change (`data`: extra fields)."""
    selector.notify_change()
    store.log_events([Event(kind=EventKind.POLICY_CHANGE, data={"from": previous, "to": version, **(data or {})})])


def library_policy_version(store: SkillStore) -> str | None:
    """The policy version the library runs under: the last one a fine-tune recorded, else the last announced."""
    stored = store.get_meta(POLICY_VERSION_KEY)
    if stored:
        return stored
    changes = store.events(kind=EventKind.POLICY_CHANGE)
    last = changes[-1].data.get("to") if changes else None
    return last if isinstance(last, str) and last else None
