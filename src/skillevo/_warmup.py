"""Heavy imports done at start-up, so the request path never pays for them.

The lifecycle's decisions (``prob_greater``: is a version better than doing nothing?) use
``scipy.stats``, whose import takes seconds. ``import skillevo`` and the CLI must not pay for it,
but a running agent would pay it inside its first tool call or ``finish()`` that reaches a
decision. An `Evolver` is the start-up of an agent process: it imports them when it is built.
"""

from __future__ import annotations

import importlib
import threading

__all__ = ["preload"]

#: the modules the request path may import on first use (see `_beta_compare.prob_greater`)
HEAVY = ("scipy.stats",)

_done = threading.Event()


def preload() -> None:
    """Import the request path's heavy modules once per process (a no-op after the first call)."""
    if _done.is_set():
        return
    for name in HEAVY:
        importlib.import_module(name)
    _done.set()
