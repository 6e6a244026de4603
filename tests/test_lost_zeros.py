"""An id with leading zeros sent as a JSON number (``"000731"`` as ``731``).

The correction puts the zeros back: the number's digits, zero-padded to the id's width. Before, it
was learned only as a value map of the ids seen (one version per new id, none reaching the next
id; held-out clinic world through CrewAI, h/heldout9: a 6-digit and an 8-digit
id sent as numbers, 0 of 2 learned as a rule). It is now a zero-pad to the corrected width, whose
precondition is a non-negative integer of fewer digits: a negative number, a wider one, a float or
a boolean is never padded (``-5`` is no id that lost its zeros). Driven through the real Evolver
episode API, deterministic.
"""

from __future__ import annotations

from typing import Any

from skillevo import Evolver, SkillLibrary
from skillevo._models import Pad
from skillevo._repair import apply_repair, precondition_holds, synthesize


def test_a_number_corrected_to_its_zero_padded_digits_is_a_pad() -> None:
    repair = synthesize([({"locker": 731, "floor": 2}, {"locker": "000731", "floor": 2})])
    assert repair is not None
    (op,) = repair.ops
    assert isinstance(op, Pad) and op.width == 6, op
    for value, padded in ((42, "000042"), (99999, "099999"), (0, "000000")):
        assert precondition_holds(repair, {"locker": value}), value
        assert apply_repair(repair, {"locker": value})["locker"] == padded
    for other in (-5, 123456, 1234567, 4.5, 45.0, True, "000731"):
        assert not precondition_holds(repair, {"locker": other}), other


def test_other_digits_are_no_lost_zeros() -> None:
    for bad, good in ((731, "100731"), (731, "7310"), (-731, "000731"), (731.0, "000731"), (True, "0001")):
        repair = synthesize([({"locker": bad}, {"locker": good})])
        assert repair is None or not any(isinstance(op, Pad) for op in repair.ops), (bad, good, repair)


def _open(locker: Any) -> Any:
    if not isinstance(locker, str) or len(locker) != 6 or not locker.isdigit():
        return f"Error: locker must be a 6-digit code, got {locker!r}"
    return {"opened": locker}


def _call(ep: Any, meant: str, accepted: list[Any]) -> bool:
    """One call with the id sent as a number: whether its first attempt succeeded."""
    args: dict[str, Any] = {"locker": int(meant)}
    for attempt in range(3):
        sent = ep.before_tool("open_locker", args)
        result = _open(**sent)
        if ep.on_tool_result("open_locker", sent, result):
            ep.on_tool_error("open_locker", sent, result)
            args = {"locker": meant}  # the model's own fix
            continue
        accepted.append(sent["locker"])
        return attempt == 0
    return False


def test_unseen_ids_get_their_zeros_back_before_the_call() -> None:
    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, seed=1, cache_ttl_s=float("inf"), mining="inline")
        accepted: list[Any] = []
        for i, meant in enumerate(["000731", "004410", "012345"]):
            with evo.episode(task=f"learn {i}") as ep:
                _call(ep, meant, accepted)
                ep.finish(reward=1.0)
        clean = 0
        unseen = ["000001", "098765", "007007", "000420", "030303", "000099"] * 2
        for j, meant in enumerate(unseen):
            with evo.episode(task=f"use {j}") as ep:
                before = len(accepted)
                clean += _call(ep, meant, accepted)
                assert accepted[before:] == [meant]
                ep.finish(reward=1.0)
        assert clean >= 8, (clean, [(s.name, [v.strategy.repair for v in s.versions]) for s in lib.skills()])
