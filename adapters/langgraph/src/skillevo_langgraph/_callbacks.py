"""The callback handlers of the current run, read without building a callback manager.

``CallbackManager.configure`` (what ``dispatch_custom_event`` and ``get_callback_manager_for_config``
call) copies the run's handlers, tags and metadata and reads the tracing environment: about 0.2 M
CPU instructions, about 3% of a short agent run per call. The middleware needed it twice per run
(the run id at the episode's start, the reward event at its end) and usually for nothing: most
runs have no handler at all. This module reads the same sources as ``configure`` (the config's
handlers, then those the context adds: ``tracing_v2_enabled``'s tracer and the registered
configure hooks, e.g. ``collect_runs``), but only the handler objects that already exist, and says
"unknown" (None) wherever ``configure`` would do more than that: a LangSmith parent run, a hook
enabled by an environment variable, a ``langchain_core`` without these hooks. Callers then build
the manager as before.
"""

from __future__ import annotations

import os
from typing import Any

from langchain_core.callbacks.base import BaseCallbackManager
from langchain_core.globals import get_debug
from langchain_core.runnables.config import var_child_runnable_config
from langsmith.run_helpers import get_tracing_context
from langsmith.utils import tracing_is_enabled

try:
    from langchain_core.tracers.context import _configure_hooks, tracing_v2_callback_var
    from langchain_core.tracers.langchain import LangChainTracer
except ImportError:  # pragma: no cover - another langchain_core: the manager is built instead
    _configure_hooks = None  # type: ignore[assignment]

__all__ = ["existing_handlers", "handlers_and_silence", "no_receivers"]


def _callbacks(config: Any) -> Any:
    """The callbacks `ensure_config(config)` would hold: the config's own, else the context's."""
    callbacks = config.get("callbacks") if isinstance(config, dict) else None
    if callbacks is None:
        context = var_child_runnable_config.get()
        callbacks = context.get("callbacks") if context else None
    return callbacks


def existing_handlers(config: Any = None) -> tuple[list[Any], Any] | None:
    """(handlers, parent run id) of the manager ``configure`` would build for `config` (None: the
    current run's), counting the handlers that exist before it is built; None when ``configure``
    would also add or change handlers from the environment or a LangSmith parent run."""
    return _existing(config, get_tracing_context())


def _existing(config: Any, tracing: dict[str, Any]) -> tuple[list[Any], Any] | None:
    if _configure_hooks is None:
        return None
    if tracing.get("parent") is not None:
        return None  # configure would take its parent run id from the LangSmith run tree
    callbacks = _callbacks(config)
    if callbacks is None:
        handlers: list[Any] = []
        parent = None
    elif isinstance(callbacks, list):
        handlers, parent = list(callbacks), None
    elif isinstance(callbacks, BaseCallbackManager):
        handlers, parent = list(callbacks.handlers), callbacks.parent_run_id
    else:
        return None
    tracer = tracing_v2_callback_var.get()
    if tracer is not None and not any(isinstance(h, LangChainTracer) for h in handlers):
        handlers.append(tracer)
    for var, _inheritable, handler_class, env_var in _configure_hooks:
        if env_var is not None and handler_class is not None and os.environ.get(env_var):
            return None  # configure may create a handler from the environment
        handler = var.get()
        if handler is None:
            continue
        if handler_class is None:
            if not any(h is handler for h in handlers):
                handlers.append(handler)
        elif not any(isinstance(h, handler_class) for h in handlers):
            handlers.append(handler)
    return handlers, parent


def no_receivers(config: Any = None) -> bool:
    """True when a custom event dispatched now (with `config`) would reach no handler: no handler
    exists and ``configure`` would create none (tracing and debug off)."""
    tracing = get_tracing_context()
    found = _existing(config, tracing)
    if found is None or found[0]:
        return False
    return not get_debug() and not tracing_is_enabled(tracing)


def handlers_and_silence(config: Any = None) -> tuple[tuple[list[Any], Any] | None, bool]:
    """`existing_handlers(config)` and `no_receivers(config)`, from one read of the tracing context
    (an episode's start asks both)."""
    tracing = get_tracing_context()
    found = _existing(config, tracing)
    silent = found is not None and not found[0] and not get_debug() and not tracing_is_enabled(tracing)
    return found, silent
