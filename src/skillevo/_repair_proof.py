"""What a rule mined from corrections must prove before it is proposed: that it still explains the
newest correction, and that a constant it adds is no one record's data, or was added with that value
in corrections of two episodes (one episode's corrections agree because they are one task's data)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._models import Event, Repair, SetArg
from ._repair import apply_repair, precondition_holds, same_args
from ._shape import is_instance_value, leaves

__all__ = ["added_in_two_episodes", "adds_instance_value", "event_args", "still_holds"]


def event_args(event: Event) -> dict[str, Any] | None:
    """A copy of the arguments an event recorded, or None if it recorded none."""
    args = event.data.get("args")
    return dict(args) if isinstance(args, dict) else None


def adds_instance_value(repair: Repair) -> bool:
    """Whether the repair sets a value shaped like one record's data (`is_instance_value`: free
    text, an id's run of digits, a phone, an address), at any depth of the value it sets."""
    return any(
        isinstance(value, str | int | float) and not isinstance(value, bool) and is_instance_value(str(value))
        for op in repair.ops if isinstance(op, SetArg)
        for value in leaves(op.value, keys=False)
    )


def added_in_two_episodes(repair: Repair, pairs: Sequence[tuple[Event, Event]]) -> bool:
    """Whether every constant the repair adds to a call was added, with that value, in corrections of
    two episodes (two corrections of one episode agree because they are one task's data)."""
    for op in repair.ops:
        if isinstance(op, SetArg):
            episodes = {
                a.episode_id
                for a, b in pairs
                if op.arg not in (event_args(a) or {}) and same_args((event_args(b) or {}).get(op.arg), op.value)
            }
            if len(episodes) < 2:
                return False
    return True


def still_holds(repair: Repair, bad: dict[str, Any], good: dict[str, Any]) -> bool:
    """Whether `repair` still turns `bad` into `good` (its precondition, where it has one, holding on
    `bad` and no longer on `good`): a rule an older correction proved, checked on the newest one."""
    try:
        fixed = same_args(apply_repair(repair, bad), good)
    except Exception:  # an op that cannot apply to these arguments: the rule does not hold here
        return False
    if not fixed:
        return False
    return repair.precondition is None or (precondition_holds(repair, bad) and not precondition_holds(repair, good))
