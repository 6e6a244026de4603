"""`newest_events`: the newest N events of a kind and tool, read newest first with a LIMIT, in id
order; the trigger-rate check reads its lookback with it instead of every error of the tool."""

from __future__ import annotations

from typing import Any

import pytest

from skillevo import ConfigError, Event, EventKind, SkillLibrary, Strategy, Trigger
from skillevo._trigger_rate import trigger_rate


def _fill(store: SkillLibrary) -> None:
    events = []
    for i in range(260):  # the oldest 60 say "quota", the newest 200 alternate "date" / "quota"
        text = "bad date" if i >= 60 and i % 2 else "quota exceeded"
        events.append(Event(kind=EventKind.TOOL_ERROR, tool="book", data={"error": f"{text} #{i}"}))
        events.append(Event(kind=EventKind.TOOL_ERROR, tool="other", data={"error": f"bad date #{i}"}))
        events.append(Event(kind=EventKind.TOOL_CALL, tool="book", data={"n": i}))
    store.log_events(events)


def test_the_newest_events_are_the_tail_of_all_of_them(store: SkillLibrary) -> None:
    _fill(store)
    every = store.events(kind=EventKind.TOOL_ERROR, tool="book")
    assert len(every) == 260
    for limit in (0, 1, 200, 260, 1000):
        newest = store.newest_events(kind=EventKind.TOOL_ERROR, tool="book", limit=limit)
        assert newest == (every[-limit:] if limit else [])
    errors = store.events(kind=EventKind.TOOL_ERROR)
    assert store.newest_events(kind="tool_error", limit=5) == errors[-5:]  # any tool
    with pytest.raises(ConfigError, match="limit"):
        store.newest_events(kind=EventKind.TOOL_ERROR, limit=-1)
    with pytest.raises(ConfigError, match="kind"):
        store.newest_events(kind="nope", limit=1)


def test_the_trigger_rate_reads_the_same_lookback_as_before(store: SkillLibrary, monkeypatch: Any) -> None:
    _fill(store)
    trigger = Trigger(tool="book", pattern="bad date")
    strategy = Strategy(guidance="send dates as YYYY-MM-DD")
    new = trigger_rate(trigger, strategy, store)
    assert new == (0.5, 200)  # over all 260 it would be 100/260
    # What it read before: every error of the tool, the last 200 kept.
    monkeypatch.setattr(
        store, "newest_events",
        lambda *, kind, tool, limit: store.events(kind=kind, tool=tool)[-limit:],
    )
    assert trigger_rate(trigger, strategy, store) == new
