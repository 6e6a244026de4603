"""When a waiting candidate takes over its skill's test: it repairs every call the version under test
repairs, the same way, and more.

A skill tests one version at a time, and a test ends only on evidence. A first version whose repair
fires rarely (a value map learned from two values the agent got wrong once each) may meet no call
for a long time; meanwhile the miner learns a larger version of the same skill (the map with the
values met since, or the map and a rule beside it), which waited as a candidate behind it, and the
mistakes it repairs kept reaching the tool. Such a candidate is the version under test and more:
every outcome the test could credit to the smaller version, the larger one would have produced
too. So it takes the test over, with the smaller version's posterior (outcomes of calls on which
the larger one does exactly the same: evidence about it), and the smaller version goes back to
waiting, not rejected: it starts again if the larger one is rejected, and waits, covered, while the
larger one is active. Promotion still needs the larger version's own `min_episodes` (selected
episodes are not handed over), so its added edits meet calls before it is promoted. Without the
posterior, a map the miner grew seven times in the demo (seed 0, `cancel_booking`'s reason)
restarted its test from the prior seven times.

"Covers" is read twice: the candidate keeps the version's precondition and every edit in order
(a value map may gain entries, never change one), adding edits only after them; and on the tool's
stored calls, wherever the version under test changes a call, the candidate changes it into
exactly the same arguments (an edit added after the map may not rewrite what the map wrote). Its
guidance is read for nothing here (the miner words each version from its own examples): the
candidate starts its test from the smaller version's posterior (above), and is promoted only once
its own selected episodes reach `min_episodes` and its own results are not clearly worse than the
record it inherited (`repair_holds`). Only the library's own versions take a test over: an import,
or a model's words, never displaces one (their own probation decides when they start,
`skillevo._probation`).
Code is never compared (it is not replayed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._actors import LIFECYCLE, own_decision
from ._attribution import reward_holds
from ._beta_compare import prob_greater
from ._models import Event, EventKind, MapValue, PosteriorState, Repair, Skill, SkillVersion, VersionStatus
from ._probation import foreign_text
from ._repair import apply_repair, same_args
from ._store import SkillStore

if TYPE_CHECKING:
    from ._selection import Selector

__all__ = [
    "covered_by_active",
    "covers",
    "fresh_test",
    "hand_over",
    "handed_evidence_holds",
    "handed_updates",
    "repair_holds",
]

#: The key of the lifecycle event recording the (alpha, beta) a version was handed, so its own
#: outcomes can be told apart (the selector rewrites a posterior's extra state on each update).
_HANDED = "handed"
#: Below this P(own outcomes' rate > the handed outcomes' rate), the version's own calls say it does
#: not behave like the version whose evidence it inherited.
_CONSISTENT_P = 0.05

#: The tool's newest stored calls (failed and succeeded, each) the two versions are replayed on.
_CALLS = 200


def _op_covered(small: object, large: object) -> bool:
    if small == large:
        return True
    if not isinstance(small, MapValue) or not isinstance(large, MapValue) or small.arg != large.arg:
        return False
    return all(k in large.mapping and same_args(large.mapping[k], v) for k, v in small.mapping.items())


def _shape_covers(small: Repair, large: Repair) -> bool:
    if small.precondition != large.precondition or len(large.ops) < len(small.ops) or small == large:
        return False
    return all(_op_covered(a, b) for a, b in zip(small.ops, large.ops, strict=False))


def _repairs(small: SkillVersion, large: SkillVersion) -> tuple[Repair, Repair] | None:
    """The two versions' declarative repairs when `large`'s keeps every edit of `small`'s, else None
    (code is never compared: it is not replayed)."""
    s, g = small.strategy, large.strategy
    if s.code is not None or g.code is not None or s.repair is None or g.repair is None:
        return None
    return (s.repair, g.repair) if _shape_covers(s.repair, g.repair) else None


def covers(store: SkillStore, skill: Skill, small: SkillVersion, large: SkillVersion) -> bool:
    """Whether `large` repairs every call `small` repairs, the same way, and is larger (module doc)."""
    repairs = _repairs(small, large)
    if repairs is None:
        return False
    smaller, larger = repairs
    if skill.trigger.tool_is_glob or not skill.trigger.tool:
        return False  # stored calls of the tools a glob reaches are not all read here
    for kind in (EventKind.TOOL_ERROR, EventKind.TOOL_RESULT):
        for event in store.newest_events(kind=kind, tool=skill.trigger.tool, limit=_CALLS):
            args = event.data.get("args")
            if not isinstance(args, dict):
                continue
            try:
                repaired = apply_repair(smaller, args)
                if same_args(repaired, args):
                    continue
                if not same_args(apply_repair(larger, args), repaired):
                    return False
            except Exception:  # an edit that cannot apply to a stored call: not shown to be the same
                return False
    return True


def hand_over(store: SkillStore, skill: Skill, testing: SkillVersion, candidate: SkillVersion) -> bool:
    """Send `testing` back to waiting when `candidate`, the library's own, covers it; True when it went."""
    if foreign_text(store, candidate.id) or not covers(store, skill, testing, candidate):
        return False
    from ._errors import StatusConflictError

    try:
        store.set_status(
            testing.id,
            VersionStatus.CANDIDATE,
            reason=f"test handed to {candidate.id}: it repairs every call this version repairs, the same way, and more",
            actor=LIFECYCLE,
            expected=VersionStatus.TESTING,
        )
    except StatusConflictError:
        return False  # decided by another process since it was read
    return True


def covered_by_active(skill: Skill, candidate: SkillVersion) -> bool:
    """Whether the active version keeps every edit of `candidate` (then a test of it would add nothing).

    Read on the shape alone (no stored call): asked each time the skill's lifecycle looks for a test
    to start, on an agent's path, and a version that handed its test over waits for good while its
    successor is active. The calls were read when it handed the test over."""
    active = skill.active()
    return active is not None and _repairs(candidate, active) is not None


def fresh_test(selector: Selector, store: SkillStore, version: SkillVersion, handed: SkillVersion | None) -> None:
    """`version`'s test starts from the prior, whatever an earlier version with its id left, or, when
    `handed` handed its test over, from `handed`'s posterior. Called after the start committed: inside
    the store's transaction the reset would take the selector's lock while holding the store's, the
    reverse of an update's order (a deadlock)."""
    selector.notify_change(version.skill, version.id)
    if handed is None:
        return
    theirs = next((p for p in store.posteriors(version.skill) if p.arm == handed.id), None)
    if theirs is None:
        return

    def carry(mine: PosteriorState) -> PosteriorState:  # the reset's epoch kept: processes reload it
        return mine.model_copy(
            update={
                "alpha": theirs.alpha,
                "beta": theirs.beta,
                "observations": theirs.observations,
                "extra": dict(theirs.extra),
            }
        )

    store.update_posterior(version.skill, version.id, carry)
    status = VersionStatus.TESTING.value
    with own_decision():  # the lifecycle's own event (`skillevo._actors`)
        store.log_events([Event(kind=EventKind.LIFECYCLE, version_id=version.id, data={
            "actor": LIFECYCLE, "from": status, "to": status, "reason": f"handed the test of {handed.id}",
            _HANDED: [theirs.alpha, theirs.beta],
        })])
    selector.refresh(version.skill)


def handed_evidence_holds(store: SkillStore, selector: Selector, key: str, version_id: str) -> bool:
    """Whether the outcomes `version_id` earned itself since it took a test over agree with the ones
    it was handed (True when it was handed none).

    The handed outcomes are evidence about the calls both versions change alike; the larger
    version's added edits change other calls, which only its own outcomes judge. A version whose
    own outcomes are clearly worse than the handed ones (every own call failing after thirty handed
    wins) is not the version that earned them: it is not promoted on them (its test goes on)."""
    handed = _handed(store, version_id)
    if handed is None:
        return True
    ha, hb = handed
    a, b = selector.posterior(key, version_id)
    own = (max(a - ha, 0.0) + 1.0, max(b - hb, 0.0) + 1.0)
    return prob_greater(own, (ha, hb)) >= _CONSISTENT_P


def repair_holds(store: SkillStore, selector: Selector, key: str, version_id: str) -> bool:
    """What a repair's promotion needs beside its test's P: its episodes' reward does not drop
    (`skillevo._attribution.reward_holds`) and its own calls do not belie a handed test."""
    return reward_holds(selector, key, version_id) and handed_evidence_holds(store, selector, key, version_id)


def _handed(store: SkillStore, version_id: str) -> tuple[float, float] | None:
    """The (alpha, beta) handed to `version_id`'s current test, None when it started from the prior."""
    for event in reversed(store.events(kind=EventKind.LIFECYCLE, version_id=version_id)):
        handed = event.data.get(_HANDED)
        if isinstance(handed, list) and len(handed) == 2:
            a, b = (float(x) if isinstance(x, int | float) else 1.0 for x in handed)
            return a, b
        if event.data.get("to") == VersionStatus.TESTING.value:
            return None  # started since from the prior: nothing handed to this test
    return None


def handed_updates(store: SkillStore, version_id: str) -> float:
    """The updates `version_id`'s test was handed: not its own, so not spent from its test's length
    (`max_test_updates`). Without this, a larger map taking over a test near its end was rejected as
    inconclusive after one own outcome, and the smaller one restarted from the prior."""
    handed = _handed(store, version_id)
    return 0.0 if handed is None else max(sum(handed) - 2.0, 0.0)
