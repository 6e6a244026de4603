"""One argument written several ways under one error class: one rule holding each way's transform.

An error that abstracts the value (``parsing <q>: invalid syntax``) is one class for every way the
agent writes a number for people: ``"$1,250.00"``, ``"980.50 GBP"``, ``"CHF 3,444.23"``. Each way is
a general rule of its own (a cast that drops that mark and reads that grouping), but none fires on
more than its share of the class, so each was refused as narrow by the trigger-rate check, and the
class taught nothing however often it recurred (before 2026-12-07). Here the corrections are split
by the rule each one alone proves; when every part is one value transform of the same argument with
a shape precondition, they are joined: their transforms in turn (each leaves a value written
another way as it is), under the union of their preconditions. The joined rule must still reproduce
every correction exactly, so a form it would read differently from its correction vetoes it. No
form is invented: only the ways the corrections proved are read (a mark never corrected, or another
grouping, is left to the tool). Nor is a way one episode alone shows: a way's mark is a word of the
value (``"1,480.00 Kowalczyk"`` is read as a number with the unit ``Kowalczyk``), and one record's
name is no habit of the agent's; stored in a rule it would carry that customer into every review
and prompt (`tests/test_attack_forms_one_record_mark.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._models import ArgCondition, CoerceArg, Repair
from ._repair import precondition_holds, synthesize
from ._repair_split import explains

__all__ = ["synthesize_forms"]

Pair = tuple[dict[str, Any], dict[str, Any]]

#: at most this many ways of writing one argument are joined (a longer list is instances, not habits)
MAX_FORMS = 8


def _one_form(repair: Repair | None) -> tuple[str, str] | None:
    """(argument, precondition regex) of a rule that is one cast of one argument under one shape."""
    if repair is None or len(repair.ops) != 1 or len(repair.precondition or []) != 1:
        return None
    (op,), (cond,) = repair.ops, repair.precondition or []
    if not isinstance(op, CoerceArg) or cond.arg != op.arg or not cond.regex or cond.type or cond.present:
        return None
    if op.duration or op.scale or op.separator or op.within:
        return None  # a length of time, a rescaling or a list: each reads every form of its kind
    return op.arg, cond.regex


def _one_reading(rules: Sequence[Repair]) -> bool:
    """Whether every mark (symbol or prefix) is read with one decimal mark: ``"1.234 CHF"`` is one
    point two under one cast and twelve hundred under another, and the cast that runs first would
    decide a meaning no correction proved."""
    decimal: dict[tuple[str | None, str | None], str] = {}
    for rule in rules:
        op = rule.ops[0]
        if not isinstance(op, CoerceArg):
            return False
        mark = "," if op.grouping == "." else "."
        if decimal.setdefault((op.unit, op.prefix), mark) != mark:
            return False
    return True


def _merged(groups: list[list[Pair]], rules: list[Repair], group: list[Pair], confirm: bool) -> bool:
    """Fold `group` into an earlier form when one cast explains both (``"654.81 CHF"`` and
    ``"18,135.19 CHF"``: the grouping read where there is one); whether it was folded."""
    for i, earlier in enumerate(groups):
        both = earlier + group
        joint = synthesize(both, confirm_additions=confirm)
        if _one_form(joint) is not None and joint is not None and all(explains(joint, *p) for p in both):
            groups[i], rules[i] = both, joint
            return True
    return False


def synthesize_forms(
    pairs: Sequence[Pair], *, confirm_additions: bool = False, episodes: Sequence[object] | None = None
) -> Repair | None:
    """The joined rule of the ways one argument is written in `pairs` (newest first), or None when
    the corrections show fewer than two such ways. A way counts only where corrections of two
    episodes show it (`episodes`: each pair's episode; None: each pair its own). A correction no
    counted way explains must be one the joined rule leaves alone (its precondition does not hold)."""
    episode_of = {id(p): (i if episodes is None else episodes[i]) for i, p in enumerate(pairs)}
    rules: list[Repair] = []
    groups: list[list[Pair]] = []
    remaining, unexplained = list(pairs), []
    while remaining:
        own = synthesize(remaining[:1], confirm_additions=confirm_additions)
        if own is None or _one_form(own) is None:
            unexplained.append(remaining.pop(0))
            continue
        group = [p for p in remaining if explains(own, *p)]
        remaining = [p for p in remaining if p not in group]
        if not _merged(groups, rules, group, confirm_additions):
            rules.append(own)
            groups.append(group)
        if len(rules) > MAX_FORMS:
            return None
    kept = [i for i, g in enumerate(groups) if len({episode_of.get(id(p)) for p in g}) >= 2]
    unexplained += [p for i, g in enumerate(groups) if i not in kept for p in g]
    rules, groups = [rules[i] for i in kept], [groups[i] for i in kept]
    forms = [f for f in (_one_form(r) for r in rules) if f is not None]
    if len(rules) < 2 or len({arg for arg, _ in forms}) != 1 or not _one_reading(rules):
        return None
    regex = "|".join(f"(?:{rx})" for _, rx in forms)
    try:
        joined = Repair(ops=[r.ops[0] for r in rules], precondition=[ArgCondition(arg=forms[0][0], regex=regex)])
    except ValueError:
        return None  # a union the model refuses (too long a pattern)
    if not all(explains(joined, *p) for g in groups for p in g):
        return None  # one way's cast reads another way's value differently from its correction
    return joined if all(not precondition_holds(joined, bad) for bad, _ in unexplained) else None
