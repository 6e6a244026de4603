"""The arms waiting on a call that failed, sorted by whose doing the failure was (`_attribution`).

Arms whose site the error concerns are charged now; the others are set aside (parked) to ride the
call's retry. A pre-emptive edit the error names is charged whatever the error's class; one named by
an error of another class than its trigger's, or one whose written value the error quotes and the
caller's not (`_undo`), backfired: the call is retried at once as the model wrote it (`_own_edits`).
Pure: `ToolCalls._resolve` records what this decides.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ._attribution import about_arguments, attributable, error_names, names_elsewhere, names_own_edit
from ._call_key import CallKey
from ._call_sites import Pending
from ._undo import quotes_own_edit

__all__ = ["FailureSort", "sort_failure"]


@dataclass(frozen=True)
class FailureSort:
    """What a failure means for the arms that waited on its call."""

    parked: list[Pending]  # set aside: they ride the call's retry
    undo: bool  # an edit of this call caused the error: the call is retried as the model wrote it
    backfired: list[tuple[str, CallKey]]  # (skill, call as sent): not applied to that call again


def sort_failure(
    waiting: Sequence[Pending],
    error: tuple[str, str],
    named: str,
    tool: str,
    args: Any,
    task: str,
    takes: Callable[[str, str], bool],
    original: dict[str, Any] | None,
    declared: Mapping[str, Any] | None = None,
) -> FailureSort:
    """Sort the arms `waiting` on the call `tool(args)` that failed with `error` (type, message).

    `named`: the error as the tool wrote it, where the arguments it names are read; `takes`: whether
    the tool takes an argument; `original`: the model's arguments, where a pre-emptive repair changed
    the call; `declared`: the tool's declared properties (JSON schema by argument), where known."""
    names = error_names(named, tool, args) if any(p.site for p in waiting) else None  # once a call
    # A repair that edited this call is charged an error naming what it edited, whatever its
    # class; one of another class than its trigger's is undone at once (`after_error`).
    own = {id(p) for p in waiting if p.sent and names_own_edit(p.site, error[0], named, tool, args, names)}
    # Whether the error is one each arm's trigger is about (read once an arm).
    about = {id(p): attributable(p.trigger, tool, *error, task, args) for p in waiting}
    parked = [
        p
        for p in waiting
        if id(p) not in own and (not about[id(p)] or names_elsewhere(p.site, named, tool, args, takes, names))
    ]
    set_aside = {id(p) for p in parked}
    # Undone at once (`after_error`): an edit named by an error of another class than its
    # trigger's, or a charged edit whose value the error quotes and the caller's not (`quotes_own_edit`).
    undo = any(not about[i] for i in own) or (
        original is not None
        and any(p.sent and id(p) not in set_aside for p in waiting)
        and quotes_own_edit(original, args, named, declared)
    )
    # A constant the caller never sent can cause any error, not only its site's kind; not one
    # that names only other arguments (the tool accepted the constant): the model's repeat of
    # the call gets it again.
    about_args = any(p.writes for p in waiting) and about_arguments(*error, args)
    # Withheld from the caller's repeat: an edit the failure can be the doing of (named by the
    # error, its value quoted, a constant). One that keeps the value (a conversion), charged an error
    # naming nothing it did, is applied again: withheld, the repeat failed the check it passes.
    backfired = [
        (p.key, p.sent)
        for p in waiting
        if p.sent is not None
        and (
            (id(p) not in set_aside and (id(p) in own or p.writes or undo))
            or (about_args and p.writes and not names_elsewhere(p.site, named, tool, args, takes, names))
        )
    ]
    return FailureSort(parked, undo, backfired)
