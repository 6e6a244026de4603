"""A customer's values sent through a LangGraph agent reach no file but as pseudonyms (attack40).

The user's message names the customer with their e-mail and phone; the model calls a tool with the
customer's name typed in lower case, a birth date and a nested address; the tool fails quoting the
name reversed in capitals and the date in another spelling, and on retry returns the customer's
record as a JSON string. Every byte under the test's folder (the library, its sidecar files, a log
file skillevo's loggers wrote into) is searched.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool

from skillevo import Evolver, SkillLibrary
from skillevo_langgraph import SkillMiddleware

sys.path.insert(0, str(Path(__file__).parent))
from lg_fakes import ScriptedChat

NEEDLES = ("okonkwo", "ngozi", "ngozi.o@mail.ng", "555 0142", "1988-11-23", "23.11.1988", "awolowo")


@tool
def update_customer(customer_name: str, date_of_birth: str, billing_address: dict[str, str]) -> str:
    """Update a customer's record."""
    if customer_name != customer_name.title():
        reversed_name = ", ".join(reversed(customer_name.split()))
        raise ValueError(f"no customer {customer_name.upper()!r} (as {reversed_name}), born 23.11.1988")
    return json.dumps({"customer": {"full_name": customer_name, "email": "ngozi.o@mail.ng"}, "status": "updated"})


def _policy(messages: Sequence[BaseMessage]) -> AIMessage:
    done = [m for m in messages if isinstance(m, ToolMessage)]
    if any(m.status != "error" for m in done):
        return AIMessage(content="updated")
    name = "Ngozi Okonkwo" if done else "ngozi okonkwo"
    args = {"customer_name": name, "date_of_birth": "1988-11-23", "billing_address": {"line1": "12 Awolowo Road"}}
    return AIMessage(content="", tool_calls=[{"name": "update_customer", "args": args, "id": f"c{len(done)}"}])


def test_a_customers_values_through_langgraph_reach_no_file(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    path = tmp_path / "lib.db"
    with SkillLibrary(path) as lib:
        mw = SkillMiddleware(Evolver(lib, seed=0, mining="inline"), reward=lambda s: 1.0)
        agent = create_agent(ScriptedChat(_policy), [update_customer], middleware=[mw])
        for _ in range(3):
            message = HumanMessage(content="Ngozi Okonkwo (ngozi.o@mail.ng, +234 803 555 0142) moved")
            agent.invoke({"messages": [message]})
        lib.flush()
        calls = [e for e in lib.events() if e.kind == "tool_call"]
    assert calls, "no tool call recorded"
    data = b"".join(p.read_bytes() for p in sorted(tmp_path.rglob("*")) if p.is_file()).lower()
    data += "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("skillevo")).lower().encode()
    leaks = [n for n in NEEDLES if n.encode() in data]
    assert not leaks, leaks
