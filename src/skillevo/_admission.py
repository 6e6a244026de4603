"""Admitting mined proposals into the library: one rule for the online loop and the nightly job.

A proposal is admitted when it passes `check_proposal` under the `AdmissionPolicy` (caps, no
instruction-like text, not a duplicate, trigger rate on the stored failures it targets); it is then
stored as a candidate version (a new skill, or a new version of the skill of that name). What
happens next differs by caller and stays with it: the online loop starts the test at once and
credits the repair the episode already saw win; the nightly job leaves candidates to its check and
lifecycle stages.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pydantic import JsonValue

from ._errors import NotFoundError, SkillevoError
from ._hygiene import looks_like_injection
from ._mining import Proposal, check_proposal
from ._models import Event, EventKind, Origin, Skill, SkillVersion
from ._preempt import CHANGES_SUCCESSES, changes_successes
from ._store import SkillStore
from ._trigger_rate import evidence_policy, trigger_rate

__all__ = ["Admission", "AdmissionPolicy", "Admitted", "admit", "candidate_problem"]

_DUPLICATE = "duplicate of"


@dataclass(frozen=True)
class AdmissionPolicy:
    """The settings a proposal is checked under (``[miner]`` in the config; the same online and nightly).

    Attributes:
        min_trigger_rate: the share of the stored failures a proposal targets that it must fire on.
    """

    min_trigger_rate: float = 0.5


@dataclass(frozen=True)
class Admitted:
    """A proposal stored as the candidate version `version_id`."""

    version_id: str
    proposal: Proposal


@dataclass
class Admission:
    """What `admit` did with one episode's proposals.

    Attributes:
        admitted: the proposals stored as candidates, in order.
        known: ``(name, reason)`` of proposals the library already holds (a duplicate of a stored
            version, or one another process stored first).
        rejected: ``(name, reason)`` of proposals that failed a check or could not be stored.
        events: the ``proposal`` / ``proposal_rejected`` events to log, in order (the caller logs
            them, so they commit with whatever else it writes).
    """

    admitted: list[Admitted] = field(default_factory=list)
    known: list[tuple[str, str]] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)


def admit(
    proposals: Sequence[Proposal],
    store: SkillStore,
    *,
    miner: str,
    episode_id: str | None,
    policy: AdmissionPolicy,
    record_known: bool = True,
    data: Mapping[str, JsonValue] | None = None,
) -> Admission:
    """Check each proposal and store those that pass as candidate versions.

    Args:
        proposals: one episode's proposals, from the miner named `miner`.
        store: the library (read for the checks, written for the admitted versions).
        miner: the miner's name, recorded in each version's origin and event.
        episode_id: the episode mined (the origin's episode when a proposal names none).
        policy: the check settings.
        record_known: log a ``proposal_rejected`` event for a proposal the library already holds
            (the online loop does; the nightly job re-mines episodes the online loop saw, where
            such a duplicate is expected and not news).
        data: extra fields for every event (the nightly job's run id).
    """
    out = Admission()
    extra = dict(data or {})

    def refuse(name: str, reason: str) -> None:
        known = reason.startswith(_DUPLICATE)
        (out.known if known else out.rejected).append((name, reason))
        if record_known or not known:
            out.events.append(
                Event(
                    kind=EventKind.PROPOSAL_REJECTED,
                    episode_id=episode_id,
                    data={"name": name, "reason": reason, "miner": miner, **extra},
                )
            )

    for proposal in proposals:
        verdict = check_proposal(proposal, store, min_trigger_rate=policy.min_trigger_rate)
        if not verdict.ok:
            refuse(proposal.name, verdict.reason)
            if verdict.duplicate_of is not None:
                out.events.extend(_vouch_import(proposal, verdict.duplicate_of, store, miner, episode_id, extra))
            continue
        if changes_successes(store, proposal.strategy.repair, proposal.trigger):
            refuse(proposal.name, CHANGES_SUCCESSES)  # (an import is held for this instead: `_probation`)
            continue
        origin = Origin(
            miner=miner,
            evidence=list(proposal.evidence),
            episodes=list(proposal.episodes) or ([episode_id] if episode_id else []),
            note=proposal.note,
        )
        try:
            version = _store(proposal, origin, store)
        except SkillevoError as exc:
            # Another process stored the same name first: not an error, nothing lost.
            refuse(proposal.name, str(exc))
            continue
        if version.origin != origin:  # the library had this content already: one version per content
            refuse(proposal.name, f"{_DUPLICATE} {version.id} (proposed concurrently)")
            continue
        out.events.append(
            Event(
                kind=EventKind.PROPOSAL,
                episode_id=episode_id,
                version_id=version.id,
                data={"name": version.skill, "miner": miner, "kind": proposal.strategy.kind,
                      **_authored(proposal), **extra},
            )
        )
        out.admitted.append(Admitted(version.id, proposal))
    return out


def _authored(proposal: Proposal) -> dict[str, JsonValue]:
    """The flag of a model's words (`skillevo._probation.MODEL_TEXT`) for the proposal's event: its
    guidance, or its code (which waits for a person as an import's does)."""
    from ._probation import MODEL_TEXT

    strategy = proposal.strategy
    return {MODEL_TEXT: True} if proposal.model_written and (strategy.guidance or strategy.code) else {}


def _vouch_import(proposal: Proposal, version_id: str, store: SkillStore, miner: str, episode_id: str | None,
                  extra: Mapping[str, JsonValue]) -> list[Event]:
    """The ``proposal`` event by which this library's miner proposes the words of `version_id`, an
    import or a model's text it duplicates, when that text waits for it (`skillevo._probation.text_unvouched`).

    A proposal duplicating a stored version is not stored (one version per content), so an import
    carrying the words a miner would write later held its skill's lesson for good: the miner's
    proposal was refused as its duplicate, and the import's text waited for a miner's proposal of
    the same words. The miner proposing them from its templates is that vouch; only the same text
    (`shown_words`: words and marks) vouches (a repair's duplicate beside other words vouches for no
    text), and a model's or an import's proposal vouches for nothing."""
    from ._probation import IMPORT_MINER, foreign_text, shown_words, vouches

    if miner == IMPORT_MINER or proposal.model_written or not proposal.strategy.guidance:
        return []
    try:
        version = store.version(version_id)
    except NotFoundError:
        return []
    if shown_words(version.strategy.guidance) != shown_words(proposal.strategy.guidance) or not foreign_text(
        store, version_id
    ):
        return []
    if any(vouches(e) for e in store.events(kind=EventKind.PROPOSAL, version_id=version_id)):
        return []  # vouched for already
    data: dict[str, JsonValue] = {"name": version.skill, "miner": miner, "kind": proposal.strategy.kind,
                                  "duplicate": True, **extra}
    return [Event(kind=EventKind.PROPOSAL, episode_id=episode_id, version_id=version_id, data=data)]


def _store(proposal: Proposal, origin: Origin, store: SkillStore) -> SkillVersion:
    """A new skill, or a new version of the skill of that name (its parent the active or latest version).

    A version lives under its skill's trigger, so a proposal whose name a skill with another trigger
    holds is stored as a skill of its own (`_own_name`): a miner's names are predictable
    (``pay-missing-arg-currency``), and an imported folder that took one first with a trigger that
    never fires, or fires on every tool, had the library's own fix stored under that trigger."""
    name = _own_name(proposal, store)
    try:
        existing: Skill | None = store.skill(name)
    except NotFoundError:
        existing = None
    if existing is None:
        return store.add_skill(name, proposal.trigger, proposal.strategy, description=proposal.description,
                               origin=origin)
    parent = existing.active() or (existing.versions[-1] if existing.versions else None)
    return store.add_version(name, proposal.strategy, parent=parent.id if parent else None, origin=origin)


#: Names tried after the proposal's own (each derived from its trigger), before an unpredictable one.
_NAME_TRIES = 3


def _own_name(proposal: Proposal, store: SkillStore) -> str:
    """`proposal`'s name, or, when a skill with another trigger holds it, a name derived from its
    trigger that is free or held by a skill with the same trigger (the same proposal mined again, or
    by another process, lands in one skill); past `_NAME_TRIES` names held by other triggers (they
    are predictable too), a random one."""
    def fits(name: str) -> bool:
        try:
            return store.skill(name).trigger == proposal.trigger
        except NotFoundError:
            return True

    if fits(proposal.name):
        return proposal.name
    key = json.dumps(proposal.trigger.model_dump(mode="json"), sort_keys=True)
    for attempt in range(_NAME_TRIES):
        digest = hashlib.sha1(f"{key}\n{attempt}".encode()).hexdigest()[:6]
        name = f"{proposal.name[:57].rstrip('-')}-{digest}"
        if fits(name):
            return name
    return f"{proposal.name[:57].rstrip('-')}-{secrets.token_hex(3)}"


def candidate_problem(skill: Skill, version: SkillVersion, store: SkillStore, policy: AdmissionPolicy) -> str:
    """Why a stored candidate (mined or imported) should not be tested; ``""`` when it passes.

    The admission checks again, on what is stored now: no instruction-like text, and the trigger
    rate on the failures stored since it was admitted.
    """
    strategy = version.strategy
    if looks_like_injection((strategy.guidance or "") + " " + skill.description):
        return "its text reads like an instruction injection"
    measured = trigger_rate(
        skill.trigger, strategy, store, policy_version=evidence_policy(version.origin.episodes, store)
    )
    if measured is not None and measured[0] < policy.min_trigger_rate:
        rate, n = measured
        return f"fires on {rate:.0%} of the {n} failures it targets (minimum {policy.min_trigger_rate:.0%})"
    return ""
