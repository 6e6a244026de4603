"""One argument with two habits: learn the rule that explains the newest correction, not a value map.

A model may get one argument wrong in two ways (an id lower-cased, or written without its separator
and padding) under one error message. `synthesize_apart` wants one rule for every correction of the
signature, and the only one that explains both habits is a value map of the instances seen, which
repairs no id it has not seen and never transfers. When that is all it finds, the newest correction
is tried alone: if a general rule (a case change, a cast, a date re-format, a pad: anything but a
map or a set) explains it, that rule is learned from the corrections it explains, with their
precondition, provided every other correction of the signature is one it would leave alone (its
precondition does not hold there, or it changes nothing). A correction the rule would turn into
another value, or claims and cannot read (a month-first date for a day-first rule), contradicts it,
and the map (or nothing) stands.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._errors import SkillevoError
from ._models import MapValue, Repair, SetArg
from ._repair import RepairError, apply_repair, precondition_holds, same_args, synthesize, synthesize_apart

__all__ = ["synthesize_own_rule"]

Pair = tuple[dict[str, Any], dict[str, Any]]


def _instances_only(repair: Repair | None) -> bool:
    return repair is None or all(isinstance(op, MapValue | SetArg) for op in repair.ops)


def _explains(repair: Repair, bad: dict[str, Any], good: dict[str, Any]) -> bool:
    try:
        return precondition_holds(repair, bad) and same_args(apply_repair(repair, bad), good)
    except (RepairError, SkillevoError, ValueError, TypeError):
        return False


def _leaves_alone(repair: Repair, bad: dict[str, Any]) -> bool:
    """Whether the rule does not claim this failed value: its precondition does not hold there, or it
    changes nothing. A value it claims and cannot read (a month-first date where it reads day-first)
    is the same kind of value written another way: the rule's reading of that kind is unproven."""
    try:
        return not precondition_holds(repair, bad) or same_args(apply_repair(repair, bad), bad)
    except (RepairError, SkillevoError, ValueError, TypeError):
        return False


def synthesize_own_rule(pairs: Sequence[Pair], *, confirm_additions: bool = False) -> Repair | None:
    """`synthesize_apart`, or, when that finds only a map of instances (or nothing), the general rule
    the newest correction (``pairs[0]``) alone proves, learned from every correction it explains."""
    found = synthesize_apart(pairs, confirm_additions=confirm_additions)
    if not _instances_only(found) or len(pairs) < 2:
        return found
    own = synthesize(pairs[:1], confirm_additions=confirm_additions)
    if own is None or _instances_only(own) or not own.precondition:
        return found
    group = [p for p in pairs if _explains(own, *p)]
    if not all(_leaves_alone(own, bad) for bad, good in pairs if (bad, good) not in group):
        return found  # another correction says the rule's value is wrong there
    joint = synthesize(group, confirm_additions=confirm_additions)
    if joint is None or _instances_only(joint) or not joint.precondition:
        return own
    return joint if all(_leaves_alone(joint, bad) for bad, good in pairs if (bad, good) not in group) else own
