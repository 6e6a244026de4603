"""A correction that fixes more than its error named teaches the part the error names.

The agent sends ``total`` written for people and, in the same call, a ``region`` in words; the tool
reports the first problem only (``field "total": ...``), and the agent fixes both in one attempt.
The region is a one-off synonym each time and the totals carry several currency marks, so no single
rule reproduces every correction of the error's class: before, nothing was learned and every later
total failed first. Now each correction is cut down to what its error names, and the cast of
``total`` is learned; the region's edit is not (the error proves nothing about it). Driven through
the real Evolver episode API, deterministic.
"""

from __future__ import annotations

import re
from typing import Any

from skillevo import Evolver, SkillLibrary
from skillevo._models import Event, EventKind
from skillevo._named_fix import synthesize_named

_REGIONS = {"Northwest": "NW", "Southeast": "SE", "Midlands": "MI", "Highlands": "HI", "Lowlands": "LO", "Coast": "CO"}


def _post(total: Any, region: Any) -> Any:
    if not isinstance(total, float):
        return f'Error: ledger.Post: field "total": cannot parse {total!r} as a decimal'
    if region not in _REGIONS.values():
        return f'Error: ledger.Post: field "region": unknown code {region!r}'
    return {"posted": total, "region": region}


def _call(ep: Any, total: str, region: str) -> int:
    """One call as the agent makes it (fixing everything at once after any error): how many of its
    attempts the tool refused for ``total``."""
    args: dict[str, Any] = {"total": total, "region": region}
    refused = 0
    for _ in range(3):
        sent = ep.before_tool("post_entry", args)
        out = _post(**sent)
        if not ep.on_tool_result("post_entry", sent, out):
            break
        ep.on_tool_error("post_entry", sent, out)
        refused += '"total"' in out
        args = {"total": float(re.sub(r"[^\d.]", "", total)), "region": _REGIONS.get(region, region)}
    return refused


def test_the_named_argument_is_learned_from_corrections_that_fixed_more() -> None:
    learn = [("$1,250.00", "Northwest"), ("£980.50", "Southeast"), ("$2,310.75", "Midlands")]
    learn.append(("$4,020.10", "Highlands"))
    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, seed=3, cache_ttl_s=float("inf"), mining="inline")
        for i, (total, region) in enumerate(learn):
            with evo.episode(task=f"learn {i}") as ep:
                _call(ep, total, region)
                ep.finish(reward=1.0)
        refused = 0
        regions = list(_REGIONS)
        for j in range(10):
            with evo.episode(task=f"use {j}") as ep:  # the agent keeps both habits
                refused += _call(ep, f"${1000 + 37 * j:,}.25", regions[j % len(regions)])
                ep.finish(reward=1.0)
        learned = [(s.name, [v.strategy.repair for v in s.versions]) for s in lib.skills()]
        assert refused <= 4, (refused, learned)  # before: 10 of 10 first attempts refused for total


def _err(total: str, region: str) -> Event:
    return Event(
        kind=EventKind.TOOL_ERROR,
        tool="post_entry",
        episode_id="e",
        data={"args": {"total": total, "region": region}, "error": _post(total, region)},
    )


def test_the_unnamed_edit_is_not_learned_and_whole_rules_are_kept() -> None:
    pairs = []
    for total, region in [("$4,020.10", "Highlands"), ("£980.50", "Southeast"), ("$1,250.00", "Northwest")]:
        err = _err(total, region)
        fix = Event(
            kind=EventKind.TOOL_RESULT,
            tool="post_entry",
            episode_id="e",
            data={"args": {"total": float(re.sub(r"[^\d.]", "", total)), "region": _REGIONS[region]}},
        )
        pairs.append((err, fix))
    arg_pairs = [(dict(a.data["args"]), dict(b.data["args"])) for a, b in pairs]
    repair, used = synthesize_named(pairs, arg_pairs)
    assert repair is not None
    assert {getattr(op, "arg", None) for op in repair.ops} == {"total"}, repair
    assert all(bad["region"] == good["region"] for bad, good in used)  # the region's edit was cut away
    # a correction whose own rule exists is learned whole, as before
    whole = [
        ({"total": "$1,250.00", "region": "NW"}, {"total": 1250.0, "region": "NW"}),
        ({"total": "$980.50", "region": "SE"}, {"total": 980.5, "region": "SE"}),
    ]
    repair, used = synthesize_named(pairs[:2], whole)
    assert repair is not None and used is whole
