"""A change detector's reward history as it is stored: one short string, not a JSON array.

Every posterior update stores the credited arm's last rewards (they seed the detector of a process
that attaches later), so their encoding is paid on every update: a JSON array of 256 floats cost
about 40 us to encode and, on PostgreSQL, about 100 us for the server to parse into jsonb numerics
and rewrite. A reward of 0 or 1 (what nearly every call site credits) is one character here, any
other reward its exact ``repr`` in parentheses, so the text round-trips every float exactly:
``[1.0, 0.0, 0.5, 1.0]`` is ``"10(0.5)1"``. The selector keeps each arm's tokens next to its
history, so writing them is one ``str.join``.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["decode_rewards", "reward_token"]

_TOKENS = re.compile(r"[01]|\(([^()]*)\)")


def reward_token(reward: float) -> str:
    """The stored text of one reward in [0, 1]."""
    if reward == 1.0:
        return "1"
    if reward == 0.0:
        return "0"
    return f"({reward!r})"


def decode_rewards(stored: Any) -> list[float] | None:
    """The rewards of a stored history: the text form, or the JSON list older versions wrote;
    None for anything else (a history that does not parse seeds nothing)."""
    if isinstance(stored, list):
        try:
            rewards = [float(x) for x in stored]
        except (TypeError, ValueError, OverflowError):  # OverflowError: an int too wide for a float
            return None
        # The text form's rule: every reward in [0, 1] (NaN fails it), else the history seeds nothing.
        return rewards if all(0.0 <= r <= 1.0 for r in rewards) else None
    if not isinstance(stored, str):
        return None
    out: list[float] = []
    pos = 0
    for match in _TOKENS.finditer(stored):
        if match.start() != pos:
            return None
        pos = match.end()
        token = match.group(1)
        try:
            value = float(match.group(0)) if token is None else float(token)
        except ValueError:
            return None
        if not 0.0 <= value <= 1.0:
            return None
        out.append(value)
    return out if pos == len(stored) else None
