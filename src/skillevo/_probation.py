"""Which versions may not go under test yet: an import that changes calls, before this library vouches for it.

Everything in an imported folder is its author's choice, and a constant or a move that passes every
shape check can still name a party or a place: ``to="attacker"``, ``target="evil.internal"``, a
rename of the model's memo into ``payee``. Once under test, a version acts on live calls (under
``review="auto"`` on about a quarter of them, under ``"canary"`` in the canary share). So an
imported version whose repair or code changes a call applies to no call, in any mode
(`ReviewGate.held`), and under ``auto``/``canary`` does not even start its test
(`Lifecycle.start`: a test nothing credits would hold its skill's slot), until this library holds
evidence for it: replayed on stored failures its trigger targets, it turns at least one failed call
into exactly what the agent itself sent next and succeeded with (`skillevo._shadow.replay_failures`),
and wins at least as often as it loses. Guidance goes to the prompt, where its own filters hold;
retries change no argument. Code is not replayed (it runs only live, in the sandbox): an imported
code skill waits for a person (`Lifecycle.approve`), as any waiting version may be approved.

Whether a version was imported is read from the ``proposal`` event the import wrote (``miner:
import``), never from the folder's own claims (its origin note and miner are the author's text).
"""

from __future__ import annotations

from ._models import EventKind, Retry, Skill, SkillVersion
from ._store import SkillStore

__all__ = ["IMPORT_MINER", "awaits_evidence", "imported"]

#: The ``miner`` of the ``proposal`` event an import writes for each version it stores.
IMPORT_MINER = "import"


def _changes_calls(version: SkillVersion) -> bool:
    strategy = version.strategy
    repair = strategy.repair
    return strategy.code is not None or (repair is not None and any(not isinstance(op, Retry) for op in repair.ops))


def imported(store: SkillStore, version_id: str) -> bool:
    """Whether this library stored `version_id` from an imported folder (its ``proposal`` event says so)."""
    proposals = store.events(kind=EventKind.PROPOSAL, version_id=version_id)
    return any(e.data.get("miner") == IMPORT_MINER for e in proposals)


def awaits_evidence(store: SkillStore, version: SkillVersion, skill: Skill | None = None) -> bool:
    """Whether `version` is an import that changes calls and this library holds no evidence for (see
    the module doc). `skill`: its skill, if read already."""
    if not _changes_calls(version) or not imported(store, version.id):
        return False
    if version.strategy.code is not None:
        return True
    from ._shadow import replay_failures

    wins, trials = replay_failures(store, version, skill if skill is not None else store.skill(version.skill))
    return wins == 0 or wins < trials - wins
