"""Booleans written as switch words (``"on"`` / ``"off"``) are learned as a cast, not a value map."""

from __future__ import annotations

import pytest

from skillevo._models import CoerceArg, MapValue
from skillevo._repair import RepairError, apply_repair, precondition_holds, synthesize


def test_on_and_off_corrected_to_booleans_are_one_cast_that_repairs_the_other_word() -> None:
    repair = synthesize([({"lights": "on", "n": 1}, {"lights": True, "n": 1}),
                         ({"lights": "on", "n": 2}, {"lights": True, "n": 2})])
    assert repair is not None
    assert [type(op) for op in repair.ops] == [CoerceArg]
    assert not any(isinstance(op, MapValue) for op in repair.ops)
    # The word never corrected reads the other way; case and spaces do not matter.
    assert apply_repair(repair, {"lights": "off"}) == {"lights": False}
    assert apply_repair(repair, {"lights": " On "}) == {"lights": True}
    assert precondition_holds(repair, {"lights": "off"}) and not precondition_holds(repair, {"lights": False})


def test_a_word_that_is_no_switch_is_not_read_as_a_boolean() -> None:
    repair = synthesize([({"lights": "on"}, {"lights": True}), ({"lights": "yes"}, {"lights": True})])
    assert repair is not None
    assert [type(op) for op in repair.ops] == [CoerceArg]
    # "maybe", "online", "onoff" are not switch words: the cast refuses them (the call goes as it was).
    for word in ("maybe", "online", "onoff", "of"):
        with pytest.raises(RepairError):
            apply_repair(repair, {"lights": word})
