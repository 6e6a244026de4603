"""A validation error that names an argument called for a timeout, a quota or a rate is no transient error.

Ops tools take ``timeout_seconds``, ``connectTimeout``, ``quota_gb``, ``rate_limit_rps``,
``retry_after_s``: an error rejecting such an argument's value (``Error: timeout_seconds must be an
integer, got '5m'``, a Kubernetes ``spec.timeoutSeconds: Invalid value``) names the argument, and
before 2026-12-07 its words made the failure a ``transient`` or ``rate_limit`` one: the rule mined
from it told the model to "wait and retry the same call instead of changing the arguments", and the
call was retried unchanged. An identifier in a message that reads as a rejected value (``must be``,
``invalid value``, ``expected integer`` ...) is the argument's name, not what happened; a message
whose own words say it (``Request timed out``, ``429 Too Many Requests``), an error code or class
(``rate_limit_exceeded``, ``RateLimitError``, ``DEADLINE_EXCEEDED``) stays what it was.
"""

from __future__ import annotations

from typing import Any

import pytest

from skillevo import Evolver, SkillLibrary
from skillevo._detect import classify_error

REJECTED = [
    "Error: timeout_seconds must be an integer, got '5m'",
    'invalid value "5m" for field timeout_seconds: strconv.ParseInt: parsing "5m": invalid syntax',
    "Error: connectTimeout must be a number",
    "field request_timeout_ms: expected integer, got string",
    'Widget "w" is invalid: spec.timeoutSeconds: Invalid value: "5m": must be of type integer',
    "Error: quota_gb must be an integer",
    "rate_limit_rps: must be a positive integer",
    "Error: retry_after_s must be a number",
    "Error: is_busy must be a boolean",
]
STILL = {
    "Error: Request timed out after 30s": "transient",
    "503 Service Unavailable": "transient",
    "429 Too Many Requests: retry after 2 seconds": "rate_limit",
    '{"error": {"type": "rate_limit_error", "message": "slow down"}}': "rate_limit",
    '{"error": "rate_limit_exceeded"}': "rate_limit",
    '{"error": "request_timeout"}': "transient",
    "Error: upstream timeout, must be retried later": "transient",
}


@pytest.mark.parametrize("message", REJECTED)
def test_a_rejected_argument_named_for_a_timeout_or_rate_is_not_transient(message: str) -> None:
    assert classify_error(message) not in ("transient", "rate_limit"), message


@pytest.mark.parametrize(("message", "category"), sorted(STILL.items()))
def test_errors_that_say_a_timeout_or_rate_limit_keep_their_category(message: str, category: str) -> None:
    assert classify_error(message) == category


def test_exception_classes_keep_their_category() -> None:
    assert classify_error("slow down", "RateLimitError") == "rate_limit"
    assert classify_error("read failed", "ReadTimeout") == "transient"


def _run(evo: Evolver, i: int) -> None:
    with evo.episode(task=f"restart {i}") as ep:
        args: dict[str, Any] = {"service": "api", "timeout_seconds": "5m"}
        for _attempt in range(3):
            sent = ep.before_tool("restart_service", args)
            ok = isinstance(sent.get("timeout_seconds"), int)
            result = {"restarted": True} if ok else (
                f"Error: timeout_seconds must be an integer, got {sent['timeout_seconds']!r}")
            if not ep.on_tool_result("restart_service", sent, result):
                break
            ep.on_tool_error("restart_service", sent, result)
            args = {**args, "timeout_seconds": 300}
        ep.finish(reward=1.0)


def test_no_wait_and_retry_rule_is_learned_from_a_rejected_timeout_argument() -> None:
    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, seed=0, mining="inline")
        for i in range(4):
            _run(evo, i)
        texts = [str(v.strategy.model_dump(exclude_none=True)) for s in lib.skills() for v in s.versions]
        assert not any("retry" in t.lower() and "same call" in t for t in texts), texts
        assert not any(s.trigger.error_type in ("transient", "rate_limit") for s in lib.skills())
