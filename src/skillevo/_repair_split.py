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
and the map (or nothing) stands -- unless the map already holds every correction the rule
would get wrong and the rule explains at least two: then the map runs first (each value it has seen
gets the correction seen for it) and the rule after it (a value never seen, written the rule's way).
An enum written in another case or as a synonym is that mix: a map of synonyms alone repairs no case
variant it has not seen. The rule's output for a value the map holds must not be another value a
correction chose (it would be a valid value with another meaning where the map did not reach).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._errors import SkillevoError
from ._models import MapValue, Repair, SetArg
from ._repair import RepairError, apply_repair, precondition_holds, same_args, synthesize, synthesize_apart

__all__ = ["explains", "synthesize_own_rule"]

Pair = tuple[dict[str, Any], dict[str, Any]]


def _instances_only(repair: Repair | None) -> bool:
    return repair is None or all(isinstance(op, MapValue | SetArg) for op in repair.ops)


def explains(repair: Repair, bad: dict[str, Any], good: dict[str, Any]) -> bool:
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
    group = [p for p in pairs if explains(own, *p)]
    if not all(_leaves_alone(own, bad) for bad, good in pairs if (bad, good) not in group):
        # another correction says the rule's value is wrong there: the map may still take that value
        return _rule_after_map(found, own, group, pairs, confirm_additions=confirm_additions)
    joint = synthesize(group, confirm_additions=confirm_additions)
    if joint is None or _instances_only(joint) or not joint.precondition:
        return own
    return joint if all(_leaves_alone(joint, bad) for bad, good in pairs if (bad, good) not in group) else own


def _rule_after_map(
    found: Repair | None, own: Repair, group: Sequence[Pair], pairs: Sequence[Pair], *, confirm_additions: bool
) -> Repair | None:
    """The map of every correction, then the rule (see the module's docstring), or `found`."""
    joint = synthesize(group, confirm_additions=confirm_additions) if len(group) >= 2 else None
    if found is None or joint is None or not joint.precondition or len(found.ops) != 1 or len(joint.ops) != 1:
        return found
    (mapping,), (rule,) = found.ops, joint.ops
    if not isinstance(mapping, MapValue) or _instances_only(joint) or getattr(rule, "arg", None) != mapping.arg:
        return found
    chosen = {repr(good) for good in mapping.mapping.values()}
    for bad, good in pairs:
        if (bad, good) in group:
            continue
        try:
            out = apply_repair(joint, bad)
        except (RepairError, SkillevoError, ValueError, TypeError):
            continue  # the rule cannot read it: the map alone takes it
        if any(repr(v) in chosen for k, v in out.items() if k == mapping.arg and not same_args(v, good.get(k))):
            return found  # the rule would turn a value into another correction's value: another meaning
    combined = Repair(ops=[mapping, rule], precondition=joint.precondition)
    if not all(explains(combined, bad, good) for bad, good in pairs):
        return found  # (the rule's precondition gates the map too: a value it does not hold on stays unmapped)
    return combined
