"""Which versions may change a call or a prompt: the review modes ``auto``, ``canary`` and ``required``.

* ``auto`` (default): every live version (testing or active) competes on live calls.
* ``required``: only *approved* versions apply; every other live version runs in shadow (its repair
  or guidance is computed and logged, never applied: see `_shadow`).
* ``canary``: like ``required``, except on a share of episodes (``canary_share``, 5% by default)
  where unapproved versions are live too. Each block of ``B = max(100, ceil(1 / share))``
  consecutive episodes of a process holds exactly ``floor(share * B)`` canary episodes at
  positions drawn from the Evolver's seeded generator: never more than the share, never periodic.

A version is **approved** when it is active and its *current activation* (the events since it last
became active) carries one of these in the event log:

1. a person approved it: a ``review`` event that made it (or kept it) active (`Lifecycle.approve`,
   ``skillevo review approve``);
2. it won a live test: a ``lifecycle`` event by the lifecycle itself promoted it from testing. That
   happens only in a process running ``auto`` or ``canary``, modes in which the team accepted live
   tests; a win under ``required`` is only a *pending* event, awaiting a person, never an approval;
3. it was active when review became gated on this library: the first gated Evolver writes the
   ``review.gated_since`` mark and, in the same transaction, a ``lifecycle`` event by
   ``review-gate`` on each version active at that moment. Skills that were live when a team
   switched to ``required`` stay live. Recorded by version, not compared by time: hosts sharing a
   library need not agree on the clock.

Whatever the mode, an imported version under test that changes calls applies to no call before this
library holds evidence for it (`skillevo._probation`): it runs in shadow where the episode keeps one,
and changes nothing elsewhere (``auto`` and canary episodes included). Its activation (a person's
approval, or a test won once it had evidence) ends the hold.

Anything else is unapproved: every candidate and testing version (mined, imported, added through
the API), and an active version that became active after the switch by any other route (an
import that kept a ``status: active`` line, a script calling ``set_status``), including a version
approved once, then retired or rejected, and made active again that way: an approval covers the
activation it was given for. The mark is never overwritten, even when it cannot be read (moving
it would approve whatever is active at that later moment).
"""

from __future__ import annotations

import math
import os
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np

from ._actors import GATE, own_decision
from ._errors import ConfigError
from ._models import Event, EventKind, SkillVersion, VersionStatus
from ._probation import awaits_evidence, text_unvouched
from ._run_path import run_path_scope
from ._store import SkillStore

__all__ = [
    "GATED_SINCE_KEY",
    "GATE_ACTOR",
    "REVIEW_MODES",
    "ReviewGate",
    "ReviewMode",
    "approved_ids",
    "check_review",
    "check_share",
    "decisions",
    "is_approved",
]

ReviewMode = Literal["auto", "canary", "required"]
REVIEW_MODES: tuple[str, ...] = ("auto", "canary", "required")

#: Meta key: the UNIX time review first became gated (``canary`` or ``required``) on a library.
GATED_SINCE_KEY = "review.gated_since"
#: The actor of the events that approve the versions active when review became gated.
GATE_ACTOR = GATE
#: How long an import held for want of evidence is held before the library is read again (a replay of
#: its tool's stored failures: not on every call, and in the background, never inside the call).
_HELD_TTL_S = 120.0
#: Meta key: set when those events were written with the mark (a library gated before they were
#: recorded by version has its mark alone; see `mark_gated`).
_RECORDED_KEY = "review.gated_recorded"


def check_review(review: object, canary_share: object = 0.05) -> tuple[ReviewMode, float]:
    """Validate a review mode and canary share; a `ConfigError` naming the bad value otherwise."""
    if review not in REVIEW_MODES:
        raise ConfigError(f"review: must be 'auto', 'canary' or 'required' (got {review!r})")
    mode: ReviewMode = review  # type: ignore[assignment]
    return mode, check_share(canary_share)


def check_share(canary_share: object) -> float:
    """Validate a canary share; a `ConfigError` naming the bad value otherwise."""
    if isinstance(canary_share, bool) or not isinstance(canary_share, int | float):
        raise ConfigError(f"canary_share: must be a number between 0 and 1 (got {canary_share!r})")
    share = float(canary_share)
    if not 0.0 <= share <= 1.0:
        raise ConfigError(f"canary_share: must be between 0 and 1 (got {canary_share!r})")
    return share


def _read_mark(stored: str | None) -> float | None:
    if stored is None:
        return None
    try:
        mark = float(stored)
    except ValueError:
        return -math.inf
    # Unreadable (or not finite): still a mark, so review stays gated and the mark is never moved.
    return mark if math.isfinite(mark) else -math.inf


def mark_gated(store: SkillStore) -> float:
    """Record (once) when review became gated on this library, and the versions active then; returns the mark.

    A mark already there is never replaced, even one that cannot be read: the versions recorded
    with it are the ones approved by having been active at the switch.
    """
    mark = _read_mark(store.get_meta(GATED_SINCE_KEY))
    if mark is not None:
        if math.isfinite(mark) and store.get_meta(_RECORDED_KEY) is None:
            # Gated by a release that kept only the mark: the versions first made active before it
            # are recorded now, once (the last time a clock decides).
            with store.transaction():
                _record(store, [v for v in _active(store) if _first_active(store, v) < mark])
                store.set_meta(_RECORDED_KEY, "1")
        return mark
    now = time.time()
    with store.transaction():
        _record(store, _active(store))
        store.set_meta(GATED_SINCE_KEY, repr(now))
        store.set_meta(_RECORDED_KEY, "1")
    return now


def _active(store: SkillStore) -> list[SkillVersion]:
    return [v for skill in store.skills() for v in skill.versions if v.status is VersionStatus.ACTIVE]


def decisions(store: SkillStore, version: SkillVersion) -> list[Event]:
    """`version`'s status decisions in the order they were made: its review and lifecycle events,
    without the pending ones (a test won under ``required``: awaiting a person, not a decision)."""
    events = [
        e for kind in (EventKind.REVIEW, EventKind.LIFECYCLE) for e in store.events(kind=kind, version_id=version.id)
        if e.data.get("pending") is None
    ]
    events.sort(key=lambda e: (e.id is None, e.id or 0, e.ts))
    return events


def _first_active(store: SkillStore, version: SkillVersion) -> float:
    times = [e.ts for e in decisions(store, version) if e.data.get("to") == VersionStatus.ACTIVE.value]
    return min(times, default=version.created_at)


def _record(store: SkillStore, versions: Sequence[SkillVersion]) -> None:
    with own_decision():  # the gate's own events (`skillevo._actors`)
        _log_gate_events(store, versions)


def _log_gate_events(store: SkillStore, versions: Sequence[SkillVersion]) -> None:
    store.log_events([
        Event(kind=EventKind.LIFECYCLE, version_id=v.id, data={
            "from": VersionStatus.ACTIVE.value, "to": VersionStatus.ACTIVE.value, "actor": GATE_ACTOR,
            "reason": "active when review became gated: stays live",
        })
        for v in versions
    ])


def gated_since(store: SkillStore) -> float | None:
    """The ``review.gated_since`` mark, if review was ever gated on this library (``-inf``: unreadable)."""
    return _read_mark(store.get_meta(GATED_SINCE_KEY))


def is_approved(store: SkillStore, version: SkillVersion, since: float | None = None) -> bool:
    """Whether `version` is approved (see the module docstring for the three routes).

    On a library review was never gated on (no mark, and `since` None) every active version is.
    """
    if version.status is not VersionStatus.ACTIVE:
        return False
    if (gated_since(store) if since is None else since) is None:
        return True
    return _approved_by(decisions(store, version))


def _approved_by(decided: Sequence[Event]) -> bool:
    """Whether a version's status decisions (`decisions`, in order) leave its current activation approved."""
    approved = False
    for event in decided:
        data = event.data
        if data.get("to") != VersionStatus.ACTIVE.value:
            approved = False  # it left active (retired, rejected ...): an earlier approval is spent
            continue
        actor = data.get("actor")
        won = actor == "lifecycle" and data.get("from") in ("testing", "candidate")
        if event.kind is EventKind.REVIEW or won or actor == GATE_ACTOR:
            approved = True
        elif data.get("from") != VersionStatus.ACTIVE.value:
            approved = False  # made active again by another route: a new activation
    return approved


def approved_ids(store: SkillStore, versions: Sequence[SkillVersion], since: float | None) -> set[str]:
    """The ids of `versions` that are approved (`is_approved` with the mark `since`, None: never gated),
    read at once: the library's review and lifecycle events in two queries, not two per version."""
    active = {v.id for v in versions if v.status is VersionStatus.ACTIVE}
    if since is None or not active:
        return active  # review never gated here: every active version is approved
    decided: dict[str, list[Event]] = {}
    for kind in (EventKind.REVIEW, EventKind.LIFECYCLE):
        for e in store.events(kind=kind):
            if e.version_id in active and e.data.get("pending") is None:
                decided.setdefault(e.version_id, []).append(e)
    key: Callable[[Event], tuple[bool, int, float]] = lambda e: (e.id is None, e.id or 0, e.ts)  # noqa: E731
    return {vid for vid in active if _approved_by(sorted(decided.get(vid, []), key=key))}


class _Holds:
    """The versions one check (`awaits_evidence`, `text_unvouched`) holds back. A version is asked
    about on its first call; a held one is asked again once its answer is `_HELD_TTL_S` old, off the
    agent's call path: the call that finds the answer old still answers "held" (what it said until
    then: fail closed) and hands the check (a replay of the tool's stored failures, ~100 ms on a large
    library) to a background thread, whose answer is the next call's. A version found free stays
    free: what frees it (evidence, an approval, a vouched text) is never undone. A check that cannot
    read the log holds (fail closed) and is asked again on the next call."""

    def __init__(self, check: Callable[[SkillStore, SkillVersion], bool], lock: threading.Lock) -> None:
        self._check = check
        self._lock = lock
        self._held: dict[str, float] = {}
        self._free: set[str] = set()
        self._due: dict[str, tuple[SkillStore, SkillVersion]] = {}
        self._worker: threading.Thread | None = None

    def held(self, store: SkillStore, version: SkillVersion) -> bool:
        """Whether the check holds `version` back (cached as above)."""
        if version.id in self._free:
            return False
        seen = self._held.get(version.id)
        if seen is None:
            return self._ask(store, version)
        if time.monotonic() - seen >= _HELD_TTL_S:
            self._ask_later(store, version)
        return True

    def _ask(self, store: SkillStore, version: SkillVersion) -> bool:
        now = time.monotonic()
        try:
            held = self._check(store, version)
        except Exception:  # the log cannot be read now: held (fail closed), asked again next call
            return True
        self._answer(version.id, held, now)
        return held

    def _answer(self, version_id: str, held: bool, now: float) -> None:
        with self._lock:
            if held:
                self._held[version_id] = now
            else:
                self._held.pop(version_id, None)
                self._free.add(version_id)

    def _ask_later(self, store: SkillStore, version: SkillVersion) -> None:
        with self._lock:
            if version.id in self._due:
                return
            self._due[version.id] = (store, version)
            if self._worker is not None:
                return
            worker = self._worker = threading.Thread(target=self._drain, name="skillevo-holds", daemon=True)
        worker.start()

    def _drain(self) -> None:
        while True:
            with self._lock:
                if not self._due:
                    self._worker = None
                    return
                version_id, (store, version) = next(iter(self._due.items()))
            now = time.monotonic()
            try:
                held = self._check(store, version)
            except Exception:  # held (fail closed); the next call asks again
                with self._lock:
                    self._due.pop(version_id, None)
                    if version_id in self._held:
                        self._held[version_id] = -math.inf
                continue
            self._answer(version_id, held, now)
            with self._lock:
                self._due.pop(version_id, None)

    def settle(self, timeout: float | None = None) -> bool:
        """Wait for the checks handed to the background to answer (False when `timeout` passed first)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                worker = self._worker
            if worker is None:
                return True
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return False
            worker.join(left)

    def after_fork(self, lock: threading.Lock) -> None:
        """In a forked child: none of the parent's threads run there, so its worker (and the checks
        queued for it) are dropped, and `lock` (a fresh one) replaces one a parent's thread may hold."""
        self._lock = lock
        self._worker = None
        self._due = {}

    def forget_held(self) -> None:
        """Ask again on the next call about every version held now (the caller holds the lock)."""
        self._held.clear()


class ReviewGate:
    """Splits the live versions at a call site into those that apply and those that run in shadow.

    Args:
        store: the library (approvals are read from its event log).
        mode: ``"auto"``, ``"canary"`` or ``"required"``.
        canary_share: under ``"canary"``, the share of episodes in which unapproved versions apply.
        seed: seeds the per-episode canary draw (reproducible runs).
        ttl_s: how long an answer is reused before the log is read again (an approval ends when the
            version leaves active, e.g. a reviewer in another process rejects it).
    """

    def __init__(
        self, store: SkillStore, mode: ReviewMode = "auto", canary_share: float = 0.05, *, seed: int = 0,
        ttl_s: float = 2.0,
    ) -> None:
        self.mode, self.canary_share = check_review(mode, canary_share)
        self.store = store
        self.ttl_s = float(ttl_s)
        self._rng = np.random.default_rng([int(seed), 0x5EED])
        self._lock = threading.Lock()
        self._approved: dict[str, float] = {}
        self._unapproved: dict[str, float] = {}
        self._block: list[bool] = []
        self._holds = _Holds(awaits_evidence, self._lock)
        self._text_holds = _Holds(text_unvouched, self._lock)
        self._since: float | None = mark_gated(store) if self.gated else None
        # When the library's mark is read again (`_follow_mark`): another host may raise it meanwhile.
        # First at the first episode: a share wider than the library's canary mark never draws a block.
        self._mark_due = time.monotonic()
        _GATES.add(self)

    def _follow_mark(self) -> None:
        """Run under the library's review mark once another process raised it above this gate's mode,
        and under its canary share once that is smaller than this gate's (read every `ttl_s`): before
        2026-12-07 a process that started under ``auto`` kept applying unapproved versions for its
        whole life after another host gated the library (5 of 5 calls), and one started with
        ``canary_share=1.0`` did so in 100 of 100 episodes after another host gated it ``canary``.
        A mark that cannot be read now leaves the mode as it is (read again after `ttl_s`)."""
        from ._review_mode import library_review, library_share  # (they build on this module)

        self._mark_due = time.monotonic() + self.ttl_s
        try:
            marked = library_review(self.store)
            share = min(self.canary_share, library_share(self.store)) if marked == "canary" else self.canary_share
            if REVIEW_MODES.index(marked) < REVIEW_MODES.index(self.mode) or (
                marked == self.mode and share == self.canary_share
            ):
                return
            since = gated_since(self.store)
            since = mark_gated(self.store) if since is None else since
        except Exception:
            return
        with self._lock:
            self._since = since
            self.mode = marked
            if share != self.canary_share:
                self.canary_share, self._block = share, []  # (a block drawn at the wider share is dropped)
            self._approved.clear()

    def _after_fork(self) -> None:
        self._lock = threading.Lock()
        for holds in (self._holds, self._text_holds):
            holds.after_fork(self._lock)

    @property
    def gated(self) -> bool:
        """Whether unapproved versions can be held back (``canary`` or ``required``)."""
        return self.mode != "auto"

    def draw_canary(self) -> bool:
        """Whether a new episode is a canary one (unapproved versions apply in it)."""
        if self.mode != "required" and time.monotonic() >= self._mark_due:
            # (Before the episode decides whether it may test versions live.) A run starts here: its
            # reads wait a run's budget for a lock and leave a spill journal to the writer thread;
            # before 2026-12-07 each run's start wrote the journal back itself (0.3 s a run at 1,200).
            with run_path_scope():
                self._follow_mark()
        if self.mode != "canary":
            return False
        with self._lock:
            if not self._block:
                size = max(100, math.ceil(1.0 / self.canary_share)) if self.canary_share > 0 else 100
                picks = np.zeros(size, dtype=bool)
                picks[self._rng.choice(size, size=math.floor(self.canary_share * size + 1e-9), replace=False)] = True
                self._block = [bool(p) for p in picks[::-1]]
            return self._block.pop()

    def clear(self) -> None:
        """Forget cached "unapproved" answers (after a review decision in this process)."""
        with self._lock:
            self._approved.clear()
            self._unapproved.clear()
            self._text_holds.forget_held()

    def approved(self, version: SkillVersion) -> bool:
        """`is_approved`, cached (only active versions cost a read)."""
        if version.status is not VersionStatus.ACTIVE:
            return False
        now = time.monotonic()
        seen = self._approved.get(version.id)
        if seen is not None and now - seen < self.ttl_s:
            return True
        seen = self._unapproved.get(version.id)
        if seen is not None and now - seen < self.ttl_s:
            return False
        try:
            ok = is_approved(self.store, version, self._since)
        except Exception:  # the log cannot be read now: held back (fail closed), asked again next call
            return False
        with self._lock:
            if ok:
                self._approved[version.id] = now
                self._unapproved.pop(version.id, None)
            else:
                self._approved.pop(version.id, None)
                self._unapproved[version.id] = now
        return ok

    def held(self, version: SkillVersion) -> bool:
        """Whether `version` is an import under test this library holds no evidence for (see the module
        doc): cached, a version found free stays free (what it was stored as and by never changes)."""
        return version.status is VersionStatus.TESTING and self._holds.held(self.store, version)

    def settle(self, timeout: float | None = None) -> bool:
        """Wait for the holds being looked at again in the background (False when `timeout` passed first)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        return all(
            h.settle(None if deadline is None else max(0.0, deadline - time.monotonic()))
            for h in (self._holds, self._text_holds)
        )

    def text_held(self, version: SkillVersion) -> bool:
        """Whether `version`'s guidance may reach no prompt: imported, and neither a person nor this
        library's own miners vouch for its words (`skillevo._probation.text_unvouched`). Cached like
        `held`: a text found vouched for stays so (an approval or a mined proposal is never undone)."""
        return bool(version.strategy.guidance) and self._text_holds.held(self.store, version)

    def live(self, version: SkillVersion, canary: bool) -> bool:
        """Whether `version` may change a call or a prompt in an episode (`canary`: a canary episode)."""
        if self.held(version):
            return False
        if self.mode != "required" and time.monotonic() >= self._mark_due:
            self._follow_mark()
        if not self.gated or (canary and self.mode == "canary"):
            return True
        return self.approved(version)

    def split(
        self, versions: Sequence[SkillVersion], canary: bool
    ) -> tuple[list[SkillVersion], list[SkillVersion]]:
        """(versions that apply, versions that run in shadow) in this episode."""
        live: list[SkillVersion] = []
        shadow: list[SkillVersion] = []
        for v in versions:
            (live if self.live(v, canary) else shadow).append(v)
        return live, shadow


#: The gates of this process, for a forked child to restart (see `_after_fork_in_child`).
_GATES: weakref.WeakSet[ReviewGate] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    # A forked child has none of the parent's threads: a re-check in flight there would never
    # answer, its worker never start again (an import that won its evidence held in the child for
    # good), and a lock a parent's thread held at the fork would hang every canary draw and approval.
    for gate in list(_GATES):
        gate._after_fork()


os.register_at_fork(after_in_child=_after_fork_in_child)
