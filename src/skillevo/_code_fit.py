"""A code skill's answer held to strict JSON and to its tool's declared schema, where the skill changed it.

Whatever `Sandbox` ran the skill (`ProcessSandbox` or a plug-in), the host's side of the call never
raises anything but a `SandboxError` into the agent (a plug-in's own exception, arguments too deep
to seal, are `SandboxNotRun`: nothing is credited), and its answer reaches the tool only as a dict of
strict JSON (no set, ``NaN``, key that is not text, nesting past 64).

A code skill is untrusted code; its answer is the call the tool receives next. Where the tool
declared its JSON schema (`Evolver.register_tools`, as the adapters declare every tool), each
argument the answer adds must be declared, and each value it writes (added or changed) must conform
to its declaration (`skillevo._conform.conforms`), members it adds inside a declared object included
(`skillevo._added_members`): an ``admin: true`` the tool never declared, a
declared integer turned into text carrying SQL, a string turned into a query object are refused
before the tool sees them. What the agent itself sent is not the skill's doing: an undeclared
argument of the original call, or a non-conforming value, may ride along unchanged (and only
unchanged: a skill writing a new value into an undeclared argument is refused too). Where the tool
declared no schema, there is nothing to hold an added argument to: the answer may keep, change or
drop the call's own arguments, never add one the call did not have (an invented ``admin: true``), nor
a member inside an object the call sent (`skillevo._added_members.shape_of`).
The error names the rule broken, never an argument's name or value (both may be the attacker's or
the customer's).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from ._added_members import added_member, shape_of
from ._code_seal import RunCode, run_sealed
from ._conform import conforms, json_type
from ._errors import SandboxError, SandboxNotRun
from ._sandbox_result import not_strict_json

__all__ = ["SMOKE", "run_checked"]

#: The schema an import's smoke run is judged under: a synthetic call with no arguments, whose answer
#: no tool receives (any keys; strict JSON all the same). A live call passes the tool's own, or None.
SMOKE: Mapping[str, Any] = MappingProxyType({})


def _invented(args: Mapping[str, Any], answer: Mapping[str, Any]) -> str | None:
    if any(key not in args for key in answer):
        return "an argument the call did not have (the tool declares no schema to hold it to)"
    return None


def _misfit(schema: Mapping[str, Any], args: Mapping[str, Any], answer: Mapping[str, Any]) -> str | None:
    props = schema.get("properties")
    if not isinstance(props, Mapping):
        return None
    for key, value in answer.items():
        # unchanged (same JSON type and value: 1 is not True): the agent's own value
        unchanged = key in args and json_type(args[key]) == json_type(value) and args[key] == value
        declared = props.get(key)
        if not isinstance(declared, Mapping):
            if key not in args:
                return "an argument the tool does not declare"
            if not unchanged:  # no declaration to hold a new value to: only the agent's own rides along
                return "a new value for an argument the tool does not declare"
            continue
        if unchanged:
            continue
        if not conforms(value, declared):
            return "a value its declared type or values refuse"
        # The same rule inside an object: a member the answer adds there must be declared too.
        inside = added_member(value, args.get(key), declared)
        if inside is not None:
            return inside
    return None


def run_checked(
    run: RunCode, schema: Mapping[str, Any] | None, code: str, tool: str, args: dict[str, Any], message: str
) -> Any:
    """`run_sealed`, then the answer held to `schema` (None: the tool declared none, so the answer
    may hold only the call's own argument names; `SMOKE`: an import's smoke run, keys not judged).

    Raises:
        SandboxNotRun: nothing ran (see `run_sealed`), or the sandbox failed with another exception.
        SandboxError: the skill failed, its answer is not a dict of strict JSON, or it adds or writes
            what the schema refuses (with no schema: adds an argument the call did not have).
    """
    try:
        answer = run_sealed(run, code, tool, args, message)
    except SandboxError:
        raise
    except Exception as exc:  # a plug-in sandbox (or the host's own path) failing is never the run's end
        raise SandboxNotRun(f"code skill not run: the sandbox failed ({type(exc).__name__})") from None
    if answer is None:
        return None
    # Whatever `Sandbox` ran it: the answer is a call's arguments, as strict JSON a tool can take.
    if not isinstance(answer, dict):
        raise SandboxError("code skill failed: repair() returned something other than a dict of arguments")
    problem = not_strict_json(answer)
    if problem is not None:
        raise SandboxError(f"code skill failed: repair() returned values {problem}")
    if schema is None:
        why = _invented(args, answer) or next(
            (why for key, value in answer.items() if (why := added_member(value, args[key], shape_of(args[key])))),
            None,
        )
        if why is not None:
            raise SandboxError(f"code skill failed: repair() returned {why}")
    elif schema is not SMOKE:
        why = _misfit(schema, args, answer)
        if why is not None:
            raise SandboxError(f"code skill failed: repair() returned {why} (the tool's declared schema)")
    return answer
