"""A transferred repair stops acting before calls once its tool accepted such a call as sent.

A transfer is checked against the tool's stored successes when it is offered (`_preempt`): a
repair that would change a call the tool accepted as the model sent it is never offered. But an
offer is made as soon as a tool is known, often before its first call: a code learned on
``account_id`` (``ACC-``) went to a payout tool's ``to_account_id`` at its first sight, and when the
payee's bare bank number then succeeded as sent, every later bare number was still rewritten into
``ACC-...`` (another record: money sent elsewhere). The same rule now holds after the offer: the
tool's newest successes as sent are kept in memory (bounded, never written anywhere) and a
transferred repair that would change one of them acts no more before a call.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

from ._models import Repair, Retry
from ._preempt import changes_call
from ._recording import snapshot

__all__ = ["SentSuccesses"]

#: The newest successful calls kept per tool, and the tools kept.
_PER_TOOL, _MAX_TOOLS = 32, 256


class SentSuccesses:
    """The newest calls each tool accepted, as they were sent (in memory only)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: dict[str, deque[dict[str, Any]]] = {}

    def record(self, tool: str, args: Any) -> None:
        """`tool` accepted a call with `args` as they were sent."""
        if not isinstance(args, dict):
            return
        with self._lock:
            calls = self._calls.get(tool)
            if calls is None:
                if len(self._calls) >= _MAX_TOOLS:
                    return
                calls = self._calls.setdefault(tool, deque(maxlen=_PER_TOOL))
            calls.append(snapshot(args))  # (a copy: the caller's dict may change after the call)

    def changed_by(self, tool: str, repair: Repair | None) -> bool:
        """Whether `repair`, acting before a call, would change a call `tool` accepted as sent."""
        if repair is None or repair.precondition is None:
            return False
        ops = [op for op in repair.ops if not isinstance(op, Retry)]
        with self._lock:
            calls = list(self._calls.get(tool, ()))
        if not ops or not calls:
            return False
        edits = Repair(ops=ops, precondition=repair.precondition)
        return any(changes_call(edits, args) for args in calls)
