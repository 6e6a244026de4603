"""A null the tool declares it takes is a value the model chose (attack31).

A PATCH-style tool that declares ``forward_to`` as ``string | null`` reads a null as "clear this
field": dropping it turns "stop forwarding" into "leave forwarding as it is", and a constant set
over it writes a value the model never chose. Neither may act before the call on the strength of
"a null is no value": the tool's schema is its word that it accepts the argument.
"""

from __future__ import annotations

from typing import Any

from skillevo._discards import DiscardGuard
from skillevo._models import DropArg, Repair, SetArg, SkillVersion, Strategy, Trigger, TriggerKind
from skillevo._transfer import ToolCatalog

NULLABLE = {"update_account": {"properties": {"forward_to": {"type": ["string", "null"]}},
                               "additionalProperties": False}}


class _NoStore:
    def newest_events(self, **_: Any) -> list[Any]:
        return []


def _guard() -> DiscardGuard:
    catalog = ToolCatalog()
    catalog.register(NULLABLE)
    return DiscardGuard(_NoStore(), catalog, ttl_s=60.0)  # type: ignore[arg-type]


def _version(op: Any) -> SkillVersion:
    return SkillVersion(id="s@1", skill="s", number=1, strategy=Strategy(repair=Repair(ops=[op], precondition=[])))


TRIGGER = Trigger(kind=TriggerKind.TOOL_ERROR, tool="update_account")


def test_a_declared_null_is_not_dropped_before_the_call() -> None:
    args = {"forward_to": None}
    assert not _guard().preempts("update_account", TRIGGER, _version(DropArg(arg="forward_to")), args)


def test_a_constant_is_not_set_over_a_declared_null_before_the_call() -> None:
    args = {"forward_to": None}
    op = SetArg(arg="forward_to", value="attacker@example.com")
    assert not _guard().preempts("update_account", TRIGGER, _version(op), args)
