"""A Kubernetes-style API ``Status`` object that reports ``"status": "Failure"`` is a failed call.

The Kubernetes API (and every client or MCP server that hands its body back) answers a rejected
request with ``{"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
"message": ..., "reason": "Invalid", "details": {"causes": [...]}, "code": 422}``. Before
2026-12-07 that result was a success: its ``kind``, ``apiVersion`` and ``metadata`` members are no
error envelope's and ``"Failure"`` was not read as a status flag, so a tool answering that way
taught nothing and its rejected calls were never repaired (a held-out cloud-ops world, h/world11).
Only that convention's own object is read so: a record whose ``kind`` is something else (a CI
build that failed, a pod whose phase is ``Failed``) is data about that thing.
"""

from __future__ import annotations

import json
from typing import Any

from skillevo import Evolver, SkillLibrary
from skillevo._detect import detect_failure


def _status(message: str, status: str = "Failure", code: int = 422) -> dict[str, Any]:
    return {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": status, "message": message,
        "reason": "Invalid",
        "details": {"name": "w-1", "kind": "Widget", "causes": [
            {"reason": "FieldValueInvalid", "message": "Invalid value: \"Big\"", "field": "spec.size"}]},
        "code": code,
    }


def test_a_failure_status_object_is_a_failure_as_object_and_as_text() -> None:
    obj = _status('Widget "w-1" is invalid: spec.size: Invalid value: "Big": must be an integer')
    for result in (obj, json.dumps(obj)):
        failure = detect_failure(result)
        assert failure is not None, result
        assert "spec.size" in failure.message and "must be an integer" in failure.message


def test_a_success_status_and_records_of_other_kinds_are_not_failures() -> None:
    assert detect_failure(_status("deleted", status="Success", code=200)) is None
    build = {"kind": "build", "apiVersion": "ci/v2", "metadata": {"name": "b-7"}, "status": "Failure",
             "message": "step 3 exited 1"}
    pod = {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "p"}, "status": {"phase": "Failed"}}
    for record in (build, pod, json.dumps(build), json.dumps(pod)):
        assert detect_failure(record) is None, record


def test_failure_is_a_flag_only_in_a_status_object() -> None:
    # JSend's flags are "error" and "fail"; "Failure" is the Kubernetes Status object's word, and
    # read as a flag only there: a record with no kind that says a thing's status (a CI build's
    # ``{"status": "failure", "message": ...}``) is the answer of a call that worked, as before
    # 2026-12-07, never a failure to mine and repair.
    build = {"status": "failure", "message": "step 3 exited 1"}
    for record in (build, {**build, "code": "E1"}, {"status": "Failure"}, json.dumps(build)):
        assert detect_failure(record) is None, record
    assert detect_failure({"status": "fail", "message": "step 3 exited 1"}) is not None  # JSend's own


def test_a_tool_answering_with_a_failure_status_is_recorded_as_failed() -> None:
    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, seed=0)
        with evo.episode(task="resize") as ep:
            result = json.dumps(_status('Widget "w-1" is invalid: spec.size: Invalid value: "Big"'))
            assert ep.on_tool_result("resize_widget", {"size": "Big"}, result)
            ep.finish(reward=0.0)
