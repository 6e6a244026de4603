"""An episode's ``episodes`` row: made when the episode is recorded, or, for an episode the
write-behind queue writes, from a snapshot of its fields by the thread that writes it."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

from ._models import Episode
from ._sanitize import clean_text
from ._store_common import DeferredEvents, redacted_texts

__all__ = ["episode_values", "known_secrets", "recorded_episode", "recorded_row"]


def episode_values(episode: Episode, encode: Callable[[Any], Any]) -> tuple[Any, ...]:
    """The values of an ``episodes`` row (id, task, group_id, policy_version, started_at,
    finished_at, reward, applied, metadata), the two JSON columns through `encode`, the text
    columns without what no database stores (NUL, lone surrogates: `skillevo._sanitize`)."""
    return _episode_values(episode.__dict__, encode)


def _episode_values(fields: Mapping[str, Any], encode: Callable[[Any], Any]) -> tuple[Any, ...]:
    group_id, policy_version = fields["group_id"], fields["policy_version"]
    return (
        clean_text(fields["id"]),
        clean_text(fields["task"]),
        None if group_id is None else clean_text(group_id),
        None if policy_version is None else clean_text(policy_version),
        fields["started_at"],
        fields["finished_at"],
        fields["reward"],
        encode([a.model_dump(mode="json") for a in fields["applied"]]),
        encode(fields["metadata"]),
    )


#: The metadata values a snapshot may share with the episode (nothing in them can change).
_IMMUTABLE = frozenset({str, int, float, bool, type(None)})


def recorded_episode(episode: Episode) -> dict[str, Any] | None:
    """A snapshot of `episode` as it is now, redacted and serialised later (`recorded_row`), off the
    caller's thread; None when its metadata holds a list or a dict (the caller could still change
    what is inside: its row is made now)."""
    fields = dict(episode.__dict__)
    metadata = fields["metadata"]
    for value in metadata.values():
        if type(value) not in _IMMUTABLE:
            return None
    fields["metadata"] = dict(metadata)
    fields["applied"] = list(fields["applied"])  # each `Applied` is frozen
    return fields


def recorded_row(fields: Mapping[str, Any], encode: Callable[[Any], Any], known: Collection[str] = ()
                 ) -> tuple[Any, ...]:
    """The ``episodes`` row (`episode_values`) of a `recorded_episode` snapshot, redacted as
    `scrub_episode` redacts an episode (`redacted_texts`)."""
    scrubbed = {**fields, **redacted_texts(fields, known)}
    return _episode_values(scrubbed, encode)


def known_secrets(events: DeferredEvents) -> Collection[str]:
    """`events.known()` (what the episode's row hides besides secret shapes); nothing when the events
    cannot be built (the record is refused where it is written, with them: `DeferredEvents`)."""
    try:
        return events.known()
    except ValueError:
        return ()
