"""Public names show the public module they are imported from, not the private one they live in."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["present_as"]


def _resolve_annotations(cls: type) -> None:
    """Replace `cls`'s own string annotations by the objects they name, read in its defining module.

    `typing.get_type_hints` evaluates a class's string annotations (``from __future__ import
    annotations``) in ``sys.modules[cls.__module__]``: once that is the public module, names only
    the private one imports (``Literal``, ``RepairOp``) would no longer resolve.
    """
    own = inspect.get_annotations(cls)
    if not own:
        return
    try:
        hints = typing.get_type_hints(cls, include_extras=True)
    except (NameError, TypeError):
        # Already unresolvable where it is defined (a TYPE_CHECKING-only name): nothing to keep working.
        return
    cls.__annotations__ = {name: hints.get(name, value) for name, value in own.items()}


def _private(module: str) -> bool:
    """Whether `module` is one of skillevo's private modules (``skillevo._x``, ``skillevo.testing._y``)."""
    parts = module.split(".")
    return parts[0] == "skillevo" and any(part.startswith("_") for part in parts[1:])


def present_as(module: str, namespace: Mapping[str, Any], names: Iterable[str]) -> None:
    """Set ``__module__`` to `module` on each class and function among `names` defined in a private module.

    So ``repr(skillevo.Evolver)`` reads ``<class 'skillevo.Evolver'>`` and pickles refer to
    ``skillevo.Skill``, which stays importable whatever private module holds it (httpx does the
    same). Constants and objects defined elsewhere are left alone. A name exported by two public
    modules keeps the first (``skillevo``'s, which is imported before any submodule).
    """
    for name in names:
        obj = namespace[name]
        named = isinstance(obj, type) or inspect.isfunction(obj)
        if not named or not _private(getattr(obj, "__module__", "")):
            continue
        if isinstance(obj, type):
            _resolve_annotations(obj)
        obj.__module__ = module
