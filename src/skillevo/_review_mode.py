"""The review mode a library is run under: its own mark, honoured by every entry point.

A process that runs ``canary`` or ``required`` records its mode on the library (``review.mode``),
raised, never lowered, by a stricter process. Every entry point that runs the lifecycle (an
`Evolver`, a `Lifecycle`, the nightly job, ``skillevo import``) reads it: a process given no mode
runs the library's, one given a stricter mode runs that, and one given a weaker mode is refused
with a `ConfigError`, since a stale config file or an old script must not be what lets unapproved
versions act (before 2026-12-07 the nightly job without a config file, and every `Evolver` or
`Lifecycle` built without a mode, ran ``auto`` on a library under ``required``: 5 of 5 such entry
points rejected a version that had won its test and awaited review). A process already running
follows a mark another host raised: its gate reads the mark again every ``cache_ttl_s``, its
lifecycle where a decision is due. Lowering the mark is a decision a person takes, with a reason,
through `set_review_mode` (``skillevo review mode``); it is a ``review`` event in the library's log.
A raise is logged too, and the mark read is the stricter of the meta row and the newest logged
change (`library_review`): a row lowered by a write that logged no decision lowers nothing.

The canary share is part of the mark (``review.canary_share``): the share the library was gated
``canary`` with, lowered by a process that runs a smaller one, raised only through `set_review_mode`.
A process asking none runs it, a running gate follows it, and one asking a larger share is refused
(before 2026-12-07 any process or config could pass ``canary_share=1.0`` on a library marked
``canary``: unapproved versions acted in 100 of 100 episodes, in effect ``auto``).

A library gated by an earlier release kept only the ``review.gated_since`` mark, not the mode: it
reads as ``required`` (fail closed; the team lowers it to ``canary`` if that is what it ran). A
``canary`` mark without a stored share reads the documented default, 0.05.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

from ._actors import PROCESS, check_actor, own_decision
from ._errors import ConfigError
from ._model_base import new_id
from ._models import Event, EventKind
from ._review_gate import GATED_SINCE_KEY, REVIEW_MODES, ReviewMode, check_review, mark_gated
from ._store import SkillStore

__all__ = [
    "CANARY_SHARE_KEY", "DEFAULT_CANARY_SHARE", "REVIEW_MODE_KEY", "library_review", "library_share", "raise_review",
    "resolve_review", "resolve_share", "set_review_mode", "stricter_mark",
]

#: Meta key: the strictest review mode a process ran this library under (or one a person set).
REVIEW_MODE_KEY = "review.mode"
#: Meta key: the canary share of the mark (the operator's, or the smallest a process ran it with).
CANARY_SHARE_KEY = "review.canary_share"
# Meta key written first in each change of the mark: concurrent changes queue on it.
_GUARD_KEY = "review.mark_guard"
#: The share a library with no stored share reads (the documented default of ``canary_share``).
DEFAULT_CANARY_SHARE = 0.05

_log = logging.getLogger("skillevo")  # (redacted: `_logsafe.LOGGERS`)


def _strength(mode: str) -> int:
    return REVIEW_MODES.index(mode)


# Per store: the last ``review`` event id read, and the newest change of the mark among those read
# (the log is read once, then only what was added since: the gate reads the mark every few seconds).
_READ: weakref.WeakKeyDictionary[SkillStore, tuple[int, Event | None]] = weakref.WeakKeyDictionary()
_READ_LOCK = threading.Lock()
# Event ids read again below the last one read (commits out of id order).
_REREAD = 256


def _newest_change(store: SkillStore) -> Event | None:
    with _READ_LOCK:
        last, change = _READ.get(store, (0, None))
    # (From a little before the last id read: on PostgreSQL an id taken earlier may commit later.)
    events = store.events(kind=EventKind.REVIEW, after_id=max(0, last - _REREAD) or None)
    for event in events:
        if _is_mark_change(event) and (change is None or (event.id or 0) >= (change.id or 0)):
            change = event
    ids = [e.id for e in events if e.id is not None]
    if ids:
        with _READ_LOCK:
            if _READ.get(store, (0, None))[0] <= last:  # (another thread read further: its answer stays)
                _READ[store] = (max(ids), change)
    return change


def _logged_mark(store: SkillStore) -> tuple[ReviewMode, float | None] | None:
    """The mode and canary share the newest logged change of the mark set (`set_review_mode`, or a
    process raising it: `raise_review`), None when the log holds none (a library marked before
    changes were logged). An unreadable one reads ``required`` (fail closed)."""
    change = _newest_change(store)
    if change is None:
        return None
    mode, share = change.data.get("mode"), change.data.get("canary_share")
    logged: ReviewMode = mode if mode in REVIEW_MODES else "required"  # type: ignore[assignment]
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0.0 <= share <= 1.0:
        return logged, (0.0 if logged == "canary" else None)  # (NaN fails the range: fail closed)
    return logged, float(share)


def _is_mark_change(event: Event) -> bool:
    return event.version_id is None and event.data.get("what") == "review_mode"


def library_review(store: SkillStore) -> ReviewMode:
    """The mode this library is marked with: ``auto`` when review was never gated on it.

    The stricter of the stored mark and the newest logged change of it: a lowering reaches the mark
    only as a logged decision (`set_review_mode`). Before 2026-12-07 another process sharing the
    library could write the meta row (``review.mode = auto``) and every entry point ran ``auto``,
    with nothing in the audit trail."""
    stored = store.get_meta(REVIEW_MODE_KEY)
    marked: ReviewMode
    if stored in REVIEW_MODES:
        marked = stored  # type: ignore[assignment]
    elif stored is not None or store.get_meta(GATED_SINCE_KEY) is not None:
        return "required"  # an unreadable mode, or a mark without one: fail closed
    else:
        marked = "auto"
    if marked == "required":
        return marked
    logged = _logged_mark(store)
    return logged[0] if logged is not None and _strength(logged[0]) > _strength(marked) else marked


def resolve_review(store: SkillStore, requested: object, where: str = "review") -> ReviewMode:
    """The mode a process runs: `requested`, or the library's when None; a `ConfigError` when the
    requested mode is weaker than the library's mark."""
    if requested is None:
        return library_review(store)
    mode, _ = check_review(requested)  # (before the store is read: a bad value is the caller's error)
    marked = library_review(store)
    if _strength(mode) < _strength(marked):
        raise ConfigError(
            f"{where}: {mode!r} is weaker than this library's review mark {marked!r}: a process may run it "
            f"stricter, not weaker (leave the mode out to run {marked!r}, or lower the mark on purpose: "
            f"skillevo review mode {mode} --reason ..., in code skillevo._review_mode.set_review_mode)"
        )
    return mode


def library_share(store: SkillStore) -> float:
    """The canary share of this library's mark: the stored one, `DEFAULT_CANARY_SHARE` when none was
    stored, 0.0 (no canary episode: fail closed) when it cannot be read."""
    share = _stored_share(store)
    # Never wider than the newest logged change of the mark set it (a share widened behind the log).
    logged = _logged_mark(store)
    return share if logged is None or logged[1] is None else min(share, logged[1])


def _stored_share(store: SkillStore) -> float:
    stored = store.get_meta(CANARY_SHARE_KEY)
    if stored is None:
        return DEFAULT_CANARY_SHARE
    try:
        share = float(stored)
    except ValueError:
        return 0.0
    return share if 0.0 <= share <= 1.0 else 0.0  # (NaN fails both)


def resolve_share(store: SkillStore, mode: str, requested: object, where: str = "canary_share") -> float:
    """The canary share a process running `mode` runs: `requested`, or the library's when None; a
    `ConfigError` when it runs ``canary`` on a library marked ``canary`` and asks a larger share."""
    if requested is None:
        return library_share(store)
    _, share = check_review(mode, requested)
    if mode == "canary" and library_review(store) == "canary" and share > (marked := library_share(store)):
        raise ConfigError(
            f"{where}: {share!r} is larger than this library's canary share {marked!r}: a process may run it "
            f"smaller, not larger (leave canary_share out to run {marked!r}, or raise it on purpose: "
            f"skillevo review mode canary --canary-share {share:g} --reason ..., "
            "in code skillevo._review_mode.set_review_mode)"
        )
    return share


def stricter_mark(store: SkillStore, mode: ReviewMode) -> ReviewMode:
    """`mode`, or the library's mark where another process raised it above `mode` since (read where a
    lifecycle decision is due, not on every credit)."""
    marked = library_review(store)
    return marked if _strength(marked) > _strength(mode) else mode


def raise_review(store: SkillStore, mode: ReviewMode, canary_share: float | None = None) -> None:
    """Record that a process runs this library under `mode` (and, under ``canary``, `canary_share`),
    when that is stricter than its mark."""
    if not _raises(store, mode, canary_share):
        return  # (the usual start: nothing to change, so no write and no wait for another writer's lock)
    with _guarded(store):  # read again under the guard: another process may have changed it since
        stored = store.get_meta(REVIEW_MODE_KEY)
        old, old_share = library_review(store), library_share(store)
        changed = False
        if _raises_mode(store, mode, stored):
            store.set_meta(REVIEW_MODE_KEY, mode)
            changed = True
        if canary_share is not None and _raises_share(store, mode, canary_share, stored):
            store.set_meta(CANARY_SHARE_KEY, repr(float(canary_share)))
            changed = True
        if changed:  # logged too: the mark read is never looser than its newest logged change
            with own_decision():  # (the process's own event: `skillevo._actors`)
                store.log_events([Event(kind=EventKind.REVIEW, data={
                    "what": "review_mode", "previous": old, "mode": library_review(store),
                    "previous_canary_share": old_share, "canary_share": library_share(store),
                    "reason": f"a process runs this library under {mode!r}", "actor": PROCESS,
                })])


def _raises(store: SkillStore, mode: ReviewMode, canary_share: float | None) -> bool:
    stored = store.get_meta(REVIEW_MODE_KEY)
    return _raises_mode(store, mode, stored) or _raises_share(store, mode, canary_share, stored)


def _raises_mode(store: SkillStore, mode: ReviewMode, stored: str | None) -> bool:
    # (a stored None or "auto": this process gates the library now)
    return _strength(mode) > _strength(library_review(store)) or (mode != "auto" and stored is None)


def _raises_share(store: SkillStore, mode: ReviewMode, canary_share: float | None, stored: str | None) -> bool:
    return (
        mode == "canary"
        and canary_share is not None
        and (stored in (None, "auto") or canary_share < library_share(store))  # gating it, or a smaller share
    )


@contextmanager
def _guarded(store: SkillStore) -> Iterator[None]:
    """One transaction whose first write is the guard row: a second process's read of the mark waits
    for this one's commit (on SQLite the write transaction does; on PostgreSQL the row's lock), so
    it never writes over a stricter mark it did not see (before 2026-12-07 a ``canary`` host starting
    beside a ``required`` one could leave the library marked ``canary``)."""
    with store.transaction():
        store.set_meta(_GUARD_KEY, new_id())
        yield


def set_review_mode(
    store: SkillStore, mode: object, *, reason: str, actor: str = "reviewer", canary_share: object = None,
) -> ReviewMode:
    """Set this library's review mark to `mode` (and its canary share to `canary_share`, when given),
    lower than it is included (a person's decision: `reason` is required, and the change is a ``review``
    event in the library's log, ``data.what == "review_mode"``, with `actor` and `reason`).
    Processes already running keep their mode and share for the gate; their lifecycle decisions read
    the mark again at each decision."""
    new, share = check_review(mode, DEFAULT_CANARY_SHARE if canary_share is None else canary_share)
    if not isinstance(reason, str) or not reason.strip():
        raise ConfigError("set_review_mode: a reason is required")
    if not isinstance(actor, str) or not actor.strip():
        raise ConfigError("set_review_mode: an actor (who decides) is required")
    check_actor(actor.strip())  # a person's name, never the name of one of skillevo's own deciders
    # Before `mark_gated`: a library never gated reads "required" once it holds the gated mark alone.
    old, old_share = library_review(store), library_share(store)
    if new != "auto":
        mark_gated(store)  # (once: the versions active now stay live)
    with _guarded(store):
        if store.get_meta(REVIEW_MODE_KEY) is not None:  # (read again: another process may have changed it)
            old, old_share = library_review(store), library_share(store)
        store.set_meta(REVIEW_MODE_KEY, new)
        if canary_share is not None:
            store.set_meta(CANARY_SHARE_KEY, repr(share))
        # (The share set now, not the smaller one the previous logged change set: this is the change.)
        now_share = _stored_share(store) if canary_share is not None else library_share(store)
        # In the library's own log, in the same transaction: the audit trail every host and `skillevo
        # diff` read says who changed the mark, when and why (a process's log is one host's, and
        # rotated away). Not about a version: the readers of status changes pass it by.
        store.log_events([Event(kind=EventKind.REVIEW, data={
            "what": "review_mode", "previous": old, "mode": new, "previous_canary_share": old_share,
            "canary_share": now_share, "reason": reason.strip(), "actor": actor.strip(),
        })])
    _log.warning(  # (who and why quoted: a line break in them starts no line of its own in the log)
        "review mark of %s changed from %r (canary share %r) to %r (canary share %r) by %r: %r",
        store.location, old, old_share, new, now_share, actor.strip(), reason.strip(),
    )
    return new
