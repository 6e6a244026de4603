"""The repairs that may transfer to other tools (`skillevo._transfer`), held in memory by argument name.

A tool first seen in a call is offered the repairs learned on other tools' arguments of the same
name before that call (`sync_transfers`). Before 2026-12-07 that offer read the whole library
(``skills()``) and every live version's posterior on the agent's call path, once per new tool name:
767 ms for one new tool's first call on a 3,000-skill SQLite library, 2,400 posterior reads. This
index holds the live argument-level repairs (`SourceIndex.note`) by the argument each edits, so a
new tool's first call reads only those of its own argument names (and the casts by type, which may
reach any argument) from memory; the store is read only for an offer about to be made.

It is loaded when the Evolver starts and reloaded off the call path (`SourceIndex.stale`: after
tools changed, at most every `REFRESH_S`), so versions another process stored are offered too; a
version this process mines or credits is noted at once. A candidate's status and win record are
read again before an offer is made from it: the index only narrows what is looked at.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Iterable
from typing import NamedTuple

from ._models import SCHEMA_MINER, Skill, SkillVersion, TriggerKind, VersionStatus

__all__ = ["REFRESH_S", "TRANSFER_MINER", "Source", "SourceIndex", "may_transfer", "transferred_name"]

#: The shortest time between two reloads of the index from the whole library (off the call path).
REFRESH_S = 30.0
TRANSFER_MINER = "transfer"
_LIVE = (VersionStatus.TESTING, VersionStatus.ACTIVE)
#: The trigger a source's repair is stored under: a schema repair is checked before the call (its
#: transfer, to a tool with no schema of its own, fires on the tool's errors like a mined one).
_SOURCE_KIND = {SCHEMA_MINER: TriggerKind.BEFORE_TOOL}


class Source(NamedTuple):
    """A live argument-level repair that may transfer: its skill, its version, the arguments it edits."""

    skill: Skill
    version: SkillVersion
    args: frozenset[str]
    #: whether a part of it may reach an argument of another name (a cast by type, a unit cast)
    any_arg: bool


def may_transfer(skill: Skill, version: SkillVersion) -> bool:
    """Whether `version` is, by its record alone (not its wins), a repair that may transfer: live, no
    transfer itself, of its miner's trigger kind, on one named tool."""
    return (
        version.status in _LIVE
        and version.origin.miner != TRANSFER_MINER
        and version.strategy.repair is not None
        and skill.trigger.kind is _SOURCE_KIND.get(version.origin.miner, TriggerKind.TOOL_ERROR)
        and not skill.trigger.tool_is_glob
    )


def transferred_name(source: str, tool: str, arg: str) -> str | None:
    """The transferred skill's name (a valid skill name), or None when none fits."""
    base = re.sub(r"[^a-z0-9]+", "-", f"{tool}-{arg}-from-{source}".lower()).strip("-")
    if len(base) > 64:
        digest = hashlib.sha1(base.encode()).hexdigest()[:6]
        base = base[:57].rstrip("-") + "-" + digest
    return base or None


class SourceIndex:
    """The live argument-level repairs of a library, by argument name (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sources: dict[str, Source] = {}
        self._by_arg: dict[str, set[str]] = {}
        self._any_arg: set[str] = set()
        #: whether the whole library was read (`load`) at least once
        self.loaded = False
        self._at = float("-inf")
        self._tools_changed = False

    def load(self, skills: Iterable[Skill]) -> None:
        """Replace the index with the repairs of `skills` (a whole library's read)."""
        fresh = SourceIndex()
        for skill in skills:
            for version in skill.versions:
                fresh.note(skill, version)
        with self._lock:
            self._sources, self._by_arg, self._any_arg = fresh._sources, fresh._by_arg, fresh._any_arg
            self.loaded, self._at, self._tools_changed = True, time.monotonic(), False

    def tools_changed(self) -> None:
        """Tools or arguments became known: versions stored elsewhere meanwhile are looked for at the
        next reload (`stale`)."""
        self._tools_changed = True

    def stale(self) -> bool:
        """Whether a reload is due: never loaded, or tools changed and `REFRESH_S` passed since the last."""
        return not self.loaded or (self._tools_changed and time.monotonic() - self._at >= REFRESH_S)

    def note(self, skill: Skill, version: SkillVersion) -> None:
        """Index `version` as read now (a version that may no longer transfer leaves the index)."""
        from ._transfer import by_type, per_argument, unit_of  # (the transfer rules import this index)
        from ._transfer_dates import reformats_date
        from ._transfer_ids import adds_code

        repair = version.strategy.repair
        parts = per_argument(repair) if repair is not None and may_transfer(skill, version) else []
        with self._lock:
            old = self._sources.pop(version.id, None)
            if old is not None:
                for arg in old.args:
                    self._by_arg.get(arg, set()).discard(version.id)
                self._any_arg.discard(version.id)
            if not parts:
                return
            any_arg = any(by_type(part) or unit_of(part) is not None or reformats_date(part) or adds_code(part)
                          for _, part in parts)
            # (By top-level name: a list's elements, ``ids.*``, are reached through the tools taking ``ids``.)
            entry = Source(skill, version, frozenset(arg.split(".", 1)[0] for arg, _ in parts), any_arg)
            self._sources[version.id] = entry
            for arg in entry.args:
                self._by_arg.setdefault(arg, set()).add(version.id)
            if any_arg:
                self._any_arg.add(version.id)

    def for_args(self, args: Iterable[str]) -> list[Source]:
        """The sources that may reach a tool taking `args`: those editing one of them, and those that
        may reach an argument of another name."""
        with self._lock:
            ids = set(self._any_arg)
            for arg in args:
                ids.update(self._by_arg.get(arg, ()))
            return [self._sources[i] for i in sorted(ids)]

    def get(self, version_id: str) -> Source | None:
        """The source indexed under `version_id` (None: none)."""
        return self._sources.get(version_id)

    def all(self) -> list[Source]:
        """Every source indexed."""
        with self._lock:
            return [self._sources[i] for i in sorted(self._sources)]

    def __len__(self) -> int:
        return len(self._sources)

