"""How an episode starts: its record made from what the caller gave (`new_episode`)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from ._errors import ConfigError
from ._models import Episode, new_id
from ._recording import jsonable
from ._sanitize import clean_text, safe_str

__all__ = ["METADATA_MAX_CHARS", "new_episode"]


#: The most characters of JSON an episode's metadata given at its start may take.
METADATA_MAX_CHARS = 10_000


def new_episode(task: str, group_id: str | None, policy_version: str | None, metadata: Mapping[str, Any] | None
                 ) -> Episode:
    """``Episode(task=..., group_id=..., policy_version=..., metadata=...)``, as validation makes it.

    Without metadata and with plain text where text goes (the episodes adapters start), it is made
    with pydantic's `model_construct` (no validation: the validator's code and schema are cold at
    every agent run, half the cost of starting an episode): each value is of its field's type
    already, the texts mended as the validator mends them (`clean_text`). A test holds the two equal.
    Anything validation would refuse is a `ConfigError` naming it (every road that starts an
    episode comes here: `Evolver.episode`, `GroupContext.episode`), never pydantic's error.
    """
    if type(task) is not str and isinstance(task, str):  # a framework's text type (LangChain's `.text`)
        task = str.__str__(task)  # its characters as a plain str (what validation stores)
    if (
        metadata
        or type(task) is not str
        or (group_id is not None and type(group_id) is not str)
        or (policy_version is not None and type(policy_version) is not str)
    ):
        for what, value in (("task", task), ("group", group_id), ("policy version", policy_version)):
            if value is not None and not isinstance(value, str):
                raise ConfigError(f"episode: {what} must be a string (got {type(value).__name__})")
        try:
            return Episode(task=task, group_id=group_id, policy_version=policy_version,
                           metadata=_metadata(metadata) if metadata else {})
        except ValidationError as exc:
            raise ConfigError(f"episode: {safe_str(exc).splitlines()[-1].strip()[:300]}") from None
    # Every field given, in field order, and the fields-set the validated constructor records: left
    # to it, `model_construct` calls each default factory through `inspect.signature`, which for a
    # builtin (`list`) parses its text signature with `tokenize` and `ast` at every episode.
    return Episode.model_construct(
        {"task", "group_id", "policy_version", "metadata"},  # a set of its own: assignment adds to it
        id=new_id(),
        task=clean_text(task),
        group_id=None if group_id is None else clean_text(group_id),
        policy_version=policy_version,
        started_at=time.time(),
        finished_at=None,
        reward=None,
        applied=[],
        metadata={},
    )


def _metadata(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """`metadata` as an episode holds it: a JSON-safe copy (any mapping), at most
    `METADATA_MAX_CHARS` characters of JSON; a `ConfigError` otherwise."""
    if not isinstance(metadata, Mapping):
        raise ConfigError(f"episode: metadata must be a mapping (got {type(metadata).__name__})")
    value = jsonable(dict(metadata), METADATA_MAX_CHARS)
    if not isinstance(value, dict):  # `jsonable` cut its JSON text: more than the cap
        raise ConfigError(f"episode: metadata must take at most {METADATA_MAX_CHARS:,} characters as JSON")
    return value
