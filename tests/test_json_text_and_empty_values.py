"""Values agents write another way for JSON-schema tools (MCP servers, OpenAI function calling):
arrays and objects sent as their JSON text, booleans as 0/1, integers in scientific notation, and
null or empty values for optional arguments. Each is converted or dropped only when one meaning
can be meant, and a drop learned for an empty value never touches a real one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from skillevo import Evolver, SkillLibrary
from skillevo._conform import NO, conform, conforms
from skillevo._schema_repair import findings

STRS = {"type": "array", "items": {"type": "string"}}
LINE = {"type": "object", "properties": {"sku": {"type": "string"}, "quantity": {"type": "integer"}}}
ADDRESS = {"type": "object", "properties": {"city": {"type": "string"}, "zip": {"type": "string"}}}
BOOL = {"type": "boolean"}
INT = {"type": "integer"}


@pytest.mark.parametrize(
    ("value", "schema", "expected"),
    [
        ('["sale"]', STRS, ["sale"]),
        (' ["sale", "new"] ', STRS, ["sale", "new"]),
        ("[1, 2]", STRS, ["1", "2"]),  # then conformed like any array
        ('[{"sku": "A1", "quantity": "2"}]', {"type": "array", "items": LINE}, [{"sku": "A1", "quantity": 2}]),
        ('{"city": "Lyon", "zip": 69001}', ADDRESS, {"city": "Lyon", "zip": "69001"}),
        (1, BOOL, True),
        (0, BOOL, False),
        ("1.2e3", INT, 1200),
        ("-2E2", INT, -200),
    ],
)
def test_one_meaning_is_converted(value: Any, schema: dict[str, Any], expected: Any) -> None:
    out = conform(value, schema)
    assert out == expected and type(out) is type(expected)
    assert conforms(out, schema)


@pytest.mark.parametrize(
    ("value", "schema"),
    [
        ('["sale"', STRS),  # starts like an array's JSON and is none: no item of it is guessed
        ("[draft]", STRS),
        ('{"city": "Lyon"}', STRS),  # an object's JSON is no string item
        ('["a", 1.5]', {"type": "array", "items": INT}),  # all elements or none
        ('["a"]', ADDRESS),
        ("{city: Lyon}", ADDRESS),
        (2, BOOL),  # only 0 and 1 read as a boolean
        ("1", BOOL),
        ("1.25e1", INT),  # 12.5
        ("1e400", INT),
    ],
)
def test_no_meaning_or_another_is_refused(value: Any, schema: dict[str, Any]) -> None:
    assert conform(value, schema) is NO


def test_the_json_of_a_one_item_array_is_never_wrapped_as_one_item() -> None:
    # Before, '["sale"]' had no list separator and was sent as the one tag '["sale"]'.
    assert conform('["sale"]', STRS) != ['["sale"]']


SEARCH = {"properties": {"query": {"type": "string"}, "in_stock": BOOL, "limit": INT},
          "required": ["query"]}


def test_null_for_an_optional_argument_gets_guidance_not_a_drop() -> None:
    # Left out, the argument keeps the tool's default: a caller meaning "clear it" would get another
    # call than it sent, which the tool accepts. The model decides (guidance); only corrections that
    # show the drop, tool by tool, learn one (the test below).
    found = findings("search", {"query": "lamp", "in_stock": None}, SEARCH)
    assert found and all(f.strategy.repair is None and f.strategy.guidance for f in found)
    found = findings("search", {"query": None}, SEARCH)
    assert all(f.strategy.repair is None for f in found)  # a required value is never left out
    assert findings("search", {"query": "lamp", "limit": None},
                    {**SEARCH, "properties": {**SEARCH["properties"],
                                              "limit": {"anyOf": [INT, {"type": "null"}]}}}) == []


@pytest.fixture
def lib(tmp_path: Any) -> Iterator[SkillLibrary]:
    with SkillLibrary(tmp_path / "s.db") as store:
        yield store


def _search(**args: Any) -> Any:
    # A tool that refuses null and empty values in its own words and takes a real value.
    for key, value in args.items():
        if value is None or value == "":
            return json.dumps({"ok": False, "error": f"{key} must not be null or empty"})
    return {"ok": True, "hits": 3}


def test_a_drop_learned_from_null_values_leaves_real_values_alone(lib: SkillLibrary) -> None:
    # No schema: the drop is learned from the model's own corrections (null sent, then left out).
    evo = Evolver(lib, seed=0, cache_ttl_s=0.0, mining="inline")
    for i in range(6):
        with evo.episode(task=f"t{i}") as ep:
            for sent in ({"query": f"q{i}", "in_stock": None}, {"query": f"q{i}"}):
                ep.on_tool_result("search", ep.before_tool("search", sent), _search(**sent))
            ep.finish(reward=1.0)
    dropped_null = kept_real = 0
    for i in range(20):
        with evo.episode(task=f"u{i}") as ep:
            null_call = ep.before_tool("search", {"query": "z", "in_stock": None})
            dropped_null += "in_stock" not in null_call
            ep.on_tool_result("search", null_call, _search(**null_call))
            real = ep.before_tool("search", {"query": "z", "in_stock": True})
            kept_real += real == {"query": "z", "in_stock": True}
            ep.on_tool_result("search", real, _search(**real))
            ep.finish(reward=1.0)
    assert dropped_null >= 10  # the rule was learned and is used
    assert kept_real == 20  # and never drops a real value


def test_a_new_tool_gets_its_json_text_array_converted_before_its_first_failure(lib: SkillLibrary) -> None:
    evo = Evolver(lib, seed=0, cache_ttl_s=float("inf"), mining="inline")
    tools = {f"tag_{i}": {"properties": {"tags": STRS}, "required": ["tags"]} for i in range(8)}
    evo.register_tools(tools)
    first_calls_ok = 0
    for i, tool in enumerate(tools):
        with evo.episode(task=f"t{i}") as ep:
            sent = ep.before_tool(tool, {"tags": json.dumps([f"t{i}"])})
            ok = sent == {"tags": [f"t{i}"]}
            first_calls_ok += ok
            ep.on_tool_result(tool, sent, {"ok": True} if ok else "Error: tags must be a list of tags")
            ep.finish(reward=1.0 if ok else 0.0)
    assert first_calls_ok >= 6


def _pay(amount: str, order: int) -> Any:
    # A tool that wants an ISO currency code after each amount.
    if not amount.endswith((" EUR", " USD", " GBP")):
        return {"ok": False, "error": f"amount {amount} has no currency"}
    return {"ok": True, "order": order}


def test_a_learned_suffix_that_later_corrections_contradict_stops_being_added(lib: SkillLibrary) -> None:
    # Each task's own currency: the first correction adds " EUR", later ones other codes. A suffix
    # learned from the first would charge every later order in euros, and its calls would succeed.
    evo = Evolver(lib, seed=0, cache_ttl_s=0.0, mining="inline")
    codes = [" EUR", " USD", " GBP", " USD", " GBP", " EUR", " USD", " GBP", " USD", " GBP"]
    added_late = 0
    for i, code in enumerate(codes):
        with evo.episode(task=f"t{i}") as ep:
            for sent in ({"amount": f"{10 + i}.50", "order": i}, {"amount": f"{10 + i}.50{code}", "order": i}):
                args = ep.before_tool("pay", sent)
                added_late += i >= 4 and args != sent
                ep.on_tool_result("pay", args, _pay(**args))
            ep.finish(reward=1.0)
    assert added_late == 0


def _book(start: str, room: int) -> Any:
    # A tool that wants a UTC offset on its datetimes and says so in a JSON envelope.
    if not start.endswith(("Z", "+01:00", "-05:00")):
        return {"ok": False, "error": f"start: datetime {start} has no UTC offset"}
    return {"ok": True, "room": room}


def test_a_time_zone_added_by_a_correction_is_never_learned_as_a_suffix(lib: SkillLibrary) -> None:
    # The zone is the meeting's, not a format: one task's correction says nothing of the next's.
    evo = Evolver(lib, seed=0, cache_ttl_s=0.0, mining="inline")
    changed = 0
    for i, zone in enumerate(["Z", "Z", "Z", "+01:00", "Z", "Z"]):
        with evo.episode(task=f"t{i}") as ep:
            naive = f"2026-12-{10 + i:02d}T09:30:00"
            for sent in ({"start": naive, "room": i}, {"start": naive + zone, "room": i}):
                args = ep.before_tool("book", sent)
                changed += args != sent
                ep.on_tool_result("book", args, _book(**args))
            ep.finish(reward=1.0)
    assert changed == 0


SHIP_TO = {"type": "object", "properties": {"postal_code": {"type": "string"}, "country_code": {"type": "string"},
                                            "city": {"type": "string"}},
           "required": ["postal_code", "country_code", "city"]}


def test_a_members_name_in_another_case_style_is_renamed_inside_objects_and_lists_of_them() -> None:
    sent = {"postalCode": 69001, "CountryCode": "FR", "city": "Lyon"}
    assert not conforms(sent, SHIP_TO)
    assert conform(sent, SHIP_TO) == {"postal_code": "69001", "country_code": "FR", "city": "Lyon"}
    lines = {"type": "array", "items": {"type": "object", "properties": {"unit_price": {"type": "number"}}}}
    assert conform([{"unitPrice": "2.5"}, {"unit_price": 3}], lines) == [{"unit_price": 2.5}, {"unit_price": 3}]


@pytest.mark.parametrize(
    "sent",
    [
        {"postalCode": "1", "postal_code": "2", "country_code": "FR", "city": "Lyon"},  # the declared one is there
        {"postalCode": "1", "PostalCode": "2", "country_code": "FR", "city": "Lyon"},  # two for one
        {"zip": "1", "country_code": "FR", "city": "Lyon"},  # another word: not guessed
    ],
)
def test_a_member_is_not_renamed_when_two_names_or_none_fit(sent: dict[str, Any]) -> None:
    out = conform(sent, SHIP_TO)
    assert out is sent or out is NO or out == sent


def test_a_time_zone_added_by_corrections_is_never_learned_as_a_value_map() -> None:
    from skillevo._repair import synthesize

    # The same naive times corrected twice each: a map of them would set that zone on another task's same time.
    pairs = [({"start": f"2026-08-0{d}T09:30:00"}, {"start": f"2026-08-0{d}T09:30:00+02:00"}) for d in (3, 4, 3, 4)]
    assert synthesize(pairs) is None
    readable = [({"day": "Mon"}, {"day": "monday"}), ({"day": "Tue"}, {"day": "tuesday"})]
    assert synthesize(readable) is not None  # (other value maps are learned as before)
