"""Whether a repair applied before a call would change calls the tool accepted as the agent sent them.

A repair with a precondition acts before the call, on every call whose arguments meet it, whether
or not that call would have failed. Its corrections show only the failures it fixes; the calls it
would break are the stored ones that succeeded as sent and that it would change. A tool error
saying "dry_run is not supported by this endpoint; remove dry_run and retry", complied with in two
sessions, taught the RuleMiner ``drop dry_run`` before every call holding one, although the same
tool had accepted ``dry_run: true`` in earlier sessions: it won its test (a real transfer succeeds
as a dry run does) and sent 39 of the next 40 customers' dry runs as real transfers. The import
hold read this for imported repairs only (`skillevo._probation`, which holds such an import for a
person); the admission of every miner's proposals (`skillevo._admission`: rule, model and custom
miners) and the transfer of a repair to another tool now refuse it.

A case change is not weighed: it keeps every character of the model's value in order, so it throws
no choice away and turns no number, date or amount into another; a tool to which case matters
refuses the changed name loudly ("no such folder: drafts"), and that call is retried at once as the
model sent it (`skillevo._undo`, `skillevo._own_edits`). Refusing it cost the whole repair, its use
after an error included: a lower-casing mined from names sent capitalised was refused because one
other folder had been entered capitalised (BFCL multi-turn, failed calls per episode after the
upgrade 0.89 -> 0.86). Every other edit (a drop, a constant, a map, a rescaling, a prefix, a date
format) is still weighed.
"""

from __future__ import annotations

from typing import Any

from ._models import EventKind, Repair, Retry, Trigger
from ._repair import apply_repair, precondition_holds, same_args
from ._store import SkillStore

__all__ = ["CHANGES_SUCCESSES", "LOOKBACK", "changes_call", "changes_successes"]

CHANGES_SUCCESSES = (
    "its repair, applied before a call, would change calls the tool accepted as the agent sent them"
)

#: The newest successful-or-not results of the tool read (on a loaded 2-core machine, 500 take ~60 ms).
LOOKBACK = 500


def changes_successes(store: SkillStore, repair: Repair | None, trigger: Trigger) -> bool:
    """Whether `repair`, applied before a call (it has a precondition), would change a stored call of
    the trigger's tool (any tool's, for a glob) that succeeded as the agent sent it (the newest
    `LOOKBACK`) other than in the case of its texts."""
    from ._mining import _is_success

    if repair is None or repair.precondition is None:
        return False  # applied only after an error: never to a call that succeeds
    ops = [op for op in repair.ops if not isinstance(op, Retry)]
    if not ops:
        return False
    edits = Repair(ops=ops, precondition=repair.precondition)
    tool = None if trigger.tool_is_glob else trigger.tool
    for event in store.newest_events(kind=EventKind.TOOL_RESULT, tool=tool, limit=LOOKBACK):
        args = event.data.get("args")
        if not isinstance(args, dict) or not _is_success(event):
            continue
        if changes_call(edits, args):
            return True
    return False


def changes_call(edits: Repair, args: dict[str, Any]) -> bool:
    """Whether `edits` (with a precondition), applied before a call with `args`, change it other than in
    the case of its texts."""
    try:
        # A case change loses nothing and fails loudly where case matters (the module's docstring).
        return precondition_holds(edits, args) and not same_args(_folded(apply_repair(edits, args)), _folded(args))
    except Exception:  # an edit that cannot apply there changes nothing
        return False


def _folded(value: Any) -> Any:
    """`value` with every text (keys left alone) case-folded: what a case change leaves of it."""
    if isinstance(value, str):
        return value.casefold()
    if isinstance(value, dict):
        return {k: _folded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_folded(v) for v in value]
    return value
