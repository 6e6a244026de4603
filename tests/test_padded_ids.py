"""Ids written short of their width after a prefix (``"K7"`` for ``K007``).

A correction that only inserts zeros between an id's prefix and its number keeps the number: it is
learned as a zero-pad of the digits after that prefix, so unseen ids are repaired, and ids with
another prefix, with letters after it, or already at their width are left alone. Before, the
correction became a value map of the ids seen, which never reached the next id. Driven through the
real Evolver episode API with a tool that rejects the id in its own words, deterministic.
"""

from __future__ import annotations

import re
from typing import Any

from skillevo import Evolver, SkillLibrary
from skillevo._models import Pad
from skillevo._repair import apply_repair, precondition_holds, synthesize


def test_zeros_inserted_after_a_prefix_are_learned_as_a_pad_of_the_digits() -> None:
    repair = synthesize([({"ticket": "K7", "n": 1}, {"ticket": "K007", "n": 1})])
    assert repair is not None
    (op,) = repair.ops
    assert isinstance(op, Pad) and op.after == "K" and op.width == 3, op
    assert apply_repair(repair, {"ticket": "K42"}) == {"ticket": "K042"}
    for untouched in ("K042", "K1234", "J42", "K4a", "42"):
        assert apply_repair(repair, {"ticket": untouched}) == {"ticket": untouched}
    assert precondition_holds(repair, {"ticket": "K9"})
    assert not precondition_holds(repair, {"ticket": "K009"})


def test_a_correction_that_changes_the_number_is_not_a_pad() -> None:
    repair = synthesize([({"ticket": "K7"}, {"ticket": "K008"})])
    assert repair is None or not any(isinstance(op, Pad) for op in repair.ops)


def _reserve(locker: Any) -> Any:
    if not isinstance(locker, str) or not re.fullmatch(r"LK\d{4}", locker):
        return f"Error: no locker {locker!r} (lockers are LK and four digits)"
    return {"reserved": locker}


def _call(ep: Any, locker: str) -> bool:
    """One call as the agent makes it: whether its first attempt succeeded."""
    args = {"locker": locker}
    for attempt in range(3):
        sent = ep.before_tool("reserve", args)
        if not ep.on_tool_result("reserve", sent, _reserve(**sent)):
            return attempt == 0
        ep.on_tool_error("reserve", sent, _reserve(**sent))
        args = {"locker": "LK" + locker[2:].rjust(4, "0")}  # the model's own fix
    return False


def test_unseen_short_ids_are_padded_before_the_call_once_corrections_show_it() -> None:
    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, seed=3, cache_ttl_s=float("inf"), mining="inline")
        for i, short in enumerate(["LK12", "LK305", "LK7", "LK88"]):
            with evo.episode(task=f"learn {i}") as ep:
                _call(ep, short)
                ep.finish(reward=1.0)
        clean = 0
        for j in range(12):
            with evo.episode(task=f"use {j}") as ep:
                clean += _call(ep, f"LK{(j * 37) % 900 + 10}")
                ep.finish(reward=1.0)
        assert clean >= 8, (clean, [(s.name, [v.strategy.repair for v in s.versions]) for s in lib.skills()])
