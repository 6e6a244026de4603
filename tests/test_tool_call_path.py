"""The per-call path's shortcuts decide what the full code decides.

A tool call runs `ToolCalls.before` and `ToolCalls.result`; on a call with nothing to do they skip
work whose result cannot matter: a text result told a success by its first character, a call that
plainly conforms to its declared schema, a tool whose plan holds no candidate and no observer. Each
shortcut is checked here against the code it stands for.
"""

from __future__ import annotations

import itertools
import sys
from typing import Any

import pytest

from skillevo import (
    ArgCondition,
    EventKind,
    Evolver,
    Repair,
    SetArg,
    SkillLibrary,
    Strategy,
    Trigger,
    TriggerKind,
    VersionStatus,
    _schema_repair,
)
from skillevo._detect import FAILURE_FIRST, detect_failure
from skillevo._schema_repair import findings, propose_safely


def _firsts() -> list[str]:
    """Every BMP character, and astral ones in steps (detect_failure reads the first non-space one)."""
    return [chr(i) for i in itertools.chain(range(0xD800), range(0xE000, 0x10000), range(0x10000, sys.maxunicode, 97))]


def test_a_text_is_a_failure_only_when_its_first_character_says_it_may_be() -> None:
    for c in _firsts():
        if c in FAILURE_FIRST or c.isspace():
            continue
        for rest in ("rror: no such order", 'rror", "error": "x"}', ""):
            assert detect_failure(c + rest) is None, repr(c)
    for text in ("Error: x", "error x", "  ERROR: x", '{"error": "x"}', '\u2003{"error": 1}', "\tErrorType: y"):
        assert detect_failure(text) is not None
        assert text.lstrip()[:1] in FAILURE_FIRST


@pytest.fixture
def evo() -> Evolver:
    return Evolver(SkillLibrary(":memory:"), miner=None, seed=0, null_arm=False)


@pytest.mark.parametrize(
    "result",
    ["Error: no such order", "  error: quota", '{"error": "boom"}', "\n{\"error\": 1}", "E", "{", " ", ""],
)
def test_results_the_shortcut_leaves_to_detect_failure_are_judged_by_it(evo: Evolver, result: str) -> None:
    with evo.episode(task="t") as ep:
        args = ep.before_tool("lookup", {"q": "x"})
        assert ep.on_tool_result("lookup", args, result) == (detect_failure(result) is not None)


def test_a_failure_predicate_sees_every_result(evo: Evolver) -> None:
    seen: list[Any] = []
    flagging = Evolver(evo.store, miner=None, seed=0, is_failure=lambda r: seen.append(r) or r == "nope")
    with flagging.episode(task="t") as ep:
        assert ep.on_tool_result("lookup", ep.before_tool("lookup", {}), "fine") is False
        assert ep.on_tool_result("lookup", ep.before_tool("lookup", {}), "nope") is True
    assert seen == ["fine", "nope"]


class _Text(str):
    """A str subclass: never taken for a plain text by a shortcut."""


def _add_fill_tenant(evo: Evolver) -> None:
    """An active pre-emptive repair of `book`: a missing tenant is filled in."""
    evo.store.add_skill(
        "fill-tenant",
        Trigger(kind=TriggerKind.BEFORE_TOOL, tool="book"),
        Strategy(repair=Repair(ops=[SetArg(arg="tenant", value="shared")],
                               precondition=[ArgCondition(arg="tenant", present=False)])),
        status=VersionStatus.ACTIVE,
    )


def test_the_events_of_a_call_keep_their_fields_in_order(evo: Evolver) -> None:
    _add_fill_tenant(evo)
    with evo.episode(task="t") as ep:
        sent = {"day": "mon"}
        args = ep.before_tool("book", sent)
        assert args == {"day": "mon", "tenant": "shared"}
        ep.on_tool_result("book", args, _Text("booked"))
        ep.on_tool_result("lookup", ep.before_tool(_Text("lookup"), {"q": [1]}), {"rows": 2})
        events = [e for e in ep.events if e.kind in (EventKind.TOOL_CALL, EventKind.TOOL_RESULT)]
    assert [(e.kind, e.tool, list(e.data)) for e in events] == [
        (EventKind.TOOL_CALL, "book", ["call", "args", "original_args"]),
        (EventKind.TOOL_RESULT, "book", ["call", "args", "result"]),
        (EventKind.TOOL_CALL, "lookup", ["call", "args"]),
        (EventKind.TOOL_RESULT, "lookup", ["call", "args", "result"]),
    ]
    assert events[0].data["original_args"] == sent and events[1].data["result"] == "booked"
    assert events[3].data == {"call": 2, "args": {"q": [1]}, "result": {"rows": 2}}


def test_a_plan_follows_the_library(evo: Evolver) -> None:
    assert evo.triggers.plan("book").preemptive == []
    _add_fill_tenant(evo)
    assert evo.triggers.plan("book").preemptive == []  # cached until invalidated (or its TTL)
    evo.invalidate()
    assert [s.name for _, s in evo.triggers.plan("book").preemptive] == ["fill-tenant"]
    fresh = Evolver(evo.store, miner=None, seed=0, cache_ttl_s=0)
    assert fresh.triggers.plan("book") is not fresh.triggers.plan("book")  # no TTL: read each time


_SCHEMA = {
    "properties": {
        "n": {"type": "integer"},
        "x": {"type": "number"},
        "s": {"type": "string"},
        "flag": {"type": "boolean"},
        "items": {"type": "array", "items": {"type": "string"}},
        "kind": {"type": "string", "enum": ["a", "b"]},
    },
    "required": ["n"],
}
_VALUES: list[Any] = [1, True, 1.5, 2.0, "7", _Text("t"), None, ["a"], [1], {"k": 1}, "a", "c"]


def test_a_call_answered_without_findings_has_none(evo: Evolver, monkeypatch: pytest.MonkeyPatch) -> None:
    evo.register_tools({"calc": _SCHEMA})
    schema = evo.tools.schema("calc")
    assert schema is not None
    proposed: list[dict[str, Any]] = []
    monkeypatch.setattr(_schema_repair, "propose", lambda evo, tool, args, broken=None: proposed.append(args))
    names = [*_SCHEMA["properties"], "other", 3]
    answered = left = 0
    for size in range(4):
        for keys in itertools.combinations(names, size):
            for values in itertools.product(_VALUES[:6] if size > 2 else _VALUES, repeat=size):
                args = dict(zip(keys, values, strict=True))
                proposed.clear()
                assert propose_safely(evo, "calc", args, schema) == set()
                if not proposed:  # answered by the shortcut: the full check finds nothing either
                    answered += 1
                    assert findings("calc", args, schema) == [], args
                else:
                    left += 1
    assert answered >= 10 and left > 1000
