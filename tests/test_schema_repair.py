"""Schema-aware repairs: a call that breaks its tool's declared JSON schema is repaired before it fails.

Conversions are lossless and unambiguous or not made at all (`skillevo._conform`); each way a call
breaks a schema becomes a candidate skill (`skillevo._schema_repair`) tested against doing nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from skillevo import NULL_ARM, Evolver, SkillLibrary, VersionStatus
from skillevo._conform import NO, conform, conforms, standard_types
from skillevo._models import ConformArg, RenameArg, Repair, SetArg
from skillevo._repair import apply_repair
from skillevo._schema_repair import SCHEMA_MINER, findings

STR = {"type": "string"}
INT = {"type": "integer"}
NUM = {"type": "number"}
STRS = {"type": "array", "items": STR}


@pytest.mark.parametrize(
    ("value", "schema", "expected"),
    [
        (123, STR, "123"),
        (-4, STR, "-4"),
        (2.5, STR, "2.5"),
        ("5", INT, 5),
        (" 42 ", INT, 42),
        (20.0, INT, 20),
        ("2.5", NUM, 2.5),
        ("7", NUM, 7),
        ("true", {"type": "boolean"}, True),
        (" False", {"type": "boolean"}, False),
        ([123], STRS, ["123"]),
        ([1, "b"], STRS, ["1", "b"]),
        ("a", STRS, ["a"]),
        (7, STRS, ["7"]),
        (["3"], {"type": "array", "items": INT}, [3]),
        ({"sku": "x", "n": 2}, {"type": "array", "items": {"type": "object"}}, [{"sku": "x", "n": 2}]),
        ("economy", {"type": "string", "enum": ["Economy", "Business"]}, "Economy"),
        (" BUSINESS ", {"type": "string", "enum": ["Economy", "Business"]}, "Business"),
        (" ab12 ", {"type": "string", "pattern": "^[a-z]+[0-9]+$"}, "ab12"),
        ("AB12", {"type": "string", "pattern": "^[a-z]+[0-9]+$"}, "ab12"),
        ("2025/03/14", {"type": "string", "format": "date"}, "2025-03-14"),
        ("11/27/2025", {"type": "string", "format": "date"}, "2025-11-27"),
        ("5", {"anyOf": [INT, {"type": "null"}]}, 5),
        ("5", {"type": ["integer", "null"]}, 5),
    ],
)
def test_each_lossless_conversion(value: Any, schema: dict[str, Any], expected: Any) -> None:
    out = conform(value, schema)
    assert out == expected and type(out) is type(expected)
    assert conforms(out, schema)


@pytest.mark.parametrize(
    ("value", "schema"),
    [
        ("abc", INT),  # not a number at all
        (1.5, INT),  # loses the fraction
        ("1.5", INT),
        (True, STR),  # "True" or "true": two spellings
        (True, INT),  # a boolean is not a count
        ("yes", {"type": "boolean"}),
        ({"a": 1}, STR),
        (None, STRS),
        # one item with a separator in it, or several items sent as one text: which is meant is unknown
        ("a1,a2", STRS),
        ("a1; a2", STRS),
        ("a1\na2", STRS),
        ({"sku": "x"}, STRS),  # an object is no string item
        (["a", "x"], {"type": "array", "items": INT}),  # all elements or none
        ("first", {"type": "string", "enum": ["First", "FIRST"]}),  # fits two members
        ("third", {"type": "string", "enum": ["First", "Second"]}),  # fits none
        ("03/04/2025", {"type": "string", "format": "date"}),  # March 4th or April 3rd
        ("2025121", {"type": "string", "format": "date"}),  # 2025-12-01 or 2025-01-21 (fields without width)
        ("12345678901234567890123", NUM),  # no float holds it exactly
        ("0.10000000000000000555", NUM),
        ("\u0661\u0662\u0663", INT),  # digits of another script are not an ASCII number
        ("soon", {"type": "string", "format": "date"}),
        ("ab-12", {"type": "string", "pattern": "^[a-z]+[0-9]+$"}),
        ("5", {"anyOf": [INT, STR]}),  # already a string: conforms, nothing to do (checked below)
        ("5", {"anyOf": [INT, NUM, {"type": "boolean"}], "enum": [5.5]}),
    ],
)
def test_lossy_or_ambiguous_conversions_are_refused(value: Any, schema: dict[str, Any]) -> None:
    out = conform(value, schema)
    if conforms(value, schema):
        assert out is value
    else:
        assert out is NO


def test_a_union_whose_branches_convert_differently_is_refused() -> None:
    assert conform(5, {"anyOf": [STR, STRS]}) is NO  # "5" or ["5"]


def test_the_conform_op_leaves_what_it_cannot_convert() -> None:
    repair = Repair(ops=[ConformArg(arg="n", to=INT)])
    assert apply_repair(repair, {"n": "12"}) == {"n": 12}
    assert apply_repair(repair, {"n": "twelve"}) == {"n": "twelve"}
    assert apply_repair(repair, {"m": "12"}) == {"m": "12"}


SCHEMA = {
    "properties": {
        "file_name": STR,
        "count": INT,
        "tags": STRS,
        "mode": {"type": "string", "enum": ["fast", "safe"]},
        "travel_date": {"type": "string"},
        "limit": {"type": "integer", "default": 10},
    },
    "required": ["file_name", "travel_date", "limit"],
}


def test_findings_name_each_way_a_call_breaks_the_schema() -> None:
    args = {"fileName": "a.txt", "count": "3", "tags": "x", "mode": "FAST", "date": "2025-01-01"}
    found = {f.arg: f for f in findings("save", args, SCHEMA)}
    assert set(found) == {"file_name", "count", "tags", "mode", "travel_date", "limit"}
    assert found["file_name"].strategy.repair is not None
    assert isinstance(found["file_name"].strategy.repair.ops[0], RenameArg)  # another case style
    assert found["travel_date"].strategy.repair.ops[0] == RenameArg(arg="date", to="travel_date")  # type: ignore[union-attr]
    assert isinstance(found["limit"].strategy.repair.ops[0], SetArg)  # type: ignore[union-attr]
    repaired = args
    for f in found.values():
        assert f.strategy.repair is not None
        repaired = apply_repair(f.strategy.repair, repaired)
    assert repaired == {"file_name": "a.txt", "count": 3, "tags": ["x"], "mode": "fast",
                        "travel_date": "2025-01-01", "limit": 10}


def test_no_lossless_conversion_gives_guidance_by_shape_without_the_value() -> None:
    found = findings("save", {"file_name": "a", "travel_date": "x", "limit": 1, "count": "three",
                              "mode": "quick"}, SCHEMA)
    by_arg = {f.arg: f.strategy.guidance for f in found}
    assert by_arg["count"] is not None and "`count`" in by_arg["count"] and "integer" in by_arg["count"]
    assert "three" not in by_arg["count"]
    assert by_arg["mode"] is not None and "`fast`" in by_arg["mode"] and "quick" not in by_arg["mode"]
    missing = findings("save", {"file_name": "a", "limit": 1}, SCHEMA)
    assert [f.strategy.guidance for f in missing] == ["When calling `save`: `travel_date` is required (a string)."]


def test_an_ambiguous_rename_is_not_proposed() -> None:
    schema = {"properties": {"start_date": STR, "end_date": STR}, "required": ["start_date", "end_date"]}
    found = findings("book", {"date": "2025-01-01"}, schema)
    assert [f.strategy.repair for f in found] == [None, None]  # guidance on the two required ones only


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def _lookup(ids: Any, kind: Any = "open") -> Any:
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        return f"Error: {ids} not found"
    if kind not in ("open", "closed"):
        return f"Error: unknown kind {kind}"
    return {"found": ids}


TOOLS = {
    f"lookup_{i}": {"properties": {"ids": STRS, "kind": {"type": "string", "enum": ["open", "closed"]}},
                    "required": ["ids"]}
    for i in range(8)
}


def test_a_call_breaking_the_schema_is_repaired_before_it_ever_fails(lib: SkillLibrary) -> None:
    evo = Evolver(lib, seed=0, cache_ttl_s=float("inf"), mining="inline")
    evo.register_tools(TOOLS)
    first_calls_ok = 0
    for i, tool in enumerate(TOOLS):
        with evo.episode(task=f"t{i}") as ep:
            sent = ep.before_tool(tool, {"ids": [100 + i], "kind": "open"})
            failed = ep.on_tool_result(tool, sent, _lookup(**sent))
            first_calls_ok += not failed
            ep.finish(reward=0.0 if failed else 1.0)
    assert first_calls_ok >= 6
    made = [s for s in lib.skills() if s.versions[0].origin.miner == SCHEMA_MINER]
    assert {s.trigger.tool for s in made} == set(TOOLS)
    assert all(s.versions[0].strategy.repair is not None for s in made)


def test_several_items_sent_as_one_text_are_never_sent_as_one_item(lib: SkillLibrary) -> None:
    """A tool taking a list of labels, sent ``"red,blue"``: wrapped as ``["red,blue"]`` the tool would
    accept one label the caller did not mean. The call goes as sent (the tool's error tells the model)."""
    evo = Evolver(lib, seed=0, cache_ttl_s=float("inf"), mining="inline")
    evo.register_tools({"label": {"properties": {"labels": STRS}, "required": ["labels"]}})
    for i in range(6):
        with evo.episode(task=f"t{i}") as ep:
            sent = ep.before_tool("label", {"labels": f"red{i},blue"})
            assert sent == {"labels": f"red{i},blue"}
            ep.on_tool_result("label", sent, "Error: labels must be a list")
            sent = ep.before_tool("label", {"labels": f"green{i}"})
            assert sent["labels"] in ([f"green{i}"], f"green{i}")  # one item: wrapping it is lossless
            ep.on_tool_result("label", sent, {"ok": True})
            ep.finish(reward=1.0)


def test_a_schema_repair_the_tool_disagrees_with_loses_to_doing_nothing(lib: SkillLibrary) -> None:
    """The schema says string; the tool really wants the number as sent: the candidate stops being applied."""
    evo = Evolver(lib, seed=1, cache_ttl_s=float("inf"), mining="inline")
    evo.register_tools({"fetch": {"properties": {"n": STR}, "required": ["n"]}})
    repaired = []
    for i in range(40):
        with evo.episode(task=f"t{i}") as ep:
            sent = ep.before_tool("fetch", {"n": i})
            repaired.append(not isinstance(sent["n"], int))
            result = {"ok": i} if isinstance(sent["n"], int) else "Error: n must be a number"
            ep.on_tool_result("fetch", sent, result)
            ep.finish(reward=1.0)
    assert repaired[0]  # tried first: the schema is the tool's own word
    assert not any(repaired[-20:])
    skill = next(s for s in lib.skills() if s.name.startswith("schema-fetch-n-integer-"))
    assert evo.selector.prob_better(skill.name, skill.versions[0].id, NULL_ARM) < 0.05


def test_python_type_names_in_a_hand_written_schema_read_as_json_schema_types(lib: SkillLibrary) -> None:
    # Function-calling schemas written by hand often say "float", "int", "dict": each means one JSON type.
    evo = Evolver(lib, seed=0, cache_ttl_s=float("inf"), mining="inline")
    evo.register_tools({"fund": {"properties": {"amount": {"type": "float"}, "n": {"type": "int"},
                                                "tags": {"type": "list", "items": {"type": "str"}},
                                                "meta": {"type": "dict"}},
                                 "required": ["amount"]}})
    schema = evo.tools.schema("fund")
    assert schema is not None
    found = findings("fund", {"amount": "5000.5", "n": "3", "tags": [7], "meta": "x"}, schema)
    assert {f.arg: f.strategy.repair is not None for f in found} == {"amount": True, "n": True, "tags": True,
                                                                     "meta": False}
    with evo.episode(task="t") as ep:
        assert ep.before_tool("fund", {"amount": "5000.5"}) == {"amount": 5000.5}  # repaired before it fails
        ep.finish(reward=1.0)
    # A type name that is no alias is kept as declared (and checks nothing it does not know).
    assert standard_types({"type": "any", "items": {"type": "float"}}) == {"type": "any", "items": {"type": "number"}}


def test_a_schema_candidate_about_a_secret_named_argument_keeps_its_description_and_not_the_secret(
    lib: SkillLibrary,
) -> None:
    # "token: required" reads as a secret's value to redaction: the stored description lost its words.
    evo = Evolver(lib, seed=0, cache_ttl_s=float("inf"), mining="inline")
    evo.register_tools({"login": {"properties": {"token": STR, "user": STR}, "required": ["token", "user"]}})
    with evo.episode(task="t") as ep:
        sent = ep.before_tool("login", {"user": "ann", "password": "hunter2-Secret"})
        ep.on_tool_result("login", sent, "Error: token: field required")
        ep.finish(reward=0.0)
    described = {s.description for s in lib.skills()}
    assert "login: `token`: required and missing" in described
    stored = json.dumps([e.data for e in lib.events()])
    assert "hunter2-Secret" not in stored and "REDACTED" in stored  # the secret itself is still hidden


def test_a_conforming_call_proposes_nothing(lib: SkillLibrary) -> None:
    evo = Evolver(lib, seed=0, cache_ttl_s=float("inf"), mining="inline")
    evo.register_tools(TOOLS)
    with evo.episode(task="t") as ep:
        sent = ep.before_tool("lookup_0", {"ids": ["a"], "kind": "open"})
        assert sent == {"ids": ["a"], "kind": "open"}
        ep.finish(reward=1.0)
    assert lib.skills() == []


def test_tool_objects_declare_their_schemas_refs_inlined(lib: SkillLibrary) -> None:
    import enum

    from pydantic import BaseModel

    from skillevo.adapters import declare_tools

    class Mode(enum.Enum):
        FAST = "fast"
        SAFE = "safe"

    class Args(BaseModel):
        ids: list[str]
        mode: Mode = Mode.FAST

    class Tool:  # the shape of a LangChain / CrewAI tool: a name and an args_schema
        name = "lookup"
        args_schema = Args

    evo = Evolver(lib, seed=0, cache_ttl_s=float("inf"), mining="inline")
    openai_style = {"type": "function", "function": {"name": "ping", "parameters": {
        "type": "object", "properties": {"n": INT}, "required": ["n"]}}}
    declare_tools(evo, [Tool(), openai_style, object()])
    schema = evo.tools.schema("lookup")
    assert schema is not None and schema["required"] == ["ids"]
    assert schema["properties"]["mode"]["enum"] == ["fast", "safe"]
    assert evo.tools.schema("ping") == {"properties": {"n": INT}, "required": ["n"]}
    with evo.episode(task="t") as ep:
        assert ep.before_tool("lookup", {"ids": 5, "mode": "FAST"}) in (
            {"ids": ["5"], "mode": "fast"}, {"ids": ["5"], "mode": "FAST"}, {"ids": 5, "mode": "fast"},
            {"ids": 5, "mode": "FAST"})
        ep.finish(reward=1.0)
    made = {s.name.rsplit("-", 1)[0] for s in lib.skills()}  # the suffix: the schema's digest
    assert made == {"schema-lookup-ids-integer", "schema-lookup-mode-string"}


def test_a_tool_declaring_another_schema_retires_the_candidates_of_the_old_one(lib: SkillLibrary) -> None:
    evo = Evolver(lib, seed=0, cache_ttl_s=float("inf"), mining="inline")
    evo.register_tools({"find": {"properties": {"date": STR}, "required": ["date"]}})
    with evo.episode(task="t") as ep:
        ep.before_tool("find", {})  # leaves out the required `date`: guidance by shape
        ep.finish(reward=0.0)
    (old,) = lib.skills()
    assert old.versions[0].strategy.guidance == "When calling `find`: `date` is required (a string)."
    evo.register_tools({"find": {"properties": {"departure_date": STR}, "required": ["departure_date"]}})
    assert lib.skill(old.name).versions[0].status is VersionStatus.RETIRED
    with evo.episode(task="t") as ep:
        assert ep.before_tool("find", {"date": "2025-01-01"}) in (
            {"departure_date": "2025-01-01"}, {"date": "2025-01-01"})  # the new schema's rename
        ep.finish(reward=1.0)
    assert len(lib.skills()) == 2


def test_the_quick_conformance_check_finds_what_the_full_check_finds(monkeypatch: pytest.MonkeyPatch) -> None:
    from skillevo import _schema_repair

    schemas = [
        {"properties": {"text": {"type": "string"}, "n": {"type": "integer"}}, "required": ["text"]},
        {"properties": {"x": {"type": "number"}, "flag": {"type": "boolean"}, "tags": {"type": "array"},
                        "o": {"type": "object"}, "z": {"type": "null"}, "w": {"type": "weird"}},
         "required": ["x", "missing-from-props"]},
        {"properties": {"day": {"type": "string", "format": "date"}, "k": {"enum": ["a", "b"]}}, "required": ["day"]},
    ]  # fmt: skip
    values = ["t0", 3, 2.5, True, None, [1], (1,), {"a": 1}, "2026-01-02", "a", object()]
    names = ["text", "n", "x", "flag", "tags", "o", "z", "w", "day", "k", "undeclared", 7]
    cases = [{name: value} for name in names for value in values]
    cases += [{"text": "a", "n": 1}, {"x": 1, "flag": False}, {}, {"n": 1}, {"day": "2026-01-02", "k": "a"}]
    quick = [[f.name for f in _schema_repair.findings("t", args, s)] for s in schemas for args in cases]
    monkeypatch.setattr(_schema_repair, "_plainly_conforms", lambda *a: False)
    full = [[f.name for f in _schema_repair.findings("t", args, s)] for s in schemas for args in cases]
    assert quick == full
    assert any(quick) and not all(quick)


def test_an_undeclared_argument_is_dropped_only_when_the_schema_is_closed(lib: SkillLibrary) -> None:
    from pydantic import BaseModel, ConfigDict

    from skillevo._models import DropArg
    from skillevo.adapters import declare_tools

    class Args(BaseModel):
        model_config = ConfigDict(extra="forbid")
        ids: list[str]

    class Open(BaseModel):
        ids: list[str]

    class Tool:  # LangChain's shape: tool_call_schema is a copy of args_schema without the flag
        def __init__(self, name: str, model: type[BaseModel]) -> None:
            self.name, self.args_schema = name, model
            self.tool_call_schema = {"properties": model.model_json_schema()["properties"], "required": ["ids"]}

    evo = Evolver(lib, seed=0, cache_ttl_s=float("inf"), mining="inline")
    declare_tools(evo, [Tool("hold", Args), Tool("peek", Open)])
    closed: dict[str, Any] | None = evo.tools.schema("hold")
    open_: dict[str, Any] | None = evo.tools.schema("peek")
    assert closed is not None and open_ is not None
    assert closed["additionalProperties"] is False and "additionalProperties" not in open_
    (found,) = findings("hold", {"ids": ["a"], "confirm": True}, closed)
    assert found.strategy.repair is not None and found.strategy.repair.ops == [DropArg(arg="confirm")]
    assert findings("peek", {"ids": ["a"], "confirm": True}, open_) == []
    # not while a required argument is missing, nor a declared one sharing a name word (a misnaming)
    assert all(f.strategy.repair is None for f in findings("hold", {"confirm": True}, closed))
    wide = {**closed, "properties": {**closed["properties"], "held_until": {"type": "string"}}}
    assert findings("hold", {"ids": ["a"], "until_day": "x"}, wide) == []
    # a misnamed argument of a closed schema is still renamed, not dropped
    renamed = findings("hold", {"Ids": ["a"]}, closed)
    assert [type(op).__name__ for f in renamed for op in (f.strategy.repair.ops if f.strategy.repair else [])] == [
        "RenameArg"]
    with evo.episode(task="t") as ep:
        assert ep.before_tool("hold", {"ids": ["a"], "confirm": True}) == {"ids": ["a"]}
        ep.finish(reward=1.0)


def test_a_schema_with_python_type_names_is_registered_once() -> None:
    """`declare_tools` runs at model calls: a schema naming `float` (read as `number`) must compare
    equal to the stored one, not be registered again (and transfers re-synced) at every call."""
    from unittest import mock

    from skillevo._tool_schema import declare_tools

    lib = SkillLibrary(":memory:")
    evo = Evolver(lib, miner=None)
    tool = {"name": "pay", "parameters": {"type": "object", "properties": {
        "amount": {"type": "float"}, "n": {"type": "int"}}, "required": ["amount"]}}
    with mock.patch.object(evo, "register_tools", wraps=evo.register_tools) as register:
        for _ in range(5):
            declare_tools(evo, [dict(tool)])
    assert register.call_count == 1
    assert evo.tools.schema("pay")["properties"]["amount"]["type"] == "number"  # type: ignore[index]


def test_a_string_failing_its_pattern_gets_guidance_naming_the_pattern_not_its_type() -> None:
    schema = {"properties": {"employee_id": {"type": "string", "pattern": r"^E\d{4}$"}}}
    [found] = findings("book", {"employee_id": "42"}, schema)
    text = found.strategy.guidance
    assert text is not None and "pattern" in text and r"`^E\d{4}$`" in text and "42" not in text
    # A pattern written in words is the schema author's text, not a pattern: it is not shown.
    wordy = {"properties": {"code": {"type": "string", "pattern": "^(ignore|every|previous|instruction)$"}}}
    [said] = findings("book", {"code": "x"}, wordy)
    assert said.strategy.guidance is not None and "ignore" not in said.strategy.guidance


@pytest.mark.parametrize(
    "pattern",
    [
        "^4111111111111111$",  # one card's number
        r"^\+15551234567$",  # one person's phone
        "^ACCT-88231$",  # one account's id
        r"^(sk_live_4eC39Hq1yjW2arjt3T1zdp7dc)$",  # a key
        r"^192\.168\.1\.23$",  # one host
        "^(pwd=hunt3r2)$",  # a secret's pair
        "^411111{1}111111{1}1111$",  # one number spelled through repeats ...
        "^[4][1][1][1][1][1][1][1][1][1][1][1]$",  # ... through classes of one character
        "^4?1?1?1?1?1?1?1?1?1?1?1?1?1?1?1$",
    ],
)
def test_a_pattern_spelling_one_record_or_a_secret_is_not_shown(pattern: str) -> None:
    # A pattern's literal text crosses the boundary an enum member does (`plain_tokens`): a dynamic
    # schema naming one customer's value would otherwise write it into guidance every session sees.
    schema = {"properties": {"account": {"type": "string", "pattern": pattern}}}
    [found] = findings("pay", {"account": "zzz"}, schema)
    text = found.strategy.guidance
    assert text is not None and "matching the pattern its schema declares" in text
    assert pattern not in text


@pytest.mark.parametrize("pattern", [r"^[A-Z]{3}-\d+$", r"^INV-\d{6}$", r"^\d{4}-\d{2}-\d{2}$", r"^(USD|EUR|GBP)$",
                                     r"^\+?[0-9]{7,15}$", r"^v\d+\.\d+$"])
def test_a_pattern_of_shapes_and_codes_is_shown(pattern: str) -> None:
    [found] = findings("pay", {"code": "zzz"}, {"properties": {"code": {"type": "string", "pattern": pattern}}})
    assert f"`{pattern}`" in (found.strategy.guidance or "")
