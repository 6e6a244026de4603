"""A mined guidance text the tool's declared schema already says is not stored beside it.

A call that leaves out an argument its tool's declared schema requires gets the schema's own
guidance candidate before it runs (`_schema_repair`: "`x` is required"), judged on that argument
by the tool's later calls. The error it fails with then makes the miner propose the same fact in
its own words ("`t` requires `x`: always include it"), a second call site credited by every
failure of the tool. Both reach the prompt: two lines for one fact, and a longer prompt is
followed less reliably. `covered_by_schema` tells such a proposal, so the Evolver leaves it out.
A proposal that also repairs, names an argument the schema does not require, or comes from a
call whose missing arguments the schema's candidates do not all cover is kept.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ._declared_names import names_undeclared
from ._models import Event, EventKind, TriggerKind
from ._scale_bounds import within_declared
from ._schema_repair import findings
from ._untrusted import holds_record_number

if TYPE_CHECKING:
    from ._evolver import Evolver
    from ._mining import Proposal

__all__ = ["as_declared", "covered_by_schema"]

_NAMED = re.compile(r"`([^`\n]{1,200})`")


def as_declared(evo: Evolver, proposals: Sequence[Proposal], events: Sequence[Event]) -> list[Proposal]:
    """The `proposals` the tools' declared schemas leave to store: those not `covered_by_schema`, nor
    naming an argument their tool's schema does not declare (`_declared_names.names_undeclared`), nor
    about an undeclared tool whose name holds a record's number, each proven scale edit widened to its
    argument's declared range (`_scale_bounds.within_declared`). A declared name's number names the tool
    (`_untrusted.declared_name`); a name no adapter declared is the model's (a tool made up for one
    customer, ``lookup_customer_48213``), and stored in a trigger it would show that customer in every
    review and prompt (before 2026-12-07: `tests/test_attack_undeclared_tool_record_name.py`)."""
    return [within_declared(p, evo.tools.schema(p.trigger.tool or ""))
            for p in proposals if not covered_by_schema(evo, p, events) and not _undeclared_record(evo, p)
            and not names_undeclared(evo.tools.schema(p.trigger.tool or ""), p, events)]


def _undeclared_record(evo: Evolver, proposal: Proposal) -> bool:
    tool = proposal.trigger.tool
    return bool(tool) and evo.tools.schema(tool or "") is None and holds_record_number(tool or "")


def covered_by_schema(evo: Evolver, proposal: Proposal, events: Sequence[Event]) -> bool:
    """Whether `proposal` only tells what the schema's candidates for its evidence calls tell: guidance
    alone, about arguments left out, each a required one the schema's guidance names."""
    strategy, trigger = proposal.strategy, proposal.trigger
    if strategy.repair is not None or strategy.code or not strategy.guidance:
        return False
    if trigger.kind is not TriggerKind.TOOL_ERROR or trigger.error_type != "missing_arg" or not trigger.tool:
        return False
    tool = trigger.tool
    schema = evo.tools.schema(tool)
    if schema is None or not proposal.evidence:
        return False
    by_id = {e.id: e for e in events if e.id is not None}
    told: set[str] = set()
    for event_id in proposal.evidence:
        event = by_id.get(event_id)
        args = event.data.get("args") if event is not None and event.kind == EventKind.TOOL_ERROR else None
        if event is None or event.tool != tool or not isinstance(args, dict):
            return False
        told |= {f.arg for f in findings(tool, args, schema)
                 if f.strategy.guidance and f.arg not in args and f.strategy.repair is None}
    named = {n for n in _NAMED.findall(strategy.guidance) if n != tool}
    return bool(named) and named <= told
