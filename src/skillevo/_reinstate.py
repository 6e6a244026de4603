"""A person brings back a retired or rejected version: the rollback of an approval that turned out
wrong, or of a rejection made by mistake (``skillevo review reinstate``).

`Lifecycle.approve` refuses both on purpose: an approval must never bring back a version another
process rejected or retired meanwhile. Reinstating is a separate decision that names what it brings
back: the version becomes active again, approved (a ``review`` event, with the reason and the
reviewer), and the skill's active version is retired as superseded, in one transaction. Nothing is
deleted either way, so a reinstatement can itself be undone the same way.
"""

from __future__ import annotations

from ._errors import ConfigError
from ._lifecycle import Lifecycle, Transition
from ._models import EventKind, VersionStatus

__all__ = ["reinstate"]

_BACK = (VersionStatus.RETIRED, VersionStatus.REJECTED)


def reinstate(life: Lifecycle, version_id: str, reason: str, actor: str = "reviewer") -> list[Transition]:
    """Make the retired or rejected `version_id` active again, approved by `actor` for `reason`; the
    skill's active version is retired (superseded). Returns the transitions.

    Raises:
        NotFoundError: no such version.
        ConfigError: the version is not retired or rejected (`Lifecycle.approve` decides those), or
            another process changed it or its skill while this decision was being written.
    """
    if not reason.strip():
        raise ConfigError("reinstate: a reason is required")
    store = life.store
    with life._lock:
        version = store.version(version_id)
        if version.status not in _BACK:
            raise ConfigError(
                f"{version_id} is {version.status.value}: reinstate brings back a retired or rejected version "
                "(approve or reject decides this one)"
            )
        skill = store.skill(version.skill)
        # The same conditional promotion an approval makes: a version changed since it was read
        # (reinstated or decided elsewhere) is not written over.
        out = life._promote(skill, version, f"reinstated: {reason}", None, actor=actor, kind=EventKind.REVIEW)
        if not out:
            raise ConfigError(f"{version_id} changed while being reinstated; look again")
        return out
