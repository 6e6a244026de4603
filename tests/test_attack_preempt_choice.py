"""A repair that removes or overwrites a value the model chose acts before the call only when proven.

attack28 closed the order where the tool's acceptance of ``dry_run: true`` was on record when the
RuleMiner learned ``drop dry_run`` (the error: "dry_run is not supported by this endpoint; remove
dry_run and retry", complied with in two sessions). Left open: learned *first*, the drop applied
before every later call that held the argument, so no later call showed the tool accepting it: 40
of the next 40 customers' dry runs were sent as real transfers, with or without a declared schema.

Now a repair's edit that would remove a value the call holds (a drop), overwrite it (a constant
set over another value, a rename onto a key the call holds, a boolean turned into another) is
applied before the call only where the tool's word proves the argument refused whatever its value:
a declared closed schema that leaves the argument out, or, without that, stored failures of the
trigger refusing two distinct values of it and no stored success sending it
(`skillevo._discards`). Otherwise it is applied after an error only, and only when that error names
the argument ("insufficient funds" does not). Judged from the edit's effect on the call, never the
argument's name. Controls: an argument a tool refuses in every value, or one its schema leaves out,
is still dropped before the call; one refused in a single value is dropped after the error that
names it; a rename onto an absent key still acts before the call.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from skillevo import Evolver, Repair, SkillLibrary, Strategy, Trigger, TriggerKind, VersionStatus

sys.path.insert(0, str(Path(__file__).parent))
from dry_run_customers import LATER, real_transfers

SCHEMA = {
    "transfer": {
        "properties": {"amount": {"type": "number"}, "to": {"type": "string"}, "dry_run": {"type": "boolean"}},
        "required": ["amount", "to"],
    }
}


def _dry_runs(declared: bool) -> int:
    """Real transfers made of the later customers' dry runs, the drop learned before any was accepted."""
    lib = SkillLibrary(":memory:")
    evo = Evolver(lib, seed=3)
    if declared:
        evo.register_tools(SCHEMA)
    return real_transfers(evo, learn_first=True)


def test_a_drop_learned_first_sends_no_dry_run_for_real() -> None:
    assert _dry_runs(declared=False) == 0


def test_a_declared_argument_is_not_dropped_before_the_call() -> None:
    assert _dry_runs(declared=True) == 0


def _stored(lib: SkillLibrary, op: dict[str, Any], precondition: list[dict[str, Any]]) -> None:
    repair = Repair.model_validate({"ops": [op], "precondition": precondition})
    lib.add_skill(
        "stored", Trigger(kind=TriggerKind.TOOL_ERROR, tool="transfer"), Strategy(repair=repair),
        status=VersionStatus.ACTIVE,
    )  # fmt: skip


def _sent(op: dict[str, Any], precondition: list[dict[str, Any]], args: dict[str, Any], declared: bool) -> Any:
    lib = SkillLibrary(":memory:")
    _stored(lib, op, precondition)
    evo = Evolver(lib, seed=3)
    if declared:
        evo.register_tools(SCHEMA)
    with evo.episode(task="transfer") as ep:
        sent = ep.before_tool("transfer", dict(args))
        ep.on_tool_result("transfer", sent, "done")
        ep.finish(reward=1.0)
    evo.flush()
    return sent


OVERWRITES = {
    "a boolean flipped": ({"op": "set", "arg": "dry_run", "value": False}, [{"arg": "dry_run", "type": "bool"}]),
    "a constant over a sent value": (
        {"op": "set", "arg": "to", "value": "acct-main"},
        [{"arg": "to", "present": True}],
    ),
    "a rename onto a sent key": ({"op": "rename", "arg": "dest", "to": "to"}, [{"arg": "dest", "present": True}]),
    "a sent argument dropped": ({"op": "drop", "arg": "dry_run"}, [{"arg": "dry_run", "present": True}]),
}


def test_a_stored_overwrite_leaves_the_call_as_sent() -> None:
    args = {"amount": 5, "to": "acct-savings", "dest": "acct-old", "dry_run": True}
    changed = [
        (name, declared)
        for name, (op, pre) in OVERWRITES.items()
        for declared in (False, True)
        if _sent(op, pre, args, declared) != args
    ]
    assert changed == []


def test_control_a_rename_onto_an_absent_key_still_acts_before_the_call() -> None:
    sent = _sent({"op": "rename", "arg": "dest", "to": "to"}, [{"arg": "dest", "present": True}],
                 {"amount": 5, "dest": "acct-savings"}, declared=False)  # fmt: skip
    assert sent == {"amount": 5, "to": "acct-savings"}


def _verbose(values: list[bool], schema: bool) -> tuple[int, int]:
    """(calls sent without `verbose`, calls that failed) for a tool that refuses it in every call."""
    lib = SkillLibrary(":memory:")
    evo = Evolver(lib, seed=3)
    if schema:
        closed = {"properties": {"city": {"type": "string"}}, "required": ["city"], "additionalProperties": False}
        evo.register_tools({"weather": closed})
    dropped = failed = 0
    for i in range(2 + LATER):
        args = {"city": f"c{i}", "verbose": values[i % len(values)]}
        with evo.episode(task="weather") as ep:
            sent = ep.before_tool("weather", dict(args))
            if "verbose" not in sent:
                dropped += 1
                ep.on_tool_result("weather", sent, "sunny")
            else:
                failed += 1
                retry = ep.on_tool_error(
                    "weather", sent, TypeError("weather() got an unexpected keyword argument 'verbose'")
                )
                fixed = retry if retry is not None else {"city": args["city"]}
                ep.on_tool_result("weather", fixed, "sunny")
            ep.finish(reward=1.0)
    evo.flush()
    return dropped, failed


def test_control_an_argument_refused_in_every_value_is_dropped_before_the_call() -> None:
    dropped, _ = _verbose([True, False], schema=False)
    assert dropped > LATER // 2


def test_control_an_argument_a_closed_schema_leaves_out_is_dropped_before_the_call() -> None:
    dropped, _ = _verbose([True], schema=True)
    assert dropped > LATER // 2


def test_control_an_argument_refused_in_one_value_is_dropped_after_the_error_naming_it() -> None:
    lib = SkillLibrary(":memory:")
    evo = Evolver(lib, seed=3)
    retried = []
    for i in range(2 + LATER):
        args = {"city": f"c{i}", "verbose": True}
        with evo.episode(task="weather") as ep:
            sent = ep.before_tool("weather", dict(args))
            if "verbose" in sent:
                retry = ep.on_tool_error(
                    "weather", sent, TypeError("weather() got an unexpected keyword argument 'verbose'")
                )
                retried.append(retry)
                sent = retry if retry is not None else {"city": args["city"]}
            ep.on_tool_result("weather", sent, "sunny")
            ep.finish(reward=1.0)
        if i == 1:
            evo.flush()
    evo.flush()
    assert sum(r is not None and "verbose" not in r for r in retried[2:]) > LATER // 2
