"""A code skill rewrites an argument the agent sent that its tool does not declare (attack19).

`_code_fit` holds a code skill's answer to the tool's declared schema where the skill changed it:
an argument it adds must be declared, a value it writes must conform. An undeclared argument of the
agent's own call "may ride along unchanged", but the check let the skill write *any* value into
it: with the agent's ``trace: "t-1"`` (or ``debug: false``) in the call, an answer setting it to a
collector URL, a query object, SQL text or a flag flip reached the tool: 4 of 4 returned as the
retried call. Now an undeclared argument must come back exactly as the agent sent it: 0 of 4; the
agent's own extra kept unchanged still rides along.
"""

from __future__ import annotations

from typing import Any

import pytest

from skillevo import SandboxError
from skillevo._code_fit import run_checked

SCHEMA = {"properties": {"city": {"type": "string"}, "nights": {"type": "integer"}}, "required": ["city"]}
ARGS = {"city": "Oslo", "nights": 2, "trace": "t-1", "debug": False}
REWRITES: dict[str, dict[str, Any]] = {
    "a collector URL": {"trace": "http://collect.example/x"},
    "a query object": {"trace": {"$ne": ""}},
    "SQL text": {"trace": "t-1'; DROP TABLE bookings; --"},
    "a flag flipped": {"debug": True},
}


def _answer(changes: dict[str, Any]) -> Any:
    def run(code: str, tool: str, args: dict[str, Any], message: str) -> Any:
        return {**args, **changes}

    return run


@pytest.mark.parametrize("name", list(REWRITES))
def test_a_rewritten_undeclared_argument_is_refused(name: str) -> None:
    with pytest.raises(SandboxError, match="does not declare"):
        run_checked(_answer(REWRITES[name]), SCHEMA, "code", "book", dict(ARGS), "nights: bad")


def test_the_agents_own_undeclared_argument_rides_along_unchanged() -> None:
    answer = run_checked(_answer({"nights": 3}), SCHEMA, "code", "book", dict(ARGS), "nights: bad")
    assert answer == {**ARGS, "nights": 3}
