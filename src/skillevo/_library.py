"""`SkillLibrary`: the public entry to a skill store, choosing the backend from the location."""

from __future__ import annotations

import inspect
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from ._errors import ConfigError
from ._models import EventKind, VersionStatus
from ._redaction import mask_url
from ._sql_store import SQLStore
from ._store_args import location_arg
from ._usage import count_usage

if TYPE_CHECKING:
    from ._skillimport import ImportResult

__all__ = ["CONFIG_FILE", "SkillLibrary", "VersionStats", "configured_db", "default_db", "library_exists"]


#: The configuration file read from the working folder, when present, for the library to open.
CONFIG_FILE = "skillevo.toml"


def default_db() -> str:
    """The library location when neither a location nor a ``skillevo.toml`` names one:
    ``$SKILLEVO_DB`` or ``./skillevo.db``."""
    location = os.environ.get("SKILLEVO_DB") or "skillevo.db"
    return location if "://" in location else os.path.expanduser(location)


def configured_db() -> str:
    """The library location used when none is given, by `SkillLibrary()` and by every command line
    without ``--db`` alike (an agent and the CLI in one folder open the same library): the
    ``[library].db`` of ``./skillevo.toml`` when that file is present (a path resolved against its
    folder), else `default_db`. An invalid ``skillevo.toml`` raises `ConfigError` naming it."""
    if Path(CONFIG_FILE).is_file():
        from ._config import load_config

        return load_config(CONFIG_FILE).db_location()
    return default_db()


def library_exists(location: str) -> bool:
    """Whether a library already lives at `location`, found without creating one: a file path that
    exists, ``:memory:``, a PostgreSQL schema that holds skillevo's tables (any other URL: True, its
    backend decides; ``sqlite:///PATH`` is its path). Reading commands check it, so that a typo never
    creates an empty library."""
    location = location.removeprefix("sqlite:///") or location
    if location.startswith(("postgresql://", "postgres://")):
        from ._postgres import holds_library

        return holds_library(location)
    if "://" in location or location == ":memory:":
        return True
    return Path(location).expanduser().exists()


def _backend(location: str) -> type[SkillLibrary]:
    if location.startswith(("postgresql://", "postgres://")):
        from ._postgres import PostgresLibrary

        return PostgresLibrary
    if "://" in location and not location.startswith("sqlite://"):
        scheme = location.split("://", 1)[0]
        raise ConfigError(f"unsupported library URL scheme {scheme!r}: use a file path, ':memory:' or postgresql://")
    from ._sqlite import SQLiteLibrary

    return SQLiteLibrary


def _options(backend: type) -> set[str]:
    # The nearest __init__ a backend (or a subclass of one) defines: its keyword parameters.
    init = next(k.__dict__["__init__"] for k in backend.__mro__ if "__init__" in k.__dict__)
    return {
        name for name, p in inspect.signature(init).parameters.items()
        if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD) and name not in ("self", "location")
    }


def _check_options(backend: type, options: dict[str, Any]) -> None:
    """Refuse an option the chosen backend does not take with one line naming the backend that
    does: the location often comes from $SKILLEVO_DB, so the same code meets both backends."""
    init = next(k.__dict__["__init__"] for k in backend.__mro__ if "__init__" in k.__dict__)
    if any(p.kind is p.VAR_KEYWORD for p in inspect.signature(init).parameters.values()):
        return  # a subclass that takes any option decides itself
    known = _options(backend)
    for name in options:
        if name in known:
            continue
        owners = [label for label, other in _backends().items() if other is not backend and name in _options(other)]
        if owners:
            raise ConfigError(f"{name}: an option of {owners[0]} libraries only, and this location is not one")
        raise ConfigError(f"{name}: not an option of SkillLibrary (options: {', '.join(sorted(known))})")


def _backends() -> dict[str, type]:
    from ._sqlite import SQLiteLibrary

    found: dict[str, type] = {"SQLite": SQLiteLibrary}
    try:
        from ._postgres import PostgresLibrary
    except ImportError:  # without the postgres extra there is no other backend to name
        return found
    return {"PostgreSQL": PostgresLibrary, **found}


class SkillLibrary(SQLStore):
    """The skill library: skills, versions, posteriors, episodes and events in one database.

    ``SkillLibrary("skills.db")`` (or ``":memory:"``, or ``"sqlite:///path"``) opens the embedded
    SQLite backend; ``SkillLibrary("postgresql://...")`` the PostgreSQL one for many hosts. Use it
    as a context manager or call `close()`.
    """

    def __new__(cls, location: str | os.PathLike[str] | None = None, *args: Any, **kwargs: Any) -> SkillLibrary:
        if cls is SkillLibrary:
            cls = _backend(configured_db() if location is None else location_arg(location))
        elif location is not None:
            location_arg(location)
        _check_options(cls, kwargs)
        return super().__new__(cls)

    def __repr__(self) -> str:
        # The location of a PostgreSQL library is a URL: never shown with its password.
        return f"{type(self).__name__}({mask_url(getattr(self, 'location', '?'))!r})"

    # ------------------------------------------------------------------ conveniences on any backend

    def export_skills(
        self, directory: str | os.PathLike[str], names: list[str] | None = None, *, all_statuses: bool = False
    ) -> list[Path]:
        """Write skills as Agent Skills folders (``<directory>/<name>/SKILL.md``); see `skillevo._skillmd`.

        Rejected and retired skills are left out (named in `left_out` of the list returned; the
        files an earlier export wrote for them removed) unless named in `names`, or `all_statuses`."""
        from ._skillmd import export_skills

        return export_skills(self, Path(directory), names, all_statuses=all_statuses)

    def import_skills(self, directory: str | os.PathLike[str], **options: Any) -> ImportResult:
        """Import Agent Skills folders as candidates, each checked like a mined proposal.

        Returns the version ids written; the list's ``refused`` attribute names each skill left
        out and why. Options: see `skillevo._skillimport.import_skills`.
        """
        from ._skillimport import import_skills

        return import_skills(self, Path(directory), **options)

    def stats(self) -> list[VersionStats]:
        """How often each version was applied and how it fared (from the event log)."""
        usage: dict[str, dict[str, float]] = {}
        for kind in (EventKind.GUIDANCE, EventKind.REPAIR, EventKind.CREDIT):
            for event in self.events(kind=kind):
                count_usage(event, usage)
        out = []
        for skill in self.skills():
            for v in skill.versions:
                u = usage.get(v.id, {})
                n = int(u.get("credited", 0))
                out.append(
                    VersionStats(
                        version_id=v.id,
                        skill=skill.name,
                        status=v.status,
                        kind=v.strategy.kind,
                        applied=int(u.get("applied", 0)),
                        credited=n,
                        mean_reward=u["reward_sum"] / n if n else None,
                        posterior_mean=v.mean,
                        last_applied=u.get("last_applied"),
                    )
                )
        return out


class VersionStats(BaseModel):
    """Usage of one version: times applied, outcomes credited, mean outcome, posterior mean."""

    version_id: str
    skill: str
    status: VersionStatus
    kind: str
    applied: int
    credited: int
    mean_reward: float | None
    posterior_mean: float
    last_applied: float | None
