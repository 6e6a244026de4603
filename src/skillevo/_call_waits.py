"""The arms waiting on a call's outcome, one call at a time (`skillevo._tool_calls`).

Arms wait under the call's key (`CallKey`: the tool and its arguments). Two calls with the same key
can wait at once: a model turn that asks for the same call twice, whose calls a framework runs
concurrently (LangGraph's ``ToolNode`` does). Each call's arms are filed as one batch, and an outcome
takes the oldest batch of its key only: each call credits its own arms, once, with its own outcome
(before 2026-12-07 the first outcome credited both calls' arms and the second credited nothing: 2
credits of the first call's outcome, 0 of the second's). Identical calls are interchangeable, so
which of them answers first does not matter.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from ._call_key import CallKey
from ._call_sites import Pending

__all__ = ["expect", "take"]

# Batch numbers: unique in the process (`next` on a count is atomic under the GIL).
_batches = itertools.count(1)


def expect(waiting: dict[CallKey, list[Pending]], key: CallKey, arms: Sequence[Pending]) -> None:
    """File `arms` (one call's) to wait on the outcome of the call `key`."""
    if not arms:
        return
    batch = next(_batches)
    for arm in arms:
        arm.batch = batch
    waiting.setdefault(key, []).extend(arms)


def take(waiting: dict[CallKey, list[Pending]], key: CallKey) -> list[Pending] | None:
    """The arms of the oldest call waiting under `key` (removed), or None when none waits."""
    filed = waiting.get(key)
    if not filed:
        waiting.pop(key, None)
        return None
    first = filed[0].batch
    now = [p for p in filed if p.batch == first]
    rest = [p for p in filed if p.batch != first]
    if rest:
        waiting[key] = rest
    else:
        del waiting[key]
    return now
