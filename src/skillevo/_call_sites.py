"""What one episode's tool calls remember per call site: the arms a call's outcome will credit, and
what already happened after a call's errors (`skillevo._tool_calls`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from ._call_key import CallKey
from ._models import Trigger

__all__ = ["Attempt", "Pending", "Tried"]


class Attempt(NamedTuple):
    """A skill's retries of one call."""

    call: CallKey
    skill: str


@dataclass
class Pending:
    """A call whose outcome will credit a repair (or its null arm) at one call site."""

    key: str
    arm: str
    kind: Literal["repair", "code"]
    trigger: Trigger | None = None  # the site's trigger: which failures are its business (`_attribution`)
    sent: CallKey | None = None  # a pre-emptive repair: the call as the caller sent it
    writes: bool = False  # its repair writes a constant into the call (a set or a value map)
    site: frozenset[str] | None = None  # the arguments its site's repairs change (`site_args`)
    batch: int = 0  # the call it waits on, among identical ones (`_call_waits`)
    call: int = 0  # that call's number among its tool's calls (`SiteChoices.judged`)


@dataclass
class Tried:
    """What already happened after errors of one call."""

    skills: set[str] = field(default_factory=set)  # skills that repaired it (an edit is tried once)
    null_credited: set[str] = field(default_factory=set)  # sites whose null arm was credited 0 here
    error_repair: bool = False  # the repair the error itself spells out was asked for
