"""Skills read from their rows, and a skill whose rows the models refuse left out of reads of many.

One corrupt row (edited by hand, written by a broken tool, a disk fault) used to make every read
that included it fail: the agent's trigger match, so every skill of that tool stopped acting, the
Evolver's transfer and lifecycle passes, ``train``, the listings. The reads of many skills
(`SkillStore.skills`, `SkillStore.match`) now leave such a skill out and log one warning per row
(its table and id, never its stored value); the row is neither deleted nor rewritten. A read of one
named thing (`SkillStore.skill`, `SkillStore.version`) still raises the row's one-line
`LibraryError`, `SkillStore.unreadable_skills` names every skill left out (the listings print it),
and ``export`` and ``migrate`` refuse rather than drop it (docs/library.md).
"""

from __future__ import annotations

import fnmatch
import logging
import threading
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any

from ._errors import LibraryError
from ._learning_sql import decode_json
from ._models import PosteriorState, Skill, SkillVersion
from ._store_args import stored
from ._store_common import derived_status, posterior_from_row, trigger_from_stored, version_from_row

__all__ = ["UNREADABLE", "UnreadableRows", "glob_matches", "skills_from_rows"]

_log = logging.getLogger("skillevo")


def skills_from_rows(
    skill_rows: Sequence[Mapping[str, Any]],
    version_rows: Iterable[Mapping[str, Any]],
    skip: Callable[[str, LibraryError], object] | None = None,
    statuses: Collection[str] | None = None,
) -> list[Skill]:
    """Skills (in `skill_rows` order) with their versions, sorted by number, and derived status.

    A row the models refuse raises its `LibraryError`; with `skip`, its skill is left out instead
    (a skill short of a version would be chosen, numbered and judged wrongly) and
    ``skip(name, error)`` is called for each such row. With `statuses`, only the versions of those
    statuses are kept (all are read)."""
    by_skill: dict[str, list[SkillVersion]] = {}
    bad: dict[str, list[LibraryError]] = {}
    for row in version_rows:
        try:
            version = version_from_row(row)
            if statuses is None or version.status.value in statuses:
                by_skill.setdefault(row["skill"], []).append(version)
        except LibraryError as exc:
            if skip is None:
                raise
            bad.setdefault(row["skill"], []).append(exc)
    out = []
    for row in skill_rows:
        name = str(row["name"])
        errors = bad.get(name, [])
        try:
            skill = stored("skills", row, ("name",), _skill, row, by_skill.get(name, []))
        except LibraryError as exc:
            if skip is None:
                raise
            errors = [exc, *errors]
        if errors and skip is not None:
            for error in errors:
                skip(name, error)
            continue
        out.append(skill)
    return out


def glob_matches(trigger: Any, tool: str) -> bool:
    """Whether a stored trigger's tool glob matches `tool`; a trigger that does not read is kept (its
    skill is then left out, and named, where the trigger is read: `skills_from_rows`)."""
    stored_trigger = decode_json(trigger)
    return not isinstance(stored_trigger, dict) or fnmatch.fnmatchcase(tool, str(stored_trigger.get("tool", "*")))


def _skill(row: Mapping[str, Any], versions: list[SkillVersion]) -> Skill:
    versions = sorted(versions, key=lambda v: v.number)
    return Skill(
        name=row["name"],
        description=row["description"],
        trigger=trigger_from_stored(row["trigger"]),
        created_at=row["created_at"],
        status=derived_status(versions),
        versions=versions,
    )


class UnreadableRows:
    """One store's record of the rows it has warned about: one warning per row, not one per read
    (a tool's trigger match runs on every call of the tool)."""

    def __init__(self) -> None:
        self._warned: set[str] = set()
        self._lock = threading.Lock()

    def skip(self, name: str, error: LibraryError) -> None:
        """Skill `name` was left out of a read because of `error` (which names the row, not its value)."""
        self.warn(f"skill {name!r} is left out of the reads of many skills", error)

    def posteriors(self, rows: Iterable[Mapping[str, Any]]) -> list[PosteriorState]:
        """The arms of posteriors rows, a row that does not read left out with a warning: the reads of
        every key's arms (the selector's, when it attaches) leave it out (its skill's reads do too)."""
        out = []
        for row in rows:
            try:
                out.append(posterior_from_row(row))
            except LibraryError as exc:
                self.warn(f"the arm {str(row['arm'])[:80]!r} is left out of the reads of every key's arms", exc)
        return out

    def warn(self, what: str, error: LibraryError) -> None:
        """Log `what` happened because of `error`, once per row (its one-line error)."""
        reason = str(error)
        with self._lock:
            if reason in self._warned:
                return
            self._warned.add(reason)
        _log.warning("skillevo: %s: %s; the row is kept as it is (fix or remove it by hand)", what, reason)


#: The process's record, for a read outside a store's multi-skill reads (the credit ledger's).
UNREADABLE = UnreadableRows()
