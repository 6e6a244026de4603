"""How one tool call is named: its tool's name as every store holds it (`tool_name`) and the call
as a key (`CallKey`: the tool and its arguments as canonical JSON), what a repair waiting on the
call's outcome is filed under (`skillevo._tool_calls`)."""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from ._sanitize import clean_text, json_text, safe_str

__all__ = ["PENDING_REPORTS", "CallKey", "noted", "tool_name", "without"]

#: The newest failed calls whose error report may still follow their result's (`noted`): an adapter sends
#: it right after the result, with at most the other parallel calls of a turn between.
PENDING_REPORTS = 64

# `json.dumps(..., sort_keys=True, default=safe_str)` without building an encoder per call.
_KEY_JSON = json.JSONEncoder(sort_keys=True, default=safe_str)


class CallKey(NamedTuple):
    """One call: the tool and its arguments as canonical JSON."""

    tool: str
    args: str

    @classmethod
    def of(cls, tool: str, args: Any) -> CallKey:
        try:
            return cls(tool, _KEY_JSON.encode(args))
        except (TypeError, ValueError, RecursionError):
            return cls(tool, json_text(args))


def tool_name(name: object) -> str:
    """A tool name as every store holds it and every trigger is matched on: text, without NUL or
    lone surrogates (`clean_text`); an object that is not a string, as its ``str``."""
    if type(name) is str and name.isascii() and "\x00" not in name:  # its own clean text (most names)
        return name
    return clean_text(name if isinstance(name, str) else safe_str(name))


def noted(logged: tuple[CallKey, ...], key: CallKey) -> tuple[CallKey, ...]:
    """`logged` with `key` added, the oldest left out past `PENDING_REPORTS`: a failure reported by
    its result alone (a tool that returns its errors) is never reported again, and every call reads
    the tuple (before 2026-12-07 it grew with the episode: 4,000 such failures, 3x the time a call)."""
    return (*logged[-(PENDING_REPORTS - 1) :], key)


def without(logged: tuple[CallKey, ...], key: CallKey) -> tuple[CallKey, ...]:
    """`logged` without the entries of `key` (a call's earlier attempts)."""
    return tuple(k for k in logged if k != key)
