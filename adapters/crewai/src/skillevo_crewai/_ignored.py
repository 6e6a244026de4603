"""Calls CrewAI turns down under ``tool_failure_policy=IGNORE``.

CrewAI reports a call it never ran (an unknown tool name, arguments that do not parse) only through
``handle_tool_failure``, which under ``IGNORE`` returns at once: the failure is neither collected
nor emitted, so nothing of it reached skillevo and the mistake was lost to the episode (before
2026-12-08: 0 of 4 such calls recorded; `_rejected` records the others). The policy says how CrewAI
reacts to a failure, not whether it happened, so skillevo wraps ``handle_tool_failure`` where CrewAI's
modules hold it while its hooks are registered, and hands a failure CrewAI ignored to `on_ignored`
(in the calling thread, the kickoff's context). The wrapper returns what CrewAI's function returns
and raises what it raises; a failure in skillevo's part is logged and never reaches the run.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from crewai.tools import tool_failure

from skillevo.adapters import record_error

__all__ = ["patch_ignored", "unpatch_ignored"]

#: where skillevo's wrapper is installed: (module, the function it replaced)
_patched: list[tuple[Any, Any]] = []
_WRAPS = "__skillevo_wraps__"
#: the name CrewAI's modules hold the function under
_NAME = "handle_tool_failure"

OnIgnored = Callable[[Any, str, Any, Any], None]


def _wrap(original: Any, on_ignored: OnIgnored) -> Any:
    def handle_tool_failure(failure: Any, *, tool_name: str, tool_args: Any = None, **kwargs: Any) -> Any:
        record = original(failure, tool_name=tool_name, tool_args=tool_args, **kwargs)
        if record is None:  # the policy said IGNORE: CrewAI collected and emitted nothing
            try:
                on_ignored(failure, tool_name, tool_args, kwargs.get("agent"))
            except Exception as exc:  # an observer: never the reason a kickoff fails
                record_error(None, "recording an ignored tool failure", exc)
        return record

    setattr(handle_tool_failure, _WRAPS, original)
    return handle_tool_failure


def patch_ignored(on_ignored: OnIgnored) -> None:
    """Wrap ``handle_tool_failure`` in every loaded CrewAI module that holds it (idempotent)."""
    if _patched:
        return
    original = getattr(tool_failure.handle_tool_failure, _WRAPS, tool_failure.handle_tool_failure)
    wrapper = _wrap(original, on_ignored)
    for name, module in list(sys.modules.items()):
        ours = name == "crewai" or name.startswith("crewai.")
        if ours and getattr(module, _NAME, None) is original:
            setattr(module, _NAME, wrapper)
            _patched.append((module, original))


def unpatch_ignored() -> None:
    """Put CrewAI's own function back where `patch_ignored` wrapped it."""
    while _patched:
        module, original = _patched.pop()
        if getattr(getattr(module, _NAME, None), _WRAPS, None) is original:
            setattr(module, _NAME, original)
