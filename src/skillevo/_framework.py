"""The one place an adapter checks that its framework is installed."""

from __future__ import annotations

import importlib
from collections.abc import Sequence


def require_framework(package: str, modules: Sequence[str], *, needs: str, fix: str) -> None:
    """Import each of `modules`, or raise one `ImportError` naming what `package` needs and the
    ``pip install`` that fixes it.

    An adapter calls this once, first thing in its ``__init__``, so a missing framework is a clear
    sentence at import time rather than a ``ModuleNotFoundError`` from somewhere inside it.
    """
    try:
        for name in modules:
            importlib.import_module(name)
    except ImportError as exc:
        raise ImportError(f"{package} needs {needs} ({exc}); {fix} fixes it") from exc
