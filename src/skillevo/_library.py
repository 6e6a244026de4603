"""`SkillLibrary`: the public entry to a skill store, choosing the backend from the location."""

from __future__ import annotations

import os
from typing import Any

from ._errors import ConfigError
from ._store import SkillStore

__all__ = ["SkillLibrary", "default_db"]


def default_db() -> str:
    """The library location used when none is given: ``$SKILLEVO_DB`` or ``./skillevo.db``."""
    return os.environ.get("SKILLEVO_DB") or "skillevo.db"


def _backend(location: str) -> type[SkillLibrary]:
    if location.startswith(("postgresql://", "postgres://")):
        from ._postgres import PostgresLibrary

        return PostgresLibrary
    if "://" in location and not location.startswith("sqlite://"):
        scheme = location.split("://", 1)[0]
        raise ConfigError(f"unsupported library URL scheme {scheme!r}: use a file path, ':memory:' or postgresql://")
    from ._sqlite import SQLiteLibrary

    return SQLiteLibrary


class SkillLibrary(SkillStore):
    """The skill library: skills, versions, posteriors, episodes and events in one database.

    ``SkillLibrary("skills.db")`` (or ``":memory:"``, or ``"sqlite:///path"``) opens the embedded
    SQLite backend; ``SkillLibrary("postgresql://...")`` the PostgreSQL one for many hosts. Use it
    as a context manager or call `close()`.
    """

    def __new__(cls, location: str | os.PathLike[str] | None = None, *args: Any, **kwargs: Any) -> SkillLibrary:
        if cls is SkillLibrary:
            cls = _backend(default_db() if location is None else os.fspath(location))
        return super().__new__(cls)
