"""Which stored version a proposal duplicates, read by index rather than from the whole library.

A stored version refuses a proposal when it acts the same (`skillevo._mining.same_behaviour`) and
its skill has the proposal's trigger, or the proposal's name and the version was rejected there (a
skill of the proposal's name under another trigger is another skill, but a rejected idea stays
rejected). Only those skills can refuse it: the skills of the trigger's kind and tool (`match`,
every status: an exact tool's skills and the globs, a glob's the globs) and the skill of its name.
Reading every skill instead (`store.skills()`) cost each proposal the whole library's parse.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._errors import SkillevoError
from ._models import Skill, VersionStatus
from ._store import SkillStore

if TYPE_CHECKING:
    from ._mining import Proposal

__all__ = ["duplicate_of"]


def _candidates(proposal: Proposal, store: SkillStore) -> list[Skill]:
    trigger = proposal.trigger
    tool = None if trigger.tool_is_glob else trigger.tool
    found = {s.name: s for s in store.match(trigger.kind, tool, statuses=tuple(VersionStatus))}
    if proposal.name not in found:
        try:
            found[proposal.name] = store.skill(proposal.name)
        except SkillevoError:  # none of that name, or one whose rows do not read (left out, as by `skills`)
            pass
    # In the library's order (by name), as the scan of every skill met them.
    return [found[name] for name in sorted(found)]


def duplicate_of(proposal: Proposal, store: SkillStore) -> tuple[str, str] | None:
    """The version a proposal duplicates and its state ("already in the library", "rejected before"),
    or None. A rejected import sharing only the proposal's repair refuses nothing
    (`skillevo._probation.imported_apart`)."""
    from ._mining import same_behaviour
    from ._probation import imported_apart

    for skill in _candidates(proposal, store):
        for version in skill.versions:
            if same_behaviour(version.strategy, proposal.strategy) and (
                skill.trigger == proposal.trigger
                or (skill.name == proposal.name and version.status is VersionStatus.REJECTED)
            ) and not imported_apart(store, version, proposal.strategy):
                state = "already in the library" if version.status is not VersionStatus.REJECTED else "rejected before"
                return version.id, state
    return None
