"""A boolean written as a word (``"yes"``, ``"N"``, ``"on"``) is cast inside objects and lists of objects too.

Tools are strict pydantic models (a word for a boolean is refused, as a real API refuses it), their
schemas declared the way adapters declare them (`tool_schema`: nested models inlined). Before: a
boolean cast learned on a top-level argument reached other tools' top-level booleans only, never a
member of a declared object (``options.gift_wrap``) or of the objects in a list
(``items.*.fragile``), nor another boolean of its own tool; and ``"Y"`` / ``"N"`` were no boolean
words, so a learned cast left them to fail (15 of 24 probe calls failed first; now 1, a call the
bandit spends on doing nothing). Driven through the real
episode API, deterministic.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

from skillevo import Evolver, SkillLibrary
from skillevo._models import ArgCondition, CoerceArg, Repair
from skillevo._repair import RepairError, apply_repair
from skillevo._tool_schema import tool_schema


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True)


class Options(_Strict):
    gift_wrap: bool
    note: str = ""


class Item(_Strict):
    sku: str
    fragile: bool


class Notify(_Strict):
    order_id: str
    notify: bool
    express: bool = False


class Wrap(_Strict):
    order_id: str
    options: Options


class Pack(_Strict):
    order_id: str
    items: list[Item]


class Ticket(_Strict):
    ticket: str
    urgent: bool


MODELS: dict[str, type[BaseModel]] = {"notify": Notify, "wrap": Wrap, "pack": Pack, "ticket": Ticket}
WORDS = [("yes", True), ("no", False), ("Y", True), ("on", True), ("off", False), ("N", False)]


def _run(tool: str, args: dict[str, Any]) -> Any:
    try:
        return {"ok": MODELS[tool].model_validate(args).model_dump()}
    except ValidationError as exc:
        return "Error: " + " ".join(str(exc).splitlines()[:3])


def _call(ep: Any, tool: str, bad: dict[str, Any], good: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
    """One call as the agent makes it: (first attempt succeeded, what the tool first got)."""
    args, first = bad, {}
    for attempt in range(3):
        sent = ep.before_tool(tool, dict(args))
        first = first or sent
        result = _run(tool, sent)
        if not ep.on_tool_result(tool, sent, result):
            return attempt == 0, first
        ep.on_tool_error(tool, sent, result)
        args = good
    return False, first


def _probes(word: str, truth: bool, i: int) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    return [
        (
            "wrap",
            {"order_id": f"w{i}", "options": {"gift_wrap": word, "note": "x"}},
            {"order_id": f"w{i}", "options": {"gift_wrap": truth, "note": "x"}},
        ),
        (
            "pack",
            {"order_id": f"p{i}", "items": [{"sku": "a", "fragile": word}, {"sku": "b", "fragile": True}]},
            {"order_id": f"p{i}", "items": [{"sku": "a", "fragile": truth}, {"sku": "b", "fragile": True}]},
        ),
        ("ticket", {"ticket": f"t{i}", "urgent": word}, {"ticket": f"t{i}", "urgent": truth}),
        (
            "notify",
            {"order_id": f"n{i}", "notify": True, "express": word},
            {"order_id": f"n{i}", "notify": True, "express": truth},
        ),
    ]


def test_a_boolean_cast_reaches_declared_members_and_lists_of_objects() -> None:
    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, seed=0, cache_ttl_s=float("inf"), mining="inline")
        evo.register_tools({name: tool_schema(model)[1] for name, model in MODELS.items()})  # type: ignore[index]
        for i, (word, truth) in enumerate(WORDS):
            with evo.episode(task=f"learn {i}") as ep:
                _call(ep, "notify", {"order_id": f"o{i}", "notify": word}, {"order_id": f"o{i}", "notify": truth})
                ep.finish(reward=1.0)
        clean = 0
        for i, (word, truth) in enumerate(WORDS):
            for tool, bad, good in _probes(word, truth, i):
                with evo.episode(task=f"use {tool} {i}") as ep:
                    ok, first = _call(ep, tool, bad, good)
                    ep.finish(reward=1.0)
                clean += ok
                assert not ok or first == good, (first, good)  # a word is never read as the other truth
        assert clean >= 23, clean


def test_single_letters_are_boolean_words_and_other_text_is_left_alone() -> None:
    cast = Repair(ops=[CoerceArg(arg="on", to="bool")], precondition=[ArgCondition(arg="on", type="str")])
    for word, truth in (("Y", True), ("n", False), (" y ", True), ("N", False)):
        assert apply_repair(cast, {"on": word}) == {"on": truth}
    for other in ("maybe", "yes please", "nope", "x"):
        with pytest.raises(RepairError):
            apply_repair(cast, {"on": other})


def test_the_members_read_are_bounded() -> None:
    from skillevo._transfer import ToolCatalog

    leaf = {"type": "object", "properties": {f"f{i}": {"type": "boolean"} for i in range(100)}}
    mid = {"type": "object", "properties": {f"m{i}": leaf for i in range(30)}}
    catalog = ToolCatalog()
    catalog.register({"wide": {"properties": {f"a{i}": mid for i in range(30)}}})
    found = catalog.nested_of_type("wide", "bool")
    assert 0 < len(found) <= 64 and all(p.count(".") == 2 for p in found)
    catalog.register(
        {
            "deep": {
                "properties": {
                    "a": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "b": {
                                    "type": "object",
                                    "properties": {"on": {"type": "boolean"}, "name": {"type": "string"}},
                                }
                            },
                        },
                    }
                }
            }
        }
    )
    assert catalog.nested_of_type("deep", "bool") == ["a.*.b.on"]
