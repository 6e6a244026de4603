"""What skillevo learns does not depend on the process's hash seed (PYTHONHASHSEED, random per run).

A call with two mistakes fails twice, and the correction of the first error alone (a partial pair,
`correction_pairs`) was built from the set of argument names the calls wrote: the arguments the next
attempt added came out in the set's order, which changes with the hash seed. The partial call's
arguments, and the repair mined from them (what a repaired call sends, in which order), differed
from one process to the next: 5 of 5 hash seeds gave another order of eight added arguments before.
They now keep the order the agent's calls wrote them in.
"""

from __future__ import annotations

from skillevo._mining import correction_pairs
from skillevo._models import Event, EventKind

ADDED = ["region", "currency", "channel", "locale", "tier", "source", "batch", "zone"]


def test_a_partial_correction_keeps_the_order_the_agent_wrote_the_arguments_in() -> None:
    added = {name: f"v{i}" for i, name in enumerate(ADDED)}
    events = [
        Event(kind=EventKind.TOOL_ERROR, tool="quote", episode_id="e",
              data={"args": {"sku": "A-1", "qty": "3"}, "error": "ValueError: missing field region"}),
        Event(kind=EventKind.TOOL_ERROR, tool="quote", episode_id="e",
              data={"args": {"sku": "A-1", "qty": "3", **added}, "error": "TypeError: qty must be an integer"}),
        Event(kind=EventKind.TOOL_RESULT, tool="quote", episode_id="e",
              data={"args": {"sku": "A-1", "qty": 3, **added}, "result": {"price": 12}}),
    ]
    partial = [good for _, good in correction_pairs(events) if good.data.get("partial")]
    assert len(partial) == 1
    args = partial[0].data["args"]
    assert isinstance(args, dict)
    assert list(args) == ["sku", "qty", *ADDED]
    assert args["qty"] == "3"  # only the first error's correction
