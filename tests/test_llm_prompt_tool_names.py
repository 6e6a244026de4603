"""A tool name the run used reaches a model's prompt only when a declaration wrote it or it names no record.

`LLMMiner` writes the failing tool's name into its prompt, and the miner sees no tool catalog: every
name of a recorded call was taken as declared, whose numbers are exempt from the record rule (five
digits name one record). A tool the agent made up for one customer (``lookup_customer_48213``,
never registered) sent that customer's number to the model with every failure mined (before
2026-12-08). The Evolver now tells its miners which tools its catalog declares; a registered tool's
number still names the tool, and an undeclared name without a record's number is still asked about.
"""

from __future__ import annotations

from typing import Any

from skillevo import Evolver, LLMMiner, SkillLibrary

_SCHEMA = {"type": "object", "properties": {"limit": {"type": "integer"}}}


def _prompts(tool: str, *, register: bool) -> list[str]:
    seen: list[str] = []

    def complete(prompt: str) -> str:
        seen.append(prompt)
        return "{}"

    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, seed=0, mining="inline", miner=LLMMiner(complete))
        if register:
            evo.register_tools({tool: _SCHEMA})
        for i in range(2):
            with evo.episode(task=f"lookup {i}") as ep:
                args: dict[str, Any] = {"limit": "10"}
                sent = ep.before_tool(tool, args)
                out = "Error: limit must be an integer"
                if ep.on_tool_result(tool, sent, out):
                    ep.on_tool_error(tool, sent, out)
                ep.finish(reward=0.0)
    return seen


def test_an_undeclared_tool_named_for_a_record_is_not_shown_to_the_model() -> None:
    prompts = _prompts("lookup_customer_48213", register=False)
    assert not any("48213" in p for p in prompts), prompts


def test_a_declared_tool_with_a_number_is_still_asked_about() -> None:
    prompts = _prompts("orders_api_v20240101", register=True)
    assert prompts and all("orders_api_v20240101" in p for p in prompts)


def test_an_undeclared_tool_without_a_record_is_still_asked_about() -> None:
    prompts = _prompts("lookup_customer", register=False)
    assert prompts and all("lookup_customer" in p for p in prompts)


def test_an_argument_named_for_a_record_is_not_shown_to_the_model() -> None:
    seen: list[str] = []

    def complete(prompt: str) -> str:
        seen.append(prompt)
        return "{}"

    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, seed=0, mining="inline", miner=LLMMiner(complete))
        with evo.episode(task="lookup") as ep:
            sent = ep.before_tool("lookup", {"acct_88812345678": "x", "limit": "10"})
            out = "Error: limit must be an integer"
            if ep.on_tool_result("lookup", sent, out):
                ep.on_tool_error("lookup", sent, out)
            ep.finish(reward=0.0)
    assert seen and not any("88812345678" in p for p in seen), seen
    assert all("limit" in p for p in seen)
