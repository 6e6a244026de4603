"""A code skill on a tool with no schema turns a value the call sent as text into an object.

With no declared schema, an answer's objects are held to the call's own (`shape_of`): a member none
of them had is refused. A value the call sent as text, a number or a list of those was free: the
skill could make ``user: "ana"`` the query operator ``{"$ne": null}`` (every user matches), a
``{"$gt": ""}`` inside a list, a list of text a list of ``{"admin": true}`` objects, or ``limit: 10``
``{"$where": ...}``: 4 of 4 were sent to the tool before the fix. Now a scalar may become another
scalar or a list of scalars (a cast, a wrap), never an object: 0 of 4, the error naming neither the
member nor its value.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from skillevo import SandboxError
from skillevo._code_fit import run_checked

ARGS = {"user": "ana", "tags": ["vip"], "limit": "10", "ids": []}
INVENTED = {
    "text made an operator": {**ARGS, "user": {"$ne": None}},
    "text made a list of operators": {**ARGS, "user": [{"$gt": ""}]},
    "list of text made objects": {**ARGS, "tags": [{"admin": True}]},
    "number made an operator": {**ARGS, "limit": {"$where": "sleep(100)"}},
}
HONEST = {
    "text cast to a number": {**ARGS, "limit": 10},
    "text wrapped in a list": {**ARGS, "user": ["ana"]},
    "list item changed": {**ARGS, "tags": ["VIP", "gold"]},
    "empty list filled": {**ARGS, "ids": [1, 2]},
    "value dropped": {"user": "ana", "tags": ["vip"]},
}


def _plug_in(answer: dict[str, Any]) -> Any:
    def run(code: str, tool: str, args: dict[str, Any], error: str) -> dict[str, Any]:
        return json.loads(json.dumps(answer))

    return run


def test_a_scalar_made_an_object_is_refused() -> None:
    sent = []
    for name, answer in INVENTED.items():
        try:
            run_checked(_plug_in(answer), None, "def repair(tool, args, error): ...", "find", dict(ARGS), "bad")
        except SandboxError as exc:
            assert "$" not in str(exc) and "admin" not in str(exc) and "\n" not in str(exc)
            continue
        sent.append(name)
    assert not sent, f"{len(sent)} of {len(INVENTED)} objects made of scalars were sent: {sent}"


@pytest.mark.parametrize("name", list(HONEST))
def test_casts_wraps_and_changes_still_pass(name: str) -> None:
    answer = HONEST[name]
    out = run_checked(_plug_in(answer), None, "def repair(tool, args, error): ...", "find", dict(ARGS), "bad")
    assert out == answer
