"""The skill lifecycle: candidate -> testing -> active | rejected; active -> retired.

* A candidate that passed the miner's checks is *tested*: at most one test per skill at a time,
  the others wait as candidates; one that repairs every call of the test alike, and more, takes it over (`_handover`).
* Within a group of rollouts of one task, each rollout gets the version under test with
  probability clamp(P(theta_test > theta_incumbent), 0.15, 0.85) (0.5 before any evidence); the
  incumbent is the active version, or "apply nothing" (the null arm) when there is none.
* The test version is promoted after at least K updates and N episodes with
  P(theta_test > theta_incumbent) >= 0.95, rejected when that probability falls to 0.05 or the test
  runs out of budget, and the superseded incumbent is retired. Under ``review="required"`` a version
  under test runs in shadow (nothing it does reaches a call or a prompt, see `_review_gate`) and
  waits for a human; should it still win a live test (a process running another mode shares the
  library) it gets a *pending* lifecycle event instead of a promotion.
* An active version is retired when P(theta_version > theta_null) < 0.05 after enough of its own
  observations since its last reset (`_retire`): it no longer beats doing nothing.
* At most `max_active_per_scope` skills are active per scope (trigger kind + tool); the weakest
  goes first. Every transition is a logged status change; nothing is deleted.

Many processes may share one library, each running this lifecycle on the posteriors it caches
(`ThompsonSelector`, at most `staleness_s` old). So that the library takes each decision once:

* a decision that looks due on the cached posteriors is re-checked on the stored ones (the key is
  re-read first) and taken only if it still holds;
* every transition is conditional (`SkillStore.set_status(..., expected=...)`): it applies only if
  the version still has the status the decision was taken from, so a second process taking the
  same decision (or a conflicting one, a promotion racing a retirement) from what it read earlier
  changes nothing (`StatusConflictError`, caught here);
* a test starts only if no sibling version is under test, checked while the store holds the
  skill's versions locked, and a promotion retires whatever is active when it commits.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ._actors import LIFECYCLE, own_decision
from ._errors import ConfigError, StatusConflictError
from ._handover import covered_by_active, fresh_test, hand_over, handed_updates, repair_holds
from ._models import NULL_ARM, Event, EventKind, Skill, SkillVersion, VersionStatus
from ._probation import awaits_evidence, text_unvouched
from ._retire import harm, starved
from ._review_gate import ReviewMode, approved_ids, gated_since, is_approved
from ._review_mode import resolve_review, stricter_mark
from ._selection import Selector
from ._store import SkillStore

__all__ = ["Lifecycle", "LifecycleConfig", "Transition", "group_advantages"]


class LifecycleConfig(BaseModel):
    """Thresholds of the lifecycle (validated).

    Attributes:
        min_updates: K, credited outcomes the version under test needs before a decision.
        min_episodes: N, distinct episodes it must have been selected in.
        promote_p: promote when P(test > incumbent) reaches this.
        reject_p: reject when P(test > incumbent) falls to this.
        max_test_updates: a test still undecided after this many updates is rejected (inconclusive).
        retire_p: retire an active version when P(version > null) falls below this ...
        retire_min_obs: ... after at least this many of its own observations.
        max_active_per_scope: cap on active skills per (trigger kind, tool).
        assign_clamp: bounds of the within-group assignment probability.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    min_updates: int = Field(default=5, ge=1)
    min_episodes: int = Field(default=10, ge=1)
    promote_p: float = Field(default=0.95, gt=0.5, lt=1.0)
    reject_p: float = Field(default=0.05, gt=0.0, lt=0.5)
    max_test_updates: int = Field(default=400, ge=1)
    retire_p: float = Field(default=0.05, gt=0.0, lt=0.5)
    retire_min_obs: int = Field(default=20, ge=1)
    max_active_per_scope: int = Field(default=8, ge=1)
    assign_clamp: tuple[float, float] = (0.15, 0.85)

    @model_validator(mode="after")
    def _clamp_ok(self) -> LifecycleConfig:
        lo, hi = self.assign_clamp
        if not 0.0 <= lo < hi <= 1.0:
            raise ValueError(f"assign_clamp must satisfy 0 <= low < high <= 1 (got {self.assign_clamp!r})")
        return self


class Transition(BaseModel):
    """One lifecycle decision."""

    model_config = ConfigDict(frozen=True)

    version_id: str
    from_status: VersionStatus | None
    to_status: VersionStatus | None = Field(description="None for a pending promotion awaiting review")
    reason: str
    p: float | None = None


def group_advantages(rewards: Sequence[float], eps: float = 1e-6) -> np.ndarray:
    """Group-relative advantages (r - mean) / (std + eps), as GRPO uses them."""
    r = np.asarray(list(rewards), dtype=float)
    if r.size == 0:
        return r
    out: np.ndarray = (r - r.mean()) / (r.std() + eps)
    return out


class Lifecycle:
    """Starts tests, assigns rollouts, and promotes, rejects or retires versions.

    Args:
        store: the skill library.
        selector: the posteriors the decisions read (key = skill name, arms = version ids and null).
        config: thresholds.
        review: ``"auto"`` and ``"canary"`` apply promotions at once; ``"required"`` leaves a winning
            version in ``testing`` with a pending-promotion event until `approve` or `reject`, and
            lists every unapproved live version in `pending`. None (default): the library's mark (`_review_mode`).
    """

    def __init__(
        self,
        store: SkillStore,
        selector: Selector,
        config: LifecycleConfig | None = None,
        review: str | None = None,
    ) -> None:
        self.store = store
        self.selector = selector
        self.config = config or LifecycleConfig()
        self.review: ReviewMode = resolve_review(store, review, "Lifecycle: review")
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ tests

    def start(self, version_id: str) -> Transition | None:
        """Begin testing a candidate unless its skill already has a test running (it then waits)."""
        with self._lock:
            version = self.store.version(version_id)
            if version.status is not VersionStatus.CANDIDATE:
                return None
            skill = self.store.skill(version.skill)
            testing = handed = _testing(skill)
            if testing is not None:
                if self._pause_held(skill, testing):
                    handed = None
                elif not hand_over(self.store, skill, testing, version):
                    return None
                skill = self.store.skill(version.skill)
                if any(v.status is VersionStatus.TESTING for v in skill.versions):
                    return None
            if self.review != "required" and awaits_evidence(self.store, version, skill):
                # An import this library holds no evidence for applies to no call (`ReviewGate`): a test
                # here would hold the skill's slot and never be credited. It waits; a person may approve
                # it. Under "required" it starts, in shadow, where a reviewer sees what it would do.
                return None
            try:
                with self.store.transaction():
                    self.store.set_status(
                        version_id,
                        VersionStatus.TESTING,
                        reason="test started",
                        actor=LIFECYCLE,
                        expected=VersionStatus.CANDIDATE,
                    )
                    # Checked again under the lock set_status holds: another process may have
                    # started a sibling since the read above (then this start is undone).
                    if any(
                        v.status is VersionStatus.TESTING and v.id != version_id
                        for v in self.store.skill(version.skill).versions
                    ):
                        raise StatusConflictError(f"{version.skill} already has a version under test")
            except StatusConflictError:
                return None
            # After the commit: in the store's transaction this takes the locks in reverse (`fresh_test`).
            fresh_test(self.selector, self.store, version, handed)
            return Transition(
                version_id=version_id,
                from_status=VersionStatus.CANDIDATE,
                to_status=VersionStatus.TESTING,
                reason="test started",
            )

    @staticmethod
    def incumbent_arm(skill: Skill) -> str:
        """The arm a test is compared against: the active version, or the null arm."""
        active = skill.active()
        return active.id if active is not None else NULL_ARM

    def assign_probability(self, skill: Skill) -> float:
        """P(a rollout gets the version under test) = clamp(P(test > incumbent)); 0.5 before evidence."""
        testing = _testing(skill)
        if testing is None:
            return 0.0
        lo, hi = self.config.assign_clamp
        a, b = self.selector.posterior(skill.name, testing.id)
        if a + b <= 2.0:
            return min(hi, max(lo, 0.5))
        p = self.selector.prob_better(skill.name, testing.id, self.incumbent_arm(skill))
        return min(hi, max(lo, p))

    def assign(self, skill: Skill, rng: np.random.Generator) -> str:
        """The arm one rollout of a group uses for `skill`: the version under test or the incumbent."""
        testing = _testing(skill)
        if testing is None:
            return self.incumbent_arm(skill)
        return testing.id if rng.random() < self.assign_probability(skill) else self.incumbent_arm(skill)

    group_advantages = staticmethod(group_advantages)

    # ------------------------------------------------------------------ decisions

    def evaluate(self, skill_name: str) -> list[Transition]:
        """Apply every decision that is due for one skill; returns what changed.

        Reads the skill once (its versions carry the stored counters the decisions need: no event
        scan) and again only after a decision changed it.
        """
        with self._lock:
            skill = self.store.skill(skill_name)
            out: list[Transition] = []
            testing = _testing(skill)
            if testing is not None:
                decided = self._decide_test(skill, testing)
                out.extend(decided)
                if decided:
                    skill = self.store.skill(skill_name)
            retired = self._retire_harmful(skill)
            out.extend(retired)
            if retired:
                skill = self.store.skill(skill_name)
            if _testing(skill) is None:
                started = self._start_first(skill)
                if started:
                    out.append(started)
            return out

    def _pause_held(self, skill: Skill, testing: SkillVersion) -> bool:
        """Under ``auto``/``canary``, send back to waiting a test of an import this library holds no
        evidence for (it applies to no call, so it is never credited or decided: its skill's later
        candidates, the library's own mined fixes included, would wait behind it for good). It was
        started in shadow while review held back, or by a release before the probation. True when
        it went back (it starts again once evidence comes in; a person may approve it)."""
        self.review = stricter_mark(self.store, self.review)
        if self.review == "required" or not awaits_evidence(self.store, testing, skill):
            return False
        try:
            self.store.set_status(
                testing.id, VersionStatus.CANDIDATE, reason="test paused: no evidence for this import here",
                actor=LIFECYCLE, expected=VersionStatus.TESTING,
            )
        except StatusConflictError:
            return False  # decided or paused by another process since it was read
        return True

    def _start_first(self, skill: Skill) -> Transition | None:
        """Start the oldest waiting candidate that may start (an import awaiting evidence holds back no other)."""
        for waiting in (v for v in skill.versions if v.status is VersionStatus.CANDIDATE):
            if covered_by_active(skill, waiting):
                continue  # a version that handed its test over, its successor active: a test adds nothing
            started = self.start(waiting.id)
            if started is not None:
                return started
        return None

    def _test_verdict(self, skill: Skill, testing: SkillVersion) -> tuple[str | None, float, float]:
        """What the test's posteriors call for: ``"promote"``, ``"reject"``, ``"inconclusive"`` or
        None, with P(test > incumbent) and the test's update count."""
        cfg = self.config
        a, b = self.selector.posterior(skill.name, testing.id)
        updates = a + b - 2.0
        if updates < cfg.min_updates:
            return None, 0.5, updates
        p = self.selector.prob_better(skill.name, testing.id, self.incumbent_arm(skill))
        enough = testing.selected_episodes >= cfg.min_episodes
        # A repair must also not lower its episodes' reward, nor its own calls belie a handed test (`_handover`).
        if enough and p >= cfg.promote_p and (  # (read only when due: no event scan on an agent's call)
                testing.strategy.repair is None or repair_holds(self.store, self.selector, skill.name, testing.id)):
            return "promote", p, updates
        if enough and p <= cfg.reject_p:
            return "reject", p, updates
        if updates >= cfg.max_test_updates and not (self.review == "required" and testing.pending_review) and (
                updates - handed_updates(self.store, testing.id) >= cfg.max_test_updates):  # its own, not handed
            return "inconclusive", p, updates
        return None, p, updates

    def _decide_test(self, skill: Skill, testing: SkillVersion) -> list[Transition]:
        verdict, p, updates = self._test_verdict(skill, testing)
        if verdict is None:
            return []
        # Due on this process's cached posteriors: decided on the stored ones (other processes'
        # updates included), so every process takes the decision the library's evidence calls for.
        self.selector.refresh(skill.name)
        self.review = stricter_mark(self.store, self.review)  # another host may have raised it since
        verdict, p, updates = self._test_verdict(skill, testing)
        incumbent = self.incumbent_arm(skill)
        if verdict == "promote":
            if self.review == "required":
                # One won test, one pending event: decided again (here, later, or by another
                # process from what it read before this one wrote), the store writes nothing.
                with own_decision():  # the lifecycle's own event
                    logged = not testing.pending_review and self.store.log_pending_review(
                        _pending_event(testing.id, incumbent, p))
                if not logged:
                    return []
                return [
                    Transition(
                        version_id=testing.id,
                        from_status=VersionStatus.TESTING,
                        to_status=None,
                        reason=f"won its test (P={p:.3f} vs {incumbent}); awaiting review",
                        p=p,
                    )
                ]
            return self._promote(
                skill,
                testing,
                f"won its test: P(better than {incumbent}) = {p:.3f}",
                p,
                actor=LIFECYCLE,
                kind=EventKind.LIFECYCLE,
            )
        if verdict == "reject":
            if not self._transition(
                testing,
                VersionStatus.REJECTED,
                reason=f"lost its test: P(better than {incumbent}) = {p:.3f}",
                data={"p": p},
            ):
                return []
            return [
                Transition(
                    version_id=testing.id,
                    from_status=VersionStatus.TESTING,
                    to_status=VersionStatus.REJECTED,
                    reason="lost its test",
                    p=p,
                )
            ]
        if verdict == "inconclusive":
            if not self._transition(
                testing,
                VersionStatus.REJECTED,
                reason=f"inconclusive after {int(updates)} updates (P = {p:.3f})",
                data={"p": p},
            ):
                return []
            return [
                Transition(
                    version_id=testing.id,
                    from_status=VersionStatus.TESTING,
                    to_status=VersionStatus.REJECTED,
                    reason="inconclusive",
                    p=p,
                )
            ]
        return []

    def _promote(
        self, skill: Skill, version: SkillVersion, reason: str, p: float | None, *, actor: str, kind: EventKind
    ) -> list[Transition]:
        out = []
        try:
            with self.store.transaction():
                self.store.set_status(
                    version.id,
                    VersionStatus.ACTIVE,
                    reason=reason,
                    actor=actor,
                    kind=kind,
                    data={"p": p} if p is not None else None,
                    expected=version.status,
                )
                out.append(
                    Transition(
                        version_id=version.id,
                        from_status=version.status,
                        to_status=VersionStatus.ACTIVE,
                        reason=reason,
                        p=p,
                    )
                )
                # What is active now, read under the lock the promotion holds (not the caller's
                # copy, which another process may have changed since), is superseded.
                for old in self.store.skill(skill.name).versions:
                    if old.status is not VersionStatus.ACTIVE or old.id == version.id:
                        continue
                    self.store.set_status(
                        old.id,
                        VersionStatus.RETIRED,
                        reason=f"superseded by {version.id}",
                        actor=actor,
                        kind=kind,
                        expected=VersionStatus.ACTIVE,
                    )
                    out.append(
                        Transition(
                            version_id=old.id,
                            from_status=VersionStatus.ACTIVE,
                            to_status=VersionStatus.RETIRED,
                            reason=f"superseded by {version.id}",
                        )
                    )
                out.extend(self._enforce_cap(skill, keep=version.skill))
        except StatusConflictError:  # decided elsewhere first: nothing of this promotion was written
            return []
        return out

    def _transition(
        self, version: SkillVersion, status: VersionStatus, *, reason: str, data: dict[str, object] | None = None
    ) -> bool:
        """`version` goes from the status it was read with to `status`; False when it had changed."""
        try:
            self.store.set_status(
                version.id, status, reason=reason, actor=LIFECYCLE, data=data, expected=version.status
            )
        except StatusConflictError:
            return False
        return True

    def starved(self) -> list[tuple[SkillVersion, float, float]]:
        """Active versions behind doing nothing on too few own updates to retire (`_retire.starved`)."""
        return starved(self.selector, self.config, self.store.skills(status=VersionStatus.ACTIVE))

    def _retire_harmful(self, skill: Skill) -> list[Transition]:
        active = skill.active()
        if active is None or harm(self.selector, self.config, skill, active) is None:
            return []
        # Due on the cached posteriors: decided on the stored ones (see `_decide_test`).
        self.selector.refresh(skill.name)
        p = harm(self.selector, self.config, skill, active)
        if p is None:
            return []
        reason = f"no longer beats doing nothing: P(better than null) = {p:.3f}"
        if not self._transition(active, VersionStatus.RETIRED, reason=reason, data={"p": p}):
            return []
        return [
            Transition(
                version_id=active.id,
                from_status=VersionStatus.ACTIVE,
                to_status=VersionStatus.RETIRED,
                reason=reason,
                p=p,
            )
        ]

    def retract(self, version_id: str, reason: str) -> Transition | None:
        """Take back a version its evidence no longer supports: retired when active, rejected while a
        candidate or under test; None when it had another status (or changed meanwhile)."""
        with self._lock:
            version = self.store.version(version_id)
            if version.status is VersionStatus.ACTIVE:
                to = VersionStatus.RETIRED
            elif version.status in (VersionStatus.CANDIDATE, VersionStatus.TESTING):
                to = VersionStatus.REJECTED
            else:
                return None
            if not self._transition(version, to, reason=reason):
                return None
            return Transition(version_id=version.id, from_status=version.status, to_status=to, reason=reason)

    def _enforce_cap(self, skill: Skill, keep: str) -> list[Transition]:
        scope = (skill.trigger.kind, skill.trigger.tool)
        actives = [
            s for s in self.store.skills(status=VersionStatus.ACTIVE) if (s.trigger.kind, s.trigger.tool) == scope
        ]
        excess = len(actives) - self.config.max_active_per_scope
        # The skill just promoted earned its place; the weakest of the others make room.
        actives = [s for s in actives if s.name != keep]
        if excess <= 0:
            return []
        out = []

        def strength(s: Skill) -> float:
            v = s.active()
            return v.mean if v is not None else 0.0

        for weak in sorted(actives, key=strength)[:excess]:
            version = weak.active()
            if version is None:
                continue
            reason = f"over the cap of {self.config.max_active_per_scope} active skills for {scope[0]}:{scope[1]}"
            if not self._transition(version, VersionStatus.RETIRED, reason=reason):
                continue
            out.append(
                Transition(
                    version_id=version.id,
                    from_status=VersionStatus.ACTIVE,
                    to_status=VersionStatus.RETIRED,
                    reason=reason,
                )
            )
        return out

    # ------------------------------------------------------------------ human review

    def _start_next(self, skill_name: str) -> list[Transition]:
        """After a decision, the next waiting candidate of the skill starts its test (or its shadow run)."""
        skill = self.store.skill(skill_name)
        if any(v.status is VersionStatus.TESTING for v in skill.versions):
            return []
        started = self._start_first(skill)
        return [started] if started is not None else []

    def pending(self) -> list[SkillVersion]:
        """Versions waiting for a human decision.

        Under ``review="auto"``: versions that won their test while review was required (a pending
        event). Under ``"required"`` / ``"canary"``, also every version under test (it runs in
        shadow) and every active version nobody approved (see `_review_gate.is_approved`).
        """
        skills, out = self.store.skills(), []
        # The approvals of every active version read at once (one at a time: two reads per version).
        gated, versions = self.review != "auto", [v for s in skills for v in s.versions]
        approved = approved_ids(self.store, versions, gated_since(self.store)) if gated else set()
        for skill in skills:
            for v in skill.versions:
                if v.status is VersionStatus.TESTING:
                    waiting = gated or v.pending_review
                else:
                    waiting = gated and v.status is VersionStatus.ACTIVE and v.id not in approved
                if waiting:
                    out.append(v)
        return out

    def approve(self, version_id: str, reason: str, actor: str = "reviewer") -> list[Transition]:
        """A human approves a version (recorded as a review event).

        A version under test (or a candidate) is promoted and its incumbent retired; an active version
        nobody approved (or an import whose text waits for one) is recorded as approved, stays active.
        """
        with self._lock:
            version = self.store.version(version_id)
            if version.status is VersionStatus.ACTIVE and (
                not is_approved(self.store, version) or text_unvouched(self.store, version)):
                try:
                    # Conditional, like every transition: a version another process rejected or
                    # retired since it was read is not brought back, approved, by this decision.
                    self.store.set_status(
                        version_id, VersionStatus.ACTIVE, reason=f"approved: {reason}", actor=actor,
                        kind=EventKind.REVIEW, expected=VersionStatus.ACTIVE,
                    )
                except StatusConflictError:
                    raise ConfigError(f"{version_id} changed while being approved; look again") from None
                return [
                    Transition(
                        version_id=version_id,
                        from_status=VersionStatus.ACTIVE,
                        to_status=VersionStatus.ACTIVE,
                        reason=f"approved: {reason}",
                    )
                ]
            if version.status not in (VersionStatus.TESTING, VersionStatus.CANDIDATE):
                raise ConfigError(f"{version_id} is {version.status.value}: only a version under test can be approved")
            skill = self.store.skill(version.skill)
            out = self._promote(skill, version, f"approved: {reason}", None, actor=actor, kind=EventKind.REVIEW)
            if not out:
                raise ConfigError(f"{version_id} changed while being approved; look again")
            return out + self._start_next(version.skill)

    def reject(self, version_id: str, reason: str, actor: str = "reviewer") -> Transition:
        """A human rejects a version (recorded as a review event)."""
        with self._lock:
            version = self.store.version(version_id)
            if version.status in (VersionStatus.REJECTED, VersionStatus.RETIRED):
                raise ConfigError(f"{version_id} is already {version.status.value}")
            try:
                self.store.set_status(
                    version_id,
                    VersionStatus.REJECTED,
                    reason=f"rejected: {reason}",
                    actor=actor,
                    kind=EventKind.REVIEW,
                    expected=version.status,
                )
            except StatusConflictError as exc:
                raise ConfigError(f"{version_id} changed while being rejected ({exc}); look again") from None
            self._start_next(version.skill)
            return Transition(
                version_id=version_id, from_status=version.status, to_status=VersionStatus.REJECTED, reason=reason
            )


def _testing(skill: Skill) -> SkillVersion | None:
    return next((v for v in skill.versions if v.status is VersionStatus.TESTING), None)


def _pending_event(version_id: str, incumbent: str, p: float) -> Event:
    data: dict[str, object] = {"pending": "promote", "from": "testing", "to": "active", "against": incumbent,
                               "p": p, "reason": "won its test; awaiting human review", "actor": LIFECYCLE}
    return Event(kind=EventKind.LIFECYCLE, version_id=version_id, data=data)
