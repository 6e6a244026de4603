"""Offering learned repairs to a tool first seen in a call costs the call no read of the library.

Before 2026-12-07 the first call of each new tool name read the whole library (``skills()``) and the
posterior of every live version on the agent's call path (767 ms for one first call on 3,000 skills,
2,400 posterior reads: benchmarks/bench_transfer_first_call.py). The repairs that may transfer are
now indexed in memory by argument name (`skillevo._transfer_sources`), loaded at start-up and
reloaded off the call path; the store is read on the call only for an offer about to be made.
Driven through the real episode API with a counting wrapper around the store, deterministic.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from skillevo import (
    NULL_ARM,
    ArgCondition,
    Evolver,
    LibraryError,
    Repair,
    SkillLibrary,
    Strategy,
    Trigger,
    TriggerKind,
    VersionStatus,
)
from skillevo._models import CoerceArg, PosteriorState

#: store methods that read many rows, or one posterior each: none belongs on the per-call path
SCANS = frozenset({"skills", "events", "iter_events", "episodes", "posteriors", "posterior_snapshot"})


class _Counting:
    """Counts the calls made to a store's public methods while `on` (wrapped on the instance)."""

    def __init__(self, store: SkillLibrary) -> None:
        self.calls: Counter[str] = Counter()
        self.on = False
        self.refuse = False
        for name in dir(type(store)):
            attr = getattr(store, name, None)
            if name.startswith("_") or not callable(attr) or name in {"transaction", "before_close", "close"}:
                continue
            setattr(store, name, self._wrap(name, attr))

    def _wrap(self, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def counted(*args: Any, **kwargs: Any) -> Any:
            if self.on:
                self.calls[name] += 1
                if self.refuse:
                    raise LibraryError("PostgreSQL error at postgresql://db/x: the server does not answer")
            return method(*args, **kwargs)

        return counted

    def scans(self) -> dict[str, int]:
        return {name: n for name, n in self.calls.items() if name in SCANS}


def _learned(lib: SkillLibrary, i: int, arg: str) -> None:
    """An id cast learned on tool ``src{i}``'s `arg`, won at its tool (active, beat doing nothing)."""
    repair = Repair(ops=[CoerceArg(arg=arg, to="str")], precondition=[ArgCondition(arg=arg, type="int")])
    name = f"cast-{arg.replace('_', '-')}-{i}"
    version = lib.add_skill(
        name,
        Trigger(kind=TriggerKind.TOOL_ERROR, tool=f"src{i}", error_type="ValidationError"),
        Strategy(repair=repair),
        status=VersionStatus.ACTIVE,
    )
    lib.put_posterior(PosteriorState(key=name, arm=version.id, alpha=6.0, beta=1.0, observations=5))
    lib.put_posterior(PosteriorState(key=name, arm=NULL_ARM, alpha=1.0, beta=6.0, observations=5))


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        for i in range(40):
            _learned(store, i, f"arg{i}")
        yield store


def test_a_new_tools_first_call_reads_no_library_when_nothing_transfers(lib: SkillLibrary) -> None:
    evo = Evolver(lib, seed=0, sandbox=None, mining="inline", cache_ttl_s=float("inf"))
    counting = _Counting(lib)
    with evo.episode(task="new tools") as ep:
        counting.on = True
        for j in range(5):
            ep.before_tool(f"weather{j}", {"city": "Oslo", "units": "metric"})
        counting.on = False
        ep.finish(reward=1.0)
    assert counting.scans() == {}, counting.calls  # before: 5 skills(), 200 posterior reads


def test_a_new_tools_first_call_still_gets_the_repair_of_its_argument(lib: SkillLibrary) -> None:
    evo = Evolver(lib, seed=0, sandbox=None, mining="inline", cache_ttl_s=float("inf"))
    counting = _Counting(lib)
    with evo.episode(task="a new tool") as ep:
        counting.on = True
        ep.before_tool("refund", {"arg7": 123, "amount": 3})
        counting.on = False
        ep.finish(reward=1.0)
    transferred = [s for s in lib.skills() if s.trigger.tool == "refund"]
    assert [s.versions[0].origin.note for s in transferred] == [
        f"transferred from {lib.skill('cast-arg7-7').versions[0].id} (tool src7, argument arg7)"
    ]
    # One source's posteriors (of 40), and no read of the whole library.
    assert "skills" not in counting.calls and counting.calls["posterior_snapshot"] <= 2, counting.calls


def test_a_repair_stored_by_another_process_is_offered_off_the_call_path(
    lib: SkillLibrary, monkeypatch: pytest.MonkeyPatch
) -> None:
    import skillevo._transfer_sources as sources

    monkeypatch.setattr(sources, "REFRESH_S", 0.0)
    evo = Evolver(lib, seed=0, sandbox=None, mining="inline", cache_ttl_s=float("inf"))
    _learned(lib, 99, "order_ref")  # stored after this Evolver read the library
    evo.selector.refresh("cast-order-ref-99")
    with evo.episode(task="a new tool") as ep:
        sent = ep.before_tool("ship", {"order_ref": 5})  # not offered yet: it fails
        ep.on_tool_result("ship", sent, "Error: order_ref: Input should be a valid string")
        ep.finish(reward=0.0)  # (the look off the call path: reloads what may transfer)
    assert [s.name for s in lib.skills() if s.trigger.tool == "ship"] == ["ship-order-ref-from-cast-order-ref-99"]


def test_tools_the_store_refused_to_look_at_are_looked_at_again(lib: SkillLibrary) -> None:
    evo = Evolver(lib, seed=0, sandbox=None, mining="inline", cache_ttl_s=float("inf"))
    counting = _Counting(lib)
    with evo.episode(task="an outage") as ep:
        counting.on = counting.refuse = True
        sent = ep.before_tool("refund", {"arg3": 9})  # the store away: the call goes on, nothing offered
        counting.on = counting.refuse = False
        assert evo.tools.changed  # "refund" waits for the next look
        ep.on_tool_result("refund", sent, "Error: arg3: Input should be a valid string")
        ep.finish(reward=0.0)
    assert [s.trigger.tool for s in lib.skills() if s.trigger.tool == "refund"] == ["refund"]
