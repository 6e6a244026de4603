"""Numbers written for people (``"1,200"``, ``"$1,299.50"``) where a tool takes a plain number.

The world: six inventory tools that all take a ``quantity`` (an integer) and reject a text with an
error that carries the offending value. The policy writes quantities of a thousand or more with a
thousands separator and fixes the value after each error. Whether ``"1,200"`` is twelve hundred or
one point two depends on who wrote it, so nothing converts it before a correction shows the
reading; once the corrections on one tool prove it, the rule repairs unseen values there and, as a
transferred candidate, on every other tool taking a ``quantity`` before it fails. Driven through the
real Evolver episode API, deterministic.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from skillevo import Evolver, SkillLibrary
from skillevo._models import CoerceArg

TOOLS = ("reserve", "restock", "transfer_stock", "write_off", "count", "order_more")


def _tool(name: str) -> Callable[..., Any]:
    def run(sku: Any, quantity: Any) -> Any:
        if not isinstance(quantity, int) or isinstance(quantity, bool):
            return f"Error: quantity {quantity} is not a whole number"
        return {"tool": name, "sku": sku, "quantity": quantity}

    return run


WORLD = {name: _tool(name) for name in TOOLS}
SCHEMAS = {
    name: {"properties": {"sku": {"type": "string"}, "quantity": {"type": "integer"}}, "required": ["sku", "quantity"]}
    for name in TOOLS
}


def _call(ep: Any, name: str, args: dict[str, Any]) -> bool:
    """One call as the agent makes it: whether its first attempt succeeded."""
    for attempt in range(3):
        sent = ep.before_tool(name, args)
        result = WORLD[name](**sent)
        if not ep.on_tool_result(name, sent, result):
            return attempt == 0
        retry = ep.on_tool_error(name, sent, result)
        if retry is not None and not ep.on_tool_result(name, retry, WORLD[name](**retry)):
            return False
        args = {**args, "quantity": int(str(args["quantity"]).replace(",", ""))}  # the model's own fix
    return False


def test_a_grouped_number_learned_on_one_tool_is_repaired_on_the_others_before_it_fails() -> None:
    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, seed=1, cache_ttl_s=float("inf"))
        evo.register_tools(SCHEMAS)
        # Nothing converts "1,200" before a correction: the schema says integer, the text reads two ways.
        with evo.episode(task="first") as ep:
            assert _call(ep, TOOLS[0], {"sku": "A-1", "quantity": "1,200"}) is False
            ep.finish(reward=1.0)
        for i, qty in enumerate(["3,450", "12,000", "2,750"]):
            with evo.episode(task=f"learn {i}") as ep:
                _call(ep, TOOLS[0], {"sku": f"A-{i}", "quantity": qty})
                ep.finish(reward=1.0)
        learned = [
            op
            for s in lib.skills()
            if s.trigger.tool == TOOLS[0]
            for v in s.versions
            if v.strategy.repair is not None
            for op in v.strategy.repair.ops
            if isinstance(op, CoerceArg) and op.grouping == ","
        ]
        assert learned, [s.name for s in lib.skills()]
        clean = 0
        for j, name in enumerate(TOOLS[1:]):
            with evo.episode(task=f"use {name}") as ep:
                clean += _call(ep, name, {"sku": f"B-{j}", "quantity": f"{(j + 2) * 1000 + 50:,}"})
                ep.finish(reward=1.0)
        assert clean >= 4, clean
        sent = [e.data.get("args", {}).get("quantity") for e in lib.events() if e.tool == TOOLS[-1]]
        assert 6050 in sent  # the number meant, not another reading of the text
