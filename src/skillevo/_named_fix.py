"""A correction that fixes more than its error named: learn the part the error names.

An agent that reads an error naming one argument often fixes others in the same attempt (it saw
the tool's schema next to the error, or noticed a second slip): ``amount: "$1,250.00"`` and
``country: "Spain"`` both corrected after ``field "amount": invalid number``. The pair then holds
two edits, one general (a cast) and one an instance (a synonym seen once); no rule reproduces every
such pair of the error's class (each pair carries another one-off value), so before 2026-12-07 the
class taught nothing at all, however often it recurred. When the whole corrections explain no
rule, each is cut down to the arguments its own error names (as a partial correction is: the
arguments with only the named change), and the rule is learned from those. The unnamed edits are
not learned here: the error proves nothing about them (they are left to their own errors' classes).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ._discards import names_arg
from ._models import Event, Repair
from ._repair import same_args
from ._repair_forms import synthesize_forms
from ._repair_split import explains, synthesize_own_rule

__all__ = ["synthesize_named"]

Pair = tuple[dict[str, Any], dict[str, Any]]


def _named_only(message: str, bad: dict[str, Any], good: dict[str, Any]) -> dict[str, Any] | None:
    """`bad` with only the changes to arguments `message` names, or None when the error names none
    of the changed arguments or all of them (the whole correction is then its own)."""
    changed = [k for k in dict.fromkeys([*bad, *good]) if not (k in bad and k in good and same_args(bad[k], good[k]))]
    named = [k for k in changed if names_arg(message, k)]
    named += [k for k in changed if k not in named and _moved_from(good.get(k), [bad.get(n) for n in named])]
    if not named or len(named) == len(changed):
        return None
    fixed = dict(bad)
    for k in named:
        if k in good:
            fixed[k] = good[k]
        else:
            fixed.pop(k, None)
    return fixed


def _moved_from(value: Any, sources: list[Any]) -> bool:
    """Whether `value` (an unnamed argument's corrected text) is a word the named arguments' sent values
    held: the mark moved out of the named value (``"70.00 EUR"`` -> ``amount: 70.0, currency: "EUR"``),
    part of the named fix. Cut away, the rule dropped the currency and sent the amount in the tool's
    default one (before 2026-12-07: `tests/test_attack_named_fix_moved_mark.py`)."""
    if not isinstance(value, str) or not value.strip():
        return False
    word = re.compile(rf"(?<!\w){re.escape(value.strip())}(?!\w)", re.I)
    return any(isinstance(src, str) and word.search(src) is not None for src in sources)


def synthesize_named(
    pairs: Sequence[tuple[Event, Event]], arg_pairs: list[Pair], *, confirm_additions: bool = False
) -> tuple[Repair | None, list[Pair]]:
    """`synthesize_own_rule` of the corrections `arg_pairs` (the arguments of `pairs`, newest first),
    or, when that finds nothing, of the corrections cut down to what their errors name; with the
    pairs the rule was learned from."""
    repair = synthesize_own_rule(arg_pairs, confirm_additions=confirm_additions)
    if repair is not None:
        return _or_forms(repair, arg_pairs, confirm_additions, pairs), arg_pairs
    cut: list[Pair] = []
    for (err, _), (bad, good) in zip(pairs, arg_pairs, strict=True):
        fixed = _named_only(str(err.data.get("error", "")), bad, good)
        cut.append((bad, good) if fixed is None else (bad, fixed))
    if all(a is b for (_, a), (_, b) in zip(cut, arg_pairs, strict=True)):
        return None, arg_pairs
    repair = synthesize_own_rule(cut, confirm_additions=confirm_additions)
    return (None if repair is None else _or_forms(repair, cut, confirm_additions, pairs)), cut


def _or_forms(
    repair: Repair, pairs: list[Pair], confirm_additions: bool, events: Sequence[tuple[Event, Event]]
) -> Repair:
    """`repair`, or the rule joining every way the corrections write the argument (`_repair_forms`)
    when `repair` explains only some of them (`events`: the corrections' events, for their episodes)."""
    if all(explains(repair, *p) for p in pairs):
        return repair
    episodes = [bad.episode_id for bad, _ in events]
    joined = synthesize_forms(pairs, confirm_additions=confirm_additions, episodes=episodes)
    return repair if joined is None else joined
