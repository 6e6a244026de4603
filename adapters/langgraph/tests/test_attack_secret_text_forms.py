"""Secrets a LangGraph tool hands back as text reach no file (2026-12-07, attack16's pass).

A ``ToolMessage`` carries a tool's result as a string, and a tool's exception as its text. Before:
a configuration the tool returned as a JSON string (``{"env": [{"name": "DB_PASSWORD", "value":
...}]}``) and a pydantic ``ValidationError`` of the tool's own settings, wrapped in the tool's
exception, which quotes the host's token under ``input_value=`` two lines below the field's name,
both put the secret into the library file (neither secret is in the call's arguments, so no
known-echo hid it).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

from langchain.agents import create_agent
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool
from pydantic import BaseModel, Field, ValidationError

from skillevo import Evolver, SkillLibrary
from skillevo_langgraph import SkillMiddleware

sys.path.insert(0, str(Path(__file__).parent))
from lg_fakes import ScriptedChat

DB_PASSWORD = "Wp4nRt8Lq2Vz"
HOST_TOKEN = "hT6kQw9Zr3Xv5Nb"  # no vendor prefix: only where it stands can say it is a secret


class _Settings(BaseModel):
    api_token: str = Field(pattern=r"^tok_")


@tool
def read_config(service: str) -> str:
    """Read a service's deployment settings."""
    return json.dumps({"service": service, "env": [{"name": "DB_PASSWORD", "value": DB_PASSWORD}]})


@tool
def connect_store(store: str) -> str:
    """Connect to a store with the host's settings."""
    try:
        _Settings(api_token=HOST_TOKEN)  # the host's token does not validate
    except ValidationError as exc:  # wrapped, as clients do: LangGraph shows the tool's own text
        raise RuntimeError(f"cannot connect to {store}: {exc}") from None
    return "connected"


def _policy(messages: Sequence[BaseMessage]) -> AIMessage:
    if any(isinstance(m, ToolMessage) for m in messages):
        return AIMessage(content="done")
    calls = [
        {"name": "read_config", "args": {"service": "shop"}, "id": "c1"},
        {"name": "connect_store", "args": {"store": "eu-1"}, "id": "c2"},
    ]
    return AIMessage(content="", tool_calls=calls)


def test_a_secret_in_a_tools_text_reaches_no_file(tmp_path: Path) -> None:
    path = tmp_path / "lib.db"
    with SkillLibrary(path) as lib:
        mw = SkillMiddleware(Evolver(lib, seed=0, mining="inline"), reward=lambda s: 0.0)
        agent = create_agent(ScriptedChat(_policy), [read_config, connect_store], middleware=[mw])
        for _ in range(2):
            agent.invoke({"messages": [HumanMessage(content="check the shop")]})
        lib.flush()
        assert len(lib.episodes()) == 2
    data = b"".join(p.read_bytes() for p in sorted(tmp_path.glob("lib.db*")))
    assert b"connect_store" in data and b"DB_PASSWORD" in data  # the calls and the names were recorded
    assert DB_PASSWORD.encode() not in data
    assert HOST_TOKEN.encode() not in data
