"""Lossless forms of declared values agents write another way: enum members with other word
separators (``"follow-up"``, ``"Patient Request"``) and 12-hour clock times for ``format: time``
(``"3pm"``). Each is converted only when exactly one conforming value can be meant."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from skillevo import Evolver, SkillLibrary
from skillevo._conform import NO, conform, conforms

TIME = {"type": "string", "format": "time"}
VISIT = {"type": "string", "enum": ["checkup", "follow_up", "first_visit"]}


@pytest.mark.parametrize(
    ("value", "schema", "expected"),
    [
        ("follow-up", VISIT, "follow_up"),
        ("Follow Up", VISIT, "follow_up"),
        (" first  visit ", VISIT, "first_visit"),
        ("front desk", {"type": "string", "enum": ["front-desk", "nursing"]}, "front-desk"),
        ("3pm", TIME, "15:00"),
        ("3 PM", TIME, "15:00"),
        ("3:30 p.m.", TIME, "15:30"),
        ("9:05am", TIME, "09:05"),
        ("12am", TIME, "00:00"),
        ("12:15 pm", TIME, "12:15"),
        ("11:59:30 PM", TIME, "23:59:30"),
    ],
)
def test_one_meaning_is_converted(value: Any, schema: dict[str, Any], expected: Any) -> None:
    out = conform(value, schema)
    assert out == expected
    assert conforms(out, schema)


@pytest.mark.parametrize(
    ("value", "schema"),
    [
        ("follow-up", {"type": "string", "enum": ["follow_up", "follow up"]}),  # fits two members
        ("followup", VISIT),  # a separator is not invented
        ("3", TIME),  # three in the morning or the afternoon
        ("3:00", TIME),
        ("13pm", TIME),  # no such time
        ("0am", TIME),
        ("3:75pm", TIME),
        ("noon-ish", TIME),
    ],
)
def test_more_than_one_meaning_or_none_is_refused(value: Any, schema: dict[str, Any]) -> None:
    assert not conforms(value, schema)
    assert conform(value, schema) is NO


@pytest.mark.parametrize("value", ["15:00", "09:05:30", "23:59:59.5", "15:00:00Z", "15:00:00+01:00"])
def test_24_hour_times_conform(value: str) -> None:
    assert conforms(value, TIME)


@pytest.fixture
def lib(tmp_path: Any) -> Iterator[SkillLibrary]:
    with SkillLibrary(tmp_path / "s.db") as store:
        yield store


def _book(slot: Any, kind: Any) -> Any:
    # A tool that reads 24-hour times and its declared members only, in its own words.
    if not isinstance(slot, str) or len(slot) != 5 or slot[2] != ":":
        return f"Error: invalid time {slot}"
    if kind not in ("checkup", "follow_up"):
        return f"Error: unknown kind {kind}"
    return {"booked": slot, "kind": kind}


def test_a_new_tool_gets_the_time_and_the_member_before_its_first_failure(lib: SkillLibrary) -> None:
    evo = Evolver(lib, seed=0, cache_ttl_s=float("inf"), mining="inline")
    tools = {
        f"book_{i}": {"properties": {"slot": TIME, "kind": {"type": "string", "enum": ["checkup", "follow_up"]}},
                      "required": ["slot", "kind"]}
        for i in range(8)
    }
    evo.register_tools(tools)
    slots = kinds = 0
    for i, tool in enumerate(tools):
        with evo.episode(task=f"t{i}") as ep:
            sent = ep.before_tool(tool, {"slot": f"{1 + i % 9}pm", "kind": "Follow-Up"})
            failed = ep.on_tool_result(tool, sent, _book(**sent))
            ep.finish(reward=0.0 if failed else 1.0)
        # Each candidate is tested against doing nothing on its own: most first calls get each.
        slots += sent["slot"] == f"{13 + i % 9}:00"
        kinds += sent["kind"] == "follow_up"
    assert slots >= 6 and kinds >= 6


def test_a_time_read_two_ways_gets_guidance_naming_the_format_not_the_value() -> None:
    from skillevo._schema_repair import findings

    found = findings("book", {"slot": "3:00"}, {"properties": {"slot": TIME}, "required": ["slot"]})
    guidance = [f.strategy.guidance for f in found]
    assert len(guidance) == 1 and guidance[0] is not None
    assert "24-hour" in guidance[0] and "HH:MM" in guidance[0] and "3:00" not in guidance[0]


LOCATION = {"type": "object", "properties": {"room": {"type": "integer"},
                                             "wing": {"type": "string", "enum": ["east", "west"]}}}


def test_an_objects_declared_members_are_checked_and_converted_like_arguments() -> None:
    assert not conforms({"room": "12", "wing": "east"}, LOCATION)
    assert conform({"room": "12", "wing": "East"}, LOCATION) == {"room": 12, "wing": "east"}
    assert conform({"room": "12a", "wing": "east"}, LOCATION) is NO  # one member cannot: none is converted
    assert conform({"room": 3, "note": "x"}, LOCATION) == {"room": 3, "note": "x"}  # undeclared members kept


def _visit(patient: Any, location: Any) -> Any:
    # A tool whose nested object is validated in its own words.
    if not isinstance(location, dict) or not isinstance(location.get("room"), int):
        return f"Error: invalid room {location}"
    return {"patient": patient, "room": location["room"]}


def test_a_new_tool_gets_its_nested_objects_member_converted_before_its_first_failure(lib: SkillLibrary) -> None:
    evo = Evolver(lib, seed=0, cache_ttl_s=float("inf"), mining="inline")
    tools = {f"visit_{i}": {"properties": {"patient": {"type": "string"}, "location": LOCATION},
                            "required": ["patient", "location"]} for i in range(8)}
    evo.register_tools(tools)
    first_calls_ok = 0
    for i, tool in enumerate(tools):
        with evo.episode(task=f"t{i}") as ep:
            sent = ep.before_tool(tool, {"patient": f"p{i}", "location": {"room": str(10 + i), "wing": "east"}})
            failed = ep.on_tool_result(tool, sent, _visit(**sent))
            first_calls_ok += not failed
            ep.finish(reward=0.0 if failed else 1.0)
    assert first_calls_ok >= 6


NAMED = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}
ITEMS_WITH_A_NAME = {"anyOf": [{"type": "array", "items": NAMED}]}


def test_an_object_missing_a_required_member_does_not_conform_and_is_not_wrapped() -> None:
    assert not conforms({}, NAMED)
    assert conform({}, ITEMS_WITH_A_NAME) is NO  # [{}] would break the schema as much as {} does
    assert conform({"name": "x"}, ITEMS_WITH_A_NAME) == [{"name": "x"}]


def test_a_new_tool_does_not_get_a_wrap_that_still_breaks_its_schema(lib: SkillLibrary) -> None:
    evo = Evolver(lib, mining="inline")
    evo.register_tools({"tag": {"type": "object", "properties": {"items": ITEMS_WITH_A_NAME}}})
    for _ in range(4):  # (a candidate is tried on some calls and not on others)
        with evo.episode(task="t") as ep:
            assert ep.before_tool("tag", {"items": {}}) == {"items": {}}
            ep.on_tool_result("tag", {"items": {}}, "ok")
