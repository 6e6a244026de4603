"""A code skill on a tool with no schema adds members inside an object the call sent.

With no declared schema, an answer may keep, change or drop the call's own arguments and add none
(`tests/test_attack_code_no_schema_keys.py`). The rule read only the top level: inside an object the
call sent (``filter: {status}``, ``legs: [{origin}]``), an invented ``admin: true``, a
``callback_url``, a ``passenger`` added to one item of a list of objects and a ``tenant`` two levels
down were sent to the tool (4 of 4 before the fix). Now the call's own objects hold the answer's as
its arguments do: a member the call's object did not have is refused (0 of 4), naming neither the
member nor its value; a member's value changed or dropped, and text made a list of text, still pass.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from skillevo import SandboxError
from skillevo._code_fit import run_checked

ARGS = {"filter": {"status": "open", "range": {"lo": 1}}, "legs": [{"origin": "OSL"}], "q": "x"}


def _with(**changes: Any) -> dict[str, Any]:
    answer: dict[str, Any] = json.loads(json.dumps(ARGS))
    for path, value in changes.items():
        *parents, last = path.split("__")
        node: Any = answer
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[last] = value
    return answer


INVENTED = {
    "flag in a filter": _with(filter__admin=True),
    "callback in a filter": _with(filter__callback_url="http://collect.example/x"),
    "member added to a list item": _with(legs__0__passenger="Mallory"),
    "member two levels down": _with(filter__range__tenant="*"),
}
HONEST = {
    "member's value changed": _with(filter__status="closed"),
    "nested value changed": _with(filter__range__lo=2),
    "text to a list of text": _with(q=["x"]),  # (made an object: `test_attack_code_no_schema_operators.py`)
    "member dropped": {**ARGS, "filter": {"status": "open"}},
}


def _plug_in(answer: dict[str, Any]) -> Any:
    def run(code: str, tool: str, args: dict[str, Any], error: str) -> dict[str, Any]:
        return json.loads(json.dumps(answer))

    return run


def test_members_invented_inside_the_calls_objects_are_refused() -> None:
    sent = []
    for name, answer in INVENTED.items():
        try:
            run_checked(_plug_in(answer), None, "def repair(tool, args, error): ...", "search", dict(ARGS), "bad")
        except SandboxError as exc:
            text = str(exc)
            assert "admin" not in text and "Mallory" not in text and "tenant" not in text and "\n" not in text
            continue
        sent.append(name)
    assert not sent, f"{len(sent)} of {len(INVENTED)} invented members were sent: {sent}"


@pytest.mark.parametrize("name", list(HONEST))
def test_changed_or_dropped_members_still_pass(name: str) -> None:
    answer = HONEST[name]
    out = run_checked(_plug_in(answer), None, "def repair(tool, args, error): ...", "search", dict(ARGS), "bad")
    assert out == answer
