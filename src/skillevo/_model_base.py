"""The base of the data model (`_models`): frozen models, ids, the time source, trigger regex checks."""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable

from pydantic import BaseModel, ConfigDict, ValidationInfo

from ._regex import pattern_error

__all__ = ["DATE_FORMAT_MAX_CHARS", "STRIP_MAX_CHARS", "Frozen", "bounded_text", "check_regex", "new_id", "now"]


def new_id() -> str:
    """A random 32-hex-digit id, unique across hosts (a version-4 UUID's hex)."""
    # uuid4().hex without building a UUID object (one per episode, on the agent's thread).
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
    return raw.hex()


def now() -> float:
    return time.time()


_REGEX_SYNTAX = frozenset("\\[](){}*+?|^$.")
# A literal this short compiles within the program bound whatever its case folding (at most a few
# instructions a character), so it needs no compile to be known good.
_SHORT_LITERAL = 200


@functools.lru_cache(maxsize=65536)
def _regex_error(value: str, stored: bool = False) -> str | None:
    # Reading a library validates every trigger; only the verdict is cached here (the compiled
    # patterns have their own cache in `_regex`). Patterns are matched by the linear-time engine,
    # so one it cannot compile (backreferences, lookaround) or whose program is too large is
    # refused here, at creation; one read back from a store (`stored`) only when RE2 cannot compile it.
    if len(value) <= _SHORT_LITERAL and _REGEX_SYNTAX.isdisjoint(value):
        return None
    return pattern_error(value, stored)


def check_regex(value: str | None, info: ValidationInfo) -> str | None:
    if value is not None:
        stored = bool(info.context and info.context.get("stored"))
        error = _regex_error(value, stored)
        if error is not None:
            raise ValueError(f"{error}: {value!r}")
    return value


class Frozen(BaseModel):
    # No NaN or infinity anywhere in a skill (a JSON value ``1e999`` is one): PostgreSQL's JSON and
    # every strict JSON reader refuse them, so such a skill could be neither stored nor exported.
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


#: Longest date format a `ReformatDate` takes (skillevo's own are at most 17 characters).
DATE_FORMAT_MAX_CHARS = 64
#: Most characters a `Strip` takes off a value's ends.
STRIP_MAX_CHARS = 64


def bounded_text(limit: int) -> Callable[[str | None, ValidationInfo], str | None]:
    """A validator refusing a text longer than `limit`, except one read back from a store (`_STORED`
    context): a version written before the bound stays readable (`skillevo._repair` applies no
    date format past it)."""

    def check(value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and len(value) > limit and not (info.context and info.context.get("stored")):
            raise ValueError(f"longer than {limit} characters")
        return value

    return check
