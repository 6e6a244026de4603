"""A synonym chosen among one tool's members is not offered where another member may be the one meant.

World: ``close_ticket`` declares ``status`` as ``open|deleted``; the agent writes ``"archive"``, the
tool rejects it listing its members, and the agent picks ``deleted`` (the nearest it has). The
synonym transfer (2026-12-07) offered ``archive -> deleted`` to every tool declaring ``deleted`` and
not ``archive``: ``set_status``, whose enum is ``open|archived|deleted``, had its first ``"archive"``
sent as ``deleted`` before the model saw anything (its own ``archived`` never chosen). A choice among
a tool's members transfers only to tools offering no member the source did not (the choice was made
among all of them), as it does between tools of one enum.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from skillevo import Evolver, SkillLibrary

SOURCE = ["open", "deleted"]
WIDER = ["open", "archived", "deleted"]
SCHEMAS = {
    "close_ticket": {"properties": {"ref": {"type": "string"}, "status": {"type": "string", "enum": SOURCE}}},
    "update_ticket": {"properties": {"ref": {"type": "string"}, "status": {"type": "string", "enum": SOURCE}}},
    "set_status": {"properties": {"ref": {"type": "string"}, "status": {"type": "string", "enum": WIDER}}},
}


def _run(tool: str, status: str) -> Any:
    members = SCHEMAS[tool]["properties"]["status"]["enum"]
    if status not in members:
        detail = [{"loc": ["body", "status"], "msg": f"must be one of: {', '.join(members)}", "input": status}]
        return "HTTP 422 Unprocessable Entity: " + json.dumps({"detail": detail})
    return {"ok": True, "status": status}


def _call(ep: Any, tool: str, status: str, correction: str) -> str:
    """The status the tool received first."""
    first = ep.before_tool(tool, {"ref": "t-1", "status": status})
    result = _run(tool, first["status"])
    if ep.on_tool_result(tool, first, result):
        ep.on_tool_error(tool, first, result)
        fixed = ep.before_tool(tool, {"ref": "t-1", "status": correction})
        ep.on_tool_result(tool, fixed, _run(tool, fixed["status"]))
    return str(first["status"])


@pytest.fixture
def evo() -> Iterator[Evolver]:
    with SkillLibrary(":memory:") as lib:
        evolver = Evolver(lib, seed=1, cache_ttl_s=float("inf"), sandbox=None)
        evolver.register_tools(SCHEMAS)
        yield evolver


def test_a_synonym_is_not_offered_where_the_tool_declares_a_member_the_source_lacked(evo: Evolver) -> None:
    for i in range(20):  # the agent also sends "deleted" unprompted: the member is its own word
        with evo.episode(task=f"close {i}") as ep:
            _call(ep, "close_ticket", "deleted", "deleted")
            _call(ep, "close_ticket", "archive", "deleted")
            ep.finish(reward=1.0)
        evo.flush(60)
    firsts = []
    for i in range(6):
        with evo.episode(task=f"archive {i}") as ep:
            firsts.append(_call(ep, "set_status", "archive", "archived"))
            ep.finish(reward=1.0)
        evo.flush(60)
    assert "deleted" not in firsts  # before: the tool's first "archive" sent as deleted
    assert not [s for s in evo.store.skills() if s.trigger.tool == "set_status"
                for v in s.versions if v.strategy.repair is not None
                and "deleted" in json.dumps(v.strategy.repair.model_dump(mode="json"))]
