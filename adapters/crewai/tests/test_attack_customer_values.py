"""A customer's values sent through a CrewAI crew reach no file but as pseudonyms (attack40).

The task names the customer with their e-mail and phone; the model calls a tool (native calls and
the ReAct protocol) with a name in a script without letter case, a customer id spelling the name,
a birth date and an address record; the tool fails quoting them in other spellings, and on retry
returns the record as a JSON string. Every byte under the test's folder is searched.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from crewai import Agent, Crew, Task
from crewai.tools import tool as crewai_tool

from skillevo import Evolver, SkillLibrary
from skillevo_crewai import ScriptedLLM, evolving, last_observation

NEEDLES = ("李小龙", "lixiaolong_1984", "li.xl@mail.cn", "138 0013 8000", "1984-02-29", "29.02.1984", "88 nanjing")
ARGS = {
    "customer_name": "李小龙", "customer_id": "lixiaolong_1984", "date_of_birth": "1984-02-29",
    "home_address": {"line1": "88 Nanjing Road", "city": "Shanghai"},
}  # fmt: skip
seen: list[dict[str, Any]] = []


@crewai_tool("update_customer")
def update_customer(customer_name: str, customer_id: str, date_of_birth: str, home_address: dict[str, str]) -> str:
    """Update a customer's record."""
    seen.append({"customer_id": customer_id})
    if len(seen) % 2:
        raise ValueError(f"customer {customer_name} ({customer_id.upper()}) born 29.02.1984 is locked")
    return json.dumps({"customer": {"full_name": customer_name, "email": "li.xl@mail.cn"}})


def _policy(protocol: str) -> Callable[[list[dict[str, Any]]], Any]:
    ids = itertools.count()

    def policy(messages: list[dict[str, Any]]) -> Any:
        if protocol == "react":
            if last_observation(messages) is None:
                return f"Thought: t\nAction: update_customer\nAction Input: {json.dumps(ARGS, ensure_ascii=False)}"
            return "Thought: done\nFinal Answer: updated"
        if not any(m.get("role") == "tool" for m in messages):
            call = {"name": "update_customer", "arguments": json.dumps(ARGS, ensure_ascii=False)}
            return [{"id": f"call_{next(ids)}", "type": "function", "function": call}]
        return "updated"

    return policy


@pytest.mark.parametrize("protocol", ["react", "native"])
def test_a_customers_values_through_crewai_reach_no_file(tmp_path: Path, protocol: str) -> None:
    with SkillLibrary(tmp_path / "lib.db") as lib:
        evo = Evolver(lib, seed=0, mining="inline")
        for _ in range(2):
            with evolving(evo, reward=lambda out: 1.0) as ev:
                llm = ScriptedLLM(_policy(protocol), native=protocol == "native")
                agent = Agent(role="r", goal="g", backstory="b", llm=llm, tools=[update_customer], max_iter=4)
                about = "李小龙 (li.xl@mail.cn, +86 138 0013 8000) moved"
                task = Task(description=about, expected_output="x", agent=agent)
                ev(Crew(agents=[agent], tasks=[task])).kickoff()
        lib.flush()
        calls = [e for e in lib.events() if e.kind == "tool_call"]
    assert calls, "no tool call recorded"
    data = b"".join(p.read_bytes() for p in sorted(tmp_path.rglob("*")) if p.is_file()).lower()
    leaks = [n for n in NEEDLES if n.encode() in data]
    assert not leaks, leaks
