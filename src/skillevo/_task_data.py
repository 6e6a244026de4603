"""Whether a value added for a left-out argument is the task's data rather than a constant.

A required argument the agent left out and then sent is learned as a rule that adds that value only
when corrections in two episodes agree on it. Agreement can be chance (a boolean, a small enum):
when the tool's own successful calls sent the argument with another value, the value varies by
task, and a rule adding one of them would make later calls succeed with another meaning.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ._arg_paths import MISSING, get_path, has_star
from ._models import EventKind, Repair, SetArg
from ._repair import same_args
from ._store import SkillStore

__all__ = ["adds_left_out", "sent_otherwise"]

#: the most recent successful calls read (mining is off the agent's path; this bounds its cost)
_RECENT_CALLS = 500


def sent_otherwise(repair: Repair, tool: str, store: SkillStore) -> bool:
    """Whether a successful call of `tool` sent an argument this repair sets with another value."""
    sets = [op for op in repair.ops if isinstance(op, SetArg) and not has_star(op.arg)]
    if not sets:
        return False
    for event in store.newest_events(kind=EventKind.TOOL_RESULT, tool=tool, limit=_RECENT_CALLS):
        args = event.data.get("args")
        if not isinstance(args, dict):
            continue
        for op in sets:
            value = get_path(args, op.arg)
            if value is not MISSING and not same_args(value, op.value):
                return True
    return False


def adds_left_out(repair: Repair, pairs: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]]) -> bool:
    """Whether the repair sets an argument some failed call of `pairs` (failed, corrected arguments)
    left out: a value the agent chose once told, judged as a left-out argument's whatever the error's
    wording."""
    return any(isinstance(op, SetArg) and any(op.arg not in bad for bad, _ in pairs) for op in repair.ops)
