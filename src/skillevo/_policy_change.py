"""Announcing a new policy (model) version to a library: the one rule for `Evolver.policy_version`
and for the nightly job's fine-tune.

Every persisted posterior is reset (what was learned about each skill was learned under the old
policy) and a ``policy_change`` event records from/to, once per library: processes sharing one
library that each announce the same version (every replica of an agent upgraded together) reset
it once, not once each, or learning after the upgrade would restart as many times.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from pydantic import JsonValue

from ._errors import ConfigError
from ._models import Event, EventKind
from ._sanitize import clean_text
from ._store import SkillStore

if TYPE_CHECKING:
    from ._selection import Selector

__all__ = ["POLICY_VERSION_KEY", "announce_policy", "check_policy_version", "library_policy_version"]

#: Meta key holding the policy version the library runs under (the last announced, by an Evolver or
#: a fine-tune): an Evolver started later can run under it,
#: ``Evolver(lib, policy_version=lib.get_meta(POLICY_VERSION_KEY))``.
POLICY_VERSION_KEY = "policy.version"


def check_policy_version(value: object) -> str | None:
    """`value` as a policy version (a non-empty string every store can hold, or None); a
    `ConfigError` naming it otherwise. Refused rather than mended: a version is an identifier, and
    a mended one would no longer match what the caller compares it with."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(f"policy_version: must be a string or None (got {type(value).__name__} {value!r:.80})")
    if not value or clean_text(value) != value:
        raise ConfigError(f"policy_version: must be non-empty text without NUL or lone surrogates (got {value!r:.80})")
    return value


def announce_policy(
    store: SkillStore,
    selector: Selector,
    previous: str | None,
    version: str | None,
    data: Mapping[str, JsonValue] | None = None,
) -> bool:
    """Reset every posterior persisted in `store` and log the change (`data`: extra fields), unless
    the library runs under `version` already; `selector` then holds the store's state.

    Returns False when another announcement of `version` came first (another process's, for one):
    its reset stands and nothing is reset or logged again. The check, the reset and the event
    commit together, so a crash leaves either all three or none.
    """
    with store.transaction():
        # The conditional write is the store's: of N processes announcing one version at once,
        # exactly one is told it changed the library's version, and only that one resets it.
        changed = store.change_meta(POLICY_VERSION_KEY, version or "")
        if changed:
            store.reset_posteriors()
            change = {"from": previous, "to": version, **(data or {})}
            store.log_events([Event(kind=EventKind.POLICY_CHANGE, data=change)])
    # After the commit, outside the store's transaction: the selector's lock is never taken while a
    # write is held (its updates take them in the other order).
    selector.notify_stored_change()
    return changed


def library_policy_version(store: SkillStore) -> str | None:
    """The policy version the library runs under: the last announced (`POLICY_VERSION_KEY`; a
    library older than that key: the last ``policy_change`` event's)."""
    stored = store.get_meta(POLICY_VERSION_KEY)
    if stored:
        return stored
    changes = store.events(kind=EventKind.POLICY_CHANGE)
    last = changes[-1].data.get("to") if changes else None
    return last if isinstance(last, str) and last else None
