"""Whose name a status decision carries: a person's or a script's, never one of skillevo's own.

The review gate reads approvals off the event log by actor (`skillevo._review_gate`): a test the
lifecycle won is an event by ``lifecycle``, a version active when review became gated one by
``review-gate``. Those names are therefore reserved: only skillevo's own deciders write them, as an
`OwnActor` (``set_status``) or inside `own_decision` (events they log). Any other caller, a script
calling ``set_status``, a person's ``--actor``, events handed to ``log_events``, that names one (in
any case, spacing, compatibility form or look-alike letters) gets a one-line `ConfigError` and nothing is written.
"""

from __future__ import annotations

import contextvars
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

from ._errors import ConfigError
from ._models import Event, EventKind
from ._secret_fold import ascii_reading

__all__ = [
    "GATE",
    "LIFECYCLE",
    "PROCESS",
    "SKILLEVO",
    "TRAIN",
    "OwnActor",
    "check_actor",
    "check_events",
    "own_decision",
]


class OwnActor(str):
    """The name of one of skillevo's own deciders, as its code passes it (a caller's text never is one)."""

    __slots__ = ()


SKILLEVO = OwnActor("skillevo")
LIFECYCLE = OwnActor("lifecycle")
GATE = OwnActor("review-gate")
TRAIN = OwnActor("train")
PROCESS = OwnActor("process")


def _folded(name: str) -> str:
    # As a person reads the name: compatibility forms, then look-alike letters (a Cyrillic "е" in
    # "lifеcycle", small capitals), so that no decision shows under what reads as an own name.
    return "".join(c for c in ascii_reading(unicodedata.normalize("NFKC", name)).casefold() if c.isalnum())


_RESERVED = frozenset(_folded(a) for a in (SKILLEVO, LIFECYCLE, GATE, TRAIN, PROCESS))
_OWN = contextvars.ContextVar("skillevo_own_decision", default=False)
#: The kinds of event the review gate and the review history read an actor off.
_DECISIONS = (EventKind.LIFECYCLE, EventKind.REVIEW)
_Events = TypeVar("_Events", bound=Sequence[Event])


@contextmanager
def own_decision() -> Iterator[None]:
    """Marks the events skillevo's own deciders log (on this thread or task) as theirs."""
    token = _OWN.set(True)
    try:
        yield
    finally:
        _OWN.reset(token)


def _reserved(actor: object) -> bool:
    return isinstance(actor, str) and _folded(actor) in _RESERVED


def _refusal(actor: str) -> ConfigError:
    return ConfigError(
        f"actor {actor[:60]!r} is the name of one of skillevo's own deciders: act under your own name"
    )


def check_actor(actor: object) -> str:
    """`actor` as a status change records it; raises `ConfigError` for a reserved name a caller wrote."""
    if not isinstance(actor, str):
        raise ConfigError(f"an actor is text, not {type(actor).__name__}")
    if type(actor) is not OwnActor and _reserved(actor) and not _OWN.get():
        raise _refusal(actor)
    return str(actor)


def check_events(events: _Events) -> _Events:
    """`events`, once none of a decision names a reserved actor outside `own_decision` (`ConfigError`)."""
    if not _OWN.get():
        for event in events:
            actor = event.data.get("actor") if event.kind in _DECISIONS else None
            if _reserved(actor):
                raise _refusal(str(actor))
    return events
