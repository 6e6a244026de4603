"""A float reads back a float on every backend: PostgreSQL's jsonb keeps numbers as numeric and
prints them without an exponent, so a large float (``1e16``, ``2.5e16``) written as JSON's
``1e+16`` came back as the int ``10000000000000000`` (a run's arguments and metadata changed type)."""

from __future__ import annotations

from skillevo import Evolver, SkillLibrary
from skillevo._sanitize import json_text, numeric_floats


def test_large_floats_keep_their_type(store: SkillLibrary) -> None:
    evo = Evolver(store, mining="inline", miner=None)
    with evo.episode(task="t", metadata={"budget": 1e16, "tiny": 1e-7, "big": -2.8e114}) as ep:
        ep.on_tool_result("x", ep.before_tool("x", {"amount": 2.5e16, "n": 3}), "ok")
    store.flush()
    meta = store.episode(ep.id).metadata
    assert type(meta["budget"]) is float and meta["budget"] == 1e16
    assert type(meta["big"]) is float and meta["big"] == -2.8e114
    assert meta["tiny"] == 1e-7
    args = [e.data["args"] for e in store.events() if e.data.get("args")]
    assert args and all(type(a["amount"]) is float and a["amount"] == 2.5e16 and a["n"] == 3 for a in args)


def test_numeric_floats_rewrites_numbers_only() -> None:
    value = {"a": 1e16, "s": "1e+16, 2e+20", "k": [2.5e16, 1e-7, 7, "x\"1e+16"]}
    text = numeric_floats(json_text(value))
    assert "e+" not in text.replace('"1e+16, 2e+20"', "").replace('x\\"1e+16', "")
    import json

    assert json.loads(text) == value
