"""A code skill's answer held to its tool's declared schema, where the skill changed it.

A code skill is untrusted code; its answer is the call the tool receives next. Where the tool
declared its JSON schema (`Evolver.register_tools`, as the adapters declare every tool), each
argument the answer adds must be declared, and each value it writes (added or changed) must conform
to its declaration (`skillevo._conform.conforms`): an ``admin: true`` the tool never declared, a
declared integer turned into text carrying SQL, a string turned into a query object are refused
before the tool sees them. What the agent itself sent is not the skill's doing: an undeclared
argument of the original call, or a non-conforming value, may ride along unchanged. The error names
the rule broken, never an argument's name or value (both may be the attacker's or the customer's).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._code_seal import RunCode, run_sealed
from ._conform import conforms, json_type
from ._errors import SandboxError

__all__ = ["run_checked"]


def _misfit(schema: Mapping[str, Any], args: Mapping[str, Any], answer: Mapping[str, Any]) -> str | None:
    props = schema.get("properties")
    if not isinstance(props, Mapping):
        return None
    for key, value in answer.items():
        declared = props.get(key)
        if not isinstance(declared, Mapping):
            if key not in args:
                return "an argument the tool does not declare"
            continue
        if key in args and json_type(args[key]) == json_type(value) and args[key] == value:
            continue  # unchanged: the agent's own value
        if not conforms(value, declared):
            return "a value its declared type or values refuse"
    return None


def run_checked(
    run: RunCode, schema: Mapping[str, Any] | None, code: str, tool: str, args: dict[str, Any], message: str
) -> Any:
    """`run_sealed`, then the answer held to `schema` (None: the tool declared none, not judged).

    Raises:
        SandboxError: the skill failed, or its answer adds or writes what the schema refuses.
    """
    answer = run_sealed(run, code, tool, args, message)
    if schema is not None and isinstance(answer, dict):
        why = _misfit(schema, args, answer)
        if why is not None:
            raise SandboxError(f"code skill failed: repair() returned {why} (the tool's declared schema)")
    return answer
