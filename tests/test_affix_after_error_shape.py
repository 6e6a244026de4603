"""After an error, an added prefix or suffix is applied only to a value of the shape it was learned on.

A repair that adds a code (``add_prefix "CUS-"``, learned from ids sent as eight bare digits) reads
nothing of the value it glues onto: after an error whose text names the argument, the shape regex was
dropped (the error is the evidence for the value, which holds for a cast or a date re-format that must
read it), and the same id written another way (``cus-00412345``, lower-cased) became
``CUS-cus-00412345``: a second failed call, made by skillevo. A cast still applies to whatever it reads.
"""

from __future__ import annotations

from skillevo._models import Affix, ArgCondition, CoerceArg, Repair
from skillevo._repair_plan import plan_stored_repair

CODE = Repair(ops=[Affix(op="add_prefix", arg="customer_id", text="CUS-")],
              precondition=[ArgCondition(arg="customer_id", regex=r"\d{8}")])


def _plan(repair: Repair, args: dict[str, object]) -> dict[str, object] | None:
    return plan_stored_repair(repair, args, "Customer not known", attempts=0, tried=False).args


def test_a_code_is_not_glued_onto_a_value_written_another_way() -> None:
    assert _plan(CODE, {"customer_id": "cus-00412345"}) is None
    assert _plan(CODE, {"customer_id": "CUS-00412345x"}) is None


def test_a_code_still_goes_onto_the_shape_it_was_learned_on() -> None:
    assert _plan(CODE, {"customer_id": "00412345"}) == {"customer_id": "CUS-00412345"}


def test_a_cast_still_reads_any_value_after_an_error() -> None:
    cast = Repair(ops=[CoerceArg(arg="qty", to="int")], precondition=[ArgCondition(arg="qty", regex=r"\d")])
    assert _plan(cast, {"qty": "12"}) == {"qty": 12}
