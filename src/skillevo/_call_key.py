"""How one tool call is named: its tool's name as every store holds it (`tool_name`) and the call
as a key (`CallKey`: the tool and its arguments as canonical JSON), what a repair waiting on the
call's outcome is filed under (`skillevo._tool_calls`)."""

from __future__ import annotations

import hashlib
import json
from typing import Any, NamedTuple

from ._sanitize import clean_text, json_text, safe_str

__all__ = ["MAX_TOOL_NAME", "PENDING_REPORTS", "CallKey", "bounded_name", "noted", "tool_name", "without"]

#: The newest failed calls whose error report may still follow their result's (`noted`): an adapter sends
#: it right after the result, with at most the other parallel calls of a turn between.
PENDING_REPORTS = 64
#: The longest tool name held as it is (real ones are at most 64 or 128 characters); a longer one is
#: held as its head and a digest of the whole (`tool_name`).
MAX_TOOL_NAME = 256
_HEAD = MAX_TOOL_NAME - 34  # the head kept, "~" and 32 hex digits of the digest after it

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
    lone surrogates (`clean_text`); an object that is not a string, as its ``str``; at most
    `MAX_TOOL_NAME` characters.

    A name is the tool provider's text (an MCP server's) or the model's (a tool it made up), and it
    is stored in every event of every call: one longer than the bound is held as its head and a
    digest of the whole, so it is stored bounded (before 2026-12-08 a 1 MiB name was stored whole in
    each event of a call, and redacted in full at the episode's end, seconds a call), and two names
    that differ only past the head stay two tools."""
    if type(name) is str and len(name) <= MAX_TOOL_NAME and name.isascii() and "\x00" not in name:
        return name  # its own clean text (most names)
    return bounded_name(clean_text(name if isinstance(name, str) else safe_str(name)))


def bounded_name(text: str) -> str:
    """`text` (a name: a tool's, an exception class's) when it has at most `MAX_TOOL_NAME`
    characters; else its head and a digest of the whole, so names that differ only past the head
    stay apart."""
    if len(text) <= MAX_TOOL_NAME:
        return text
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
    return f"{text[:_HEAD]}~{digest}"


def noted(logged: tuple[CallKey, ...], key: CallKey) -> tuple[CallKey, ...]:
    """`logged` with `key` added, the oldest left out past `PENDING_REPORTS`: a failure reported by
    its result alone (a tool that returns its errors) is never reported again, and every call reads
    the tuple (before 2026-12-07 it grew with the episode: 4,000 such failures, 3x the time a call)."""
    return (*logged[-(PENDING_REPORTS - 1) :], key)


def without(logged: tuple[CallKey, ...], key: CallKey) -> tuple[CallKey, ...]:
    """`logged` without the entries of `key` (a call's earlier attempts)."""
    return tuple(k for k in logged if k != key)
