"""A way of writing an argument that one episode alone shows is not joined into the rule: a cast's
mark is a word of the value, and one correction of ``"1,480.00 Kowalczyk"`` (a customer's name after
the amount) was read as a way with the unit ``Kowalczyk``. Joined with the agent's real habits
(``"$1,250.25"``, ``"€2,310.75"``) it was stored in the rule, its precondition and every review and
prompt showing the rule: one record's name carried into the library. Driven through the real
Evolver episode API, deterministic."""

from __future__ import annotations

import re
from typing import Any

from skillevo import Evolver, SkillLibrary
from skillevo._repair_forms import synthesize_forms


def _settle(total: Any) -> Any:
    if not isinstance(total, float):
        return f'Error: billing.Settle: cannot parse "{total}" as a decimal'
    return {"settled": total}


def _call(ep: Any, total: str) -> None:
    args: dict[str, Any] = {"total": total}
    for _ in range(2):
        sent = ep.before_tool("settle_invoice", args)
        out = _settle(**sent)
        if not ep.on_tool_result("settle_invoice", sent, out):
            return
        ep.on_tool_error("settle_invoice", sent, out)
        args = {"total": float(re.sub(r"[^\d.]", "", total))}


def _ways(j: int) -> str:
    n = 1000 + 113 * j
    return [f"${n:,}.25", f"{n}.50 GBP", f"€{n:,}.75"][j % 3]


def test_a_mark_one_record_shows_is_not_stored() -> None:
    with SkillLibrary(":memory:") as lib:
        record = Evolver(lib, miner=None, seed=4, cache_ttl_s=float("inf"), mining="inline")
        for i in range(7):
            with record.episode(task=f"record {i}") as ep:
                _call(ep, "1,480.00 Kowalczyk" if i == 4 else _ways(i))
                ep.finish(reward=1.0)
        evo = Evolver(lib, seed=4, cache_ttl_s=float("inf"), mining="inline")
        for j in range(7, 13):
            with evo.episode(task=f"use {j}") as ep:
                _call(ep, _ways(j))
                ep.finish(reward=1.0)
        stored = [v.strategy.model_dump_json() for s in lib.skills() for v in s.versions]
        assert stored, "the agent's habits are still learned"
        assert not any("Kowalczyk" in text for text in stored), stored


def test_a_way_of_one_episode_is_left_out_of_the_join() -> None:
    pairs = [({"total": "$1,250.25"}, {"total": 1250.25}), ({"total": "$2,310.75"}, {"total": 2310.75}),
             ({"total": "€1,100.75"}, {"total": 1100.75}), ({"total": "€3,005.25"}, {"total": 3005.25}),
             ({"total": "1,480.00 Kowalczyk"}, {"total": 1480.0}), ({"total": "9.00 Kowalczyk"}, {"total": 9.0})]
    joined = synthesize_forms(pairs, episodes=["a", "b", "c", "d", "e", "e"])
    assert joined is not None and "Kowalczyk" not in joined.model_dump_json(), joined
    assert len(joined.ops) == 2
