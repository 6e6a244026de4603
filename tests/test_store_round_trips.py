"""Store round trips on the per-call path: reporting a repaired call's outcome writes one posterior
increment and scans nothing (the lifecycle reads the stored counters on the skill's versions)."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from skillevo import NULL_ARM, Evolver, Repair, SkillLibrary, SkillStore, Strategy, Trigger, TriggerKind, VersionStatus
from skillevo._models import SetArg

#: store methods that change the library
WRITES = frozenset(
    {
        "add_skill",
        "add_version",
        "set_status",
        "put_posterior",
        "update_posterior",
        "increment_posterior",
        "reset_posteriors",
        "save_episode",
        "record_episode",
        "set_reward",
        "log_events",
        "set_meta",
    }
)
#: store methods that read many rows: none belongs on the per-call path
SCANS = frozenset(
    {"skills", "events", "iter_events", "count_events", "episodes", "count_episodes", "posteriors", "dump"}
)


class _Counting:
    """Counts the calls made to a store's public methods (wrapped on the instance, so the store's
    own calls to itself count too)."""

    def __init__(self, store: SkillStore) -> None:
        self.calls: Counter[str] = Counter()
        self.on = False
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
            return method(*args, **kwargs)

        return counted

    def writes(self) -> int:
        return sum(n for name, n in self.calls.items() if name in WRITES)

    def scans(self) -> dict[str, int]:
        return {name: n for name, n in self.calls.items() if name in SCANS}


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def _weather(args: dict[str, Any]) -> str:
    if "units" not in args:
        raise ValueError("missing units")
    return f"sunny in {args['city']}"


@pytest.mark.parametrize("status", [VersionStatus.ACTIVE, VersionStatus.TESTING])
def test_outcome_of_a_repaired_call_is_one_write_and_no_scan(lib: SkillLibrary, status: VersionStatus) -> None:
    version = lib.add_skill(
        "add-units",
        Trigger(kind=TriggerKind.TOOL_ERROR, tool="weather", pattern="missing units"),
        Strategy(repair=Repair(ops=[SetArg(arg="units", value="C")])),
        status=status,
    )
    evo = Evolver(lib, miner=None, seed=1)
    for _ in range(30):  # the repair is the clear winner: the seeded choice applies it
        evo.selector.update("add-units", version.id, 1.0)
        evo.selector.update("add-units", NULL_ARM, 0.0)
    counting = _Counting(lib)
    with evo.episode(task="weather in Oslo") as ep:
        args = ep.before_tool("weather", {"city": "Oslo"})
        with pytest.raises(ValueError) as err:
            _weather(args)
        retry = ep.on_tool_error("weather", args, err.value)
        assert retry == {"city": "Oslo", "units": "C"}

        counting.on = True
        assert ep.on_tool_result("weather", retry, _weather(retry)) is False
        counting.on = False

        credited = [e for e in ep.events if e.kind.value == "credit" and e.data.get("source") == "call"]
        assert [(e.data["arm"], e.data["reward"]) for e in credited] == [(version.id, 1.0)]
    assert counting.writes() <= 1, dict(counting.calls)
    assert counting.scans() == {}, dict(counting.calls)
    assert counting.calls["increment_posterior"] + counting.calls["update_posterior"] == 1, dict(counting.calls)
    assert counting.calls["skill"] <= 1, dict(counting.calls)  # the lifecycle reads the one skill, once
