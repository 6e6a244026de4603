"""An id's format code learned on one argument reaches the arguments named as kinds of it.

A model that writes a ticket id without its code on `ticket_id` writes it the same way on another
tool's `parent_ticket_id` or `sourceTicketId`: those hold ticket ids too (their name ends in the
source's words). A learned ``add_prefix "TK-"`` is offered there as a transfer, tested against doing
nothing like every transfer, under the source's shape precondition. A one-word name (``id``) is no
kind (every id would be its kin), and a name that merely contains the words (``ticket_id_list``) is
not one either.
"""

from __future__ import annotations

import random

from skillevo import Evolver
from skillevo._models import Affix, ArgCondition, Repair
from skillevo._transfer_ids import adds_code, id_kin
from skillevo.testing import memory_library


class _Missing(Exception):
    pass


def _call(args: dict[str, str], *names: str) -> str:
    for name in names:
        if not args[name].startswith("TK-"):
            raise _Missing(f"ticket {args[name]} does not exist")
    return "ok"


def _run(evo: Evolver, tool: str, names: tuple[str, ...], good: dict[str, str], sent: dict[str, str]) -> int:
    failed = 0
    with evo.episode(task="handle the ticket") as ep:
        args = ep.before_tool(tool, dict(sent))
        while True:
            try:
                ep.on_tool_result(tool, args, _call(args, *names))
                break
            except _Missing as exc:
                failed += 1
                retry = ep.on_tool_error(tool, args, exc)
                args = retry if retry is not None else dict(good)
        ep.finish(reward=1.0)
    return failed


def test_a_code_learned_on_an_id_reaches_its_kin_on_another_tool() -> None:
    rng = random.Random(5)
    evo = Evolver(memory_library(), seed=0, mining="inline")
    evo.register_tools({
        "close_ticket": {"properties": {"ticket_id": {"type": "string"}}, "required": ["ticket_id"]},
        "link_ticket": {"properties": {"parent_ticket_id": {"type": "string"}, "note": {"type": "string"}},
                        "required": ["parent_ticket_id"]},
    })
    for _ in range(30):
        good = f"TK-{rng.randrange(10**7):07d}"
        _run(evo, "close_ticket", ("ticket_id",), {"ticket_id": good}, {"ticket_id": good[3:]})
    failed = 0
    for _ in range(10):
        good = f"TK-{rng.randrange(10**7):07d}"
        failed += _run(evo, "link_ticket", ("parent_ticket_id",), {"parent_ticket_id": good, "note": "x"},
                       {"parent_ticket_id": good[3:], "note": "x"})
    assert failed == 0, failed


def test_kin_names_end_in_every_word_of_the_source() -> None:
    code = Repair(ops=[Affix(op="add_prefix", arg="ticket_id", text="TK-")],
                  precondition=[ArgCondition(arg="ticket_id", regex=r"\d{7}")])
    assert adds_code(code)
    assert not adds_code(Repair(ops=[Affix(op="add_prefix", arg="ticket_id", text="ticket-")]))
    assert not adds_code(Repair(ops=[Affix(op="remove_prefix", arg="ticket_id", text="TK-")]))

    class _Catalog:
        def args_of(self, tools: set[str]) -> set[str]:
            return {"ticket_id", "parent_ticket_id", "sourceTicketId", "ticket_id_list", "id", "order_id", "count"}

        def arg_type(self, tool: str, arg: str) -> str | None:
            return "int" if arg == "count" else "str"

    assert id_kin(_Catalog(), "t", "ticket_id") == ["parent_ticket_id", "sourceTicketId"]  # type: ignore[arg-type]
    assert id_kin(_Catalog(), "t", "id") == []  # type: ignore[arg-type]
