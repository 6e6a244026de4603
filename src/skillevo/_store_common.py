"""Small pieces every store backend shares, so SQLite and PostgreSQL agree to the letter."""

from __future__ import annotations

import functools
import json
import re
import threading
from abc import abstractmethod
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar, overload

from pydantic import JsonValue, ValidationError

from ._customer_mask import Known, mask_customers, mask_text, remember_people
from ._errors import ConfigError
from ._models import (
    Episode,
    Event,
    EventKind,
    Origin,
    PosteriorState,
    Skill,
    SkillVersion,
    Strategy,
    Trigger,
    VersionStatus,
)
from ._redaction import capped_text, is_secret_key, redact, redact_text
from ._store_args import BadValue, enum_arg, events_arg, instance_arg, stored, stored_choice

__all__ = [
    "STATUS_RANK",
    "TASK_MAX_CHARS",
    "DeferredEvents",
    "count_arg",
    "derived_status",
    "episode_from_row",
    "event_from_row",
    "event_kind",
    "lifecycle_event_data",
    "new_skill",
    "posterior_from_row",
    "redacted_texts",
    "redacts_deferred",
    "scrub_episode",
    "scrub_events",
    "scrub_origin",
    "scrub_record",
    "scrub_strategy",
    "scrub_trigger",
    "scrubbing_writes",
    "select_query",
    "tool_key",
    "trigger_from_stored",
    "version_from_row",
]

#: The order in which a skill's derived status is taken from its versions.
STATUS_RANK = (
    VersionStatus.ACTIVE,
    VersionStatus.TESTING,
    VersionStatus.CANDIDATE,
    VersionStatus.RETIRED,
    VersionStatus.REJECTED,
)


def new_skill(name: str, description: str, trigger: Trigger) -> Skill:
    """A `Skill` to store, its name checked: a bad one is a one-line `ConfigError`, not pydantic's."""
    try:
        return Skill(name=name, description=description, trigger=trigger)
    except ValidationError as exc:
        reasons = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"invalid skill {str(name)[:80]!r}: {reasons}"[:400]) from None


def tool_key(trigger: Trigger) -> str:
    """The indexed lookup key of a trigger's tool: the exact name, or ``"*"`` for any glob."""
    return "*" if trigger.tool_is_glob else trigger.tool


def derived_status(versions: Sequence[SkillVersion]) -> VersionStatus:
    """A skill's status: the most advanced status among its versions (candidate when it has none)."""
    present = {v.status for v in versions}
    return next((s for s in STATUS_RANK if s in present), VersionStatus.CANDIDATE)


def lifecycle_event_data(
    old: VersionStatus | None,
    new: VersionStatus,
    reason: str,
    actor: str,
    extra: dict[str, Any] | None = None,
) -> dict[str, JsonValue]:
    """The ``data`` of a lifecycle/review event: ``from``, ``to``, ``reason``, ``actor`` (+ extra)."""
    data: dict[str, JsonValue] = {
        "from": None if old is None else old.value,
        "to": new.value,
        "reason": reason,
        "actor": actor,
    }
    for key, value in (extra or {}).items():
        data.setdefault(key, value)
    return data


def _json(value: Any) -> Any:
    """A JSON column's value: SQLite hands back text, PostgreSQL's jsonb arrives decoded."""
    return json.loads(value) if isinstance(value, str | bytes) else value


_F = TypeVar("_F", bound=Callable[..., Any])

# Validation context of what a store reads back: patterns accepted when written stay readable even
# if a later bound refuses them (they then never match; see `_regex.pattern_error`).
_STORED = {"stored": True}


def version_from_row(row: Mapping[str, Any]) -> SkillVersion:
    """A `SkillVersion` from a versions row joined with its posterior (``p_alpha``, ``p_beta``, ``p_obs``)."""
    return stored("versions", row, ("id",), _version, row)


def _version(row: Mapping[str, Any]) -> SkillVersion:
    stored("posteriors", row, ("skill", "id"), _check_posterior, row)
    return SkillVersion(
        id=row["id"],
        skill=row["skill"],
        number=row["number"],
        strategy=Strategy.model_validate(_json(row["strategy"]), context=_STORED),
        parent=row["parent"],
        origin=Origin.model_validate(_json(row["origin"])),
        status=stored_choice("status", VersionStatus, row["status"]),
        created_at=row["created_at"],
        alpha=row["p_alpha"] if row["p_alpha"] is not None else 1.0,
        beta=row["p_beta"] if row["p_beta"] is not None else 1.0,
        observations=row["p_obs"] if row["p_obs"] is not None else 0.0,
        selected_episodes=row["selected_episodes"],
        pending_review=bool(row["pending_review"]),
    )


def _check_posterior(row: Mapping[str, Any]) -> None:
    """The joined posterior of a version row as a `PosteriorState` would take it (numbers, alpha
    and beta above 0; checked by hand: this runs for every version a skill read returns)."""
    alpha, beta, obs = row["p_alpha"], row["p_beta"], row["p_obs"]
    if alpha is None:
        return
    if not all(isinstance(v, int | float) for v in (alpha, beta, obs)):
        raise BadValue("alpha, beta, observations: Input should be a valid number")
    if not (alpha > 0 and beta > 0 and obs >= 0):
        raise BadValue("alpha, beta: Input should be greater than 0")


def trigger_from_stored(value: Any) -> Trigger:
    """A skill row's stored trigger (a JSON column), read as stored: see `_STORED`."""
    return Trigger.model_validate(_json(value), context=_STORED)


def episode_from_row(row: Mapping[str, Any]) -> Episode:
    """An `Episode` from an episodes row."""
    return stored("episodes", row, ("id",), _episode, row)


def _episode(row: Mapping[str, Any]) -> Episode:
    return Episode(
        id=row["id"],
        task=row["task"],
        group_id=row["group_id"],
        policy_version=row["policy_version"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        reward=row["reward"],
        applied=_json(row["applied"]),
        metadata=_json(row["metadata"]),
    )


def event_from_row(row: Mapping[str, Any]) -> Event:
    """An `Event` from an events row."""
    return stored("events", row, ("id",), _event, row)


def _event(row: Mapping[str, Any]) -> Event:
    return Event(
        id=row["id"],
        ts=row["ts"],
        kind=EventKind(row["kind"]),
        episode_id=row["episode_id"],
        tool=row["tool"],
        version_id=row["version_id"],
        data=_json(row["data"]),
    )


def posterior_from_row(row: Mapping[str, Any]) -> PosteriorState:
    """A `PosteriorState` from a posteriors row."""
    return stored("posteriors", row, ("key", "arm"), _posterior, row)


def _posterior(row: Mapping[str, Any]) -> PosteriorState:
    return PosteriorState(
        key=row["key"],
        arm=row["arm"],
        alpha=row["alpha"],
        beta=row["beta"],
        observations=row["observations"],
        updated_at=row["updated_at"],
        extra=_json(row["extra"]),
        epoch=row["epoch"],
    )


def select_query(
    table: str,
    filters: Sequence[tuple[str, Any]],
    *,
    order: str,
    limit: int | None,
    placeholder: str,
) -> tuple[str, list[Any]]:
    """``SELECT * FROM table WHERE ... ORDER BY ... LIMIT ...`` with every value as a parameter.

    `filters` are ``(fragment, value)`` pairs, the fragment holding ``{}`` where the backend's
    placeholder goes (``?`` or ``%s``); pairs whose value is None are left out. Table, columns and
    order come from the caller's constants, never from data.
    """
    clauses: list[str] = []
    params: list[Any] = []
    for fragment, value in filters:
        if value is not None:
            clauses.append(fragment.format(placeholder))
            params.append(value)
    query = f"SELECT * FROM {table}"
    if clauses:
        query += " WHERE " + " AND ".join(clauses)
    query += f" ORDER BY {order}"
    if limit is not None:
        query += f" LIMIT {placeholder}"
        params.append(count_arg("limit", limit))
    return query, params


#: The largest row count or id a query takes (a signed 64-bit integer, as both databases store them).
_MAX_ROWS = 2**63 - 1


def count_arg(name: str, value: object) -> int:
    """`value` as a row count or id for a query; a `ConfigError` for anything but an int in range
    (PostgreSQL raised its own error for ``limit=-1`` or ``limit=2**70``)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _MAX_ROWS:
        raise ConfigError(f"{name}: expected a whole number from 0 to 2**63-1 (got {value!r:.80})")
    return value


def event_kind(kind: EventKind | str) -> EventKind:
    """`kind` as an `EventKind`; a `ConfigError` naming it otherwise (not Python's ValueError)."""
    try:
        return EventKind(kind)
    except ValueError:
        raise ConfigError(f"kind: not an event kind {kind!r:.80} (one of {', '.join(EventKind)})") from None


# ------------------------------------------------------------------ the store's one redaction point
#
# Every row a store writes passes through these before the backend sees it (`scrubbing_writes`
# wraps the write methods of every backend class), whatever built the row: the Evolver redacts
# events when it builds them too, but a miner, a lifecycle reason, a user's own `log_events` or an
# episode's task and metadata reach the store by other roads. One exception, in a backend's own
# code: an episode recorded with events built later is redacted with them (`redacts_deferred`).


#: The most characters of an episode's task a row keeps (cut after redaction, which reads a bounded
#: prefix: a 10 MB task held the writer, and the store's lock, for 19 s); triggers read 8,192.
TASK_MAX_CHARS = 16_384


def redacted_texts(fields: Mapping[str, Any], known: Collection[str] = ()) -> dict[str, Any]:
    """The caller-written texts of an episode's row, redacted, from its field values `fields`: the
    task (also cut to `TASK_MAX_CHARS`), the metadata, and the group and policy version when set.
    `known`: the values the episode sent under secret names (`DeferredEvents.known`), hidden there
    too, as in its events, and a customer's values masked (`skillevo._customer_mask`; `known.people`:
    the values its events held under a person's key)."""
    hide = set(known) or None
    people = getattr(known, "people", ())
    texts: dict[str, Any] = {
        "task": mask_text(capped_text(fields["task"], TASK_MAX_CHARS, known=hide), people),
        "metadata": mask_customers(redact(fields["metadata"], known=hide), people),
    }
    for field in ("group_id", "policy_version"):
        value = fields[field]
        if isinstance(value, str):
            texts[field] = redact_text(value, known=hide)
    return texts


def scrub_episode(episode: Episode, known: Collection[str] = ()) -> Episode:
    """`episode` with every caller-written text of its row redacted (`redacted_texts`; the same object
    when nothing changes)."""
    update = redacted_texts(episode.__dict__, known)
    if all(getattr(episode, k) == v for k, v in update.items()):
        return episode
    return episode.model_copy(update=update)


def mark_scrubbed(event: Event) -> Event:
    """Mark `event`, whose data the redaction engine has just produced, as redacted (its tool name is
    redacted here): `scrub_events` then keeps it as it is while its data is still that object."""
    if event.tool:
        tool = redact_text(event.tool)
        if tool != event.tool:  # an assignment is a validation: only when the name changes
            event.tool = tool
    event._scrubbed = (event.data, event.tool)
    return event


class DeferredEvents(Sequence[Event]):
    """Events built (redacted, validated) when first read, once, in whichever thread reads them first:
    a store that writes them off the caller's thread (a queued `record_episode`) builds them there.
    What they build to has passed `scrub_events`. A failure to build is raised to every reader as
    `ValueError` (a record whose content cannot be written)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: list[Event] | None = None
        self._failed: str | None = None

    @abstractmethod
    def _build(self) -> list[Event]:
        """The events (called once)."""

    def known(self) -> Collection[str]:
        """The values the episode sent under secret names (hidden wherever its events echo them),
        once the events are built (this builds them): its episode's row hides them too."""
        self.resolve()
        return ()

    def resolve(self) -> list[Event]:
        """The built events (the same list on every call)."""
        events = self._events
        if events is not None:
            return events
        with self._lock:
            if self._events is None:
                if self._failed is not None:
                    raise ValueError(self._failed)
                try:
                    self._events = list(scrub_events(self._build()))
                except Exception as exc:
                    self._failed = f"the episode's events could not be built ({type(exc).__name__}: {exc})"
                    raise ValueError(self._failed) from None
            return self._events

    @overload
    def __getitem__(self, index: int) -> Event: ...

    @overload
    def __getitem__(self, index: slice) -> list[Event]: ...

    def __getitem__(self, index: int | slice) -> Event | list[Event]:
        return self.resolve()[index]

    def __iter__(self) -> Iterator[Event]:
        return iter(self.resolve())


def scrub_events(events: Sequence[Event]) -> Sequence[Event]:
    """`events` with every value in their data redacted and a customer's values masked
    (`skillevo._customer_mask`; unchanged events are kept as they are)."""
    if isinstance(events, DeferredEvents):  # redacted when built
        return events
    out: list[Event] | None = None
    people: set[str] | None = None
    for i, event in enumerate(events):
        mark = event._scrubbed
        if mark is not None and mark[0] is event.data and mark[1] == event.tool:
            # Redacted where it was built, and its data not replaced since: not redone on the run's path.
            if out is not None:
                out.append(event)
            continue
        if people is None:  # (the batch's: an error echoes the name its call sent)
            remember_people((e.data for e in events), people := set())
        data = mask_customers(redact(event.data), people)
        tool = redact_text(event.tool) if event.tool else event.tool  # a tool's name is the caller's text
        if data != event.data or tool != event.tool:
            if out is None:
                out = list(events[:i])
            out.append(event.model_copy(update={"data": data, "tool": tool}))
        elif out is not None:
            out.append(event)
    return events if out is None else out


def _scrub_ops(repair: dict[str, Any]) -> None:
    for op in repair.get("ops", []):
        # A repair that sets a secret argument would store the secret as a constant.
        if isinstance(op, dict) and isinstance(op.get("arg"), str) and is_secret_key(op["arg"].rsplit(".", 1)[-1]):
            for field in ("value", "mapping"):
                if op.get(field) is not None:
                    op[field] = "[REDACTED:secret]" if field == "value" else {"[REDACTED:secret]": "[REDACTED:secret]"}
            # A conversion's declared schema may carry the secret's constants (a default, the allowed
            # values): the conversion reads neither the default nor, for a secret, needs the list.
            if isinstance(op.get("to"), dict):
                op["to"] = _without_constants(op["to"])


def _without_constants(schema: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in schema.items() if k not in ("default", "enum")}
    for key, value in out.items():
        if isinstance(value, dict):
            out[key] = _without_constants(value)
        elif isinstance(value, list):
            out[key] = [_without_constants(v) if isinstance(v, dict) else v for v in value]
    return out


def scrub_strategy(strategy: Strategy) -> Strategy:
    """`strategy` with secrets removed from its guidance, repair values and code."""
    dumped = strategy.model_dump(mode="json", exclude_none=True)
    clean = mask_customers(redact(dumped))
    if isinstance(clean.get("repair"), dict):
        _scrub_ops(clean["repair"])
    return strategy if clean == dumped else Strategy.model_validate(clean)


def scrub_origin(origin: Origin | None) -> Origin | None:
    """`origin` with its note redacted."""
    if origin is None or not origin.note:
        return origin
    note = mask_text(redact_text(origin.note))
    return origin if note == origin.note else origin.model_copy(update={"note": note})



_REDACTS_DEFERRED = "__skillevo_redacts_deferred__"


def redacts_deferred(fn: _F) -> _F:
    """Mark a backend's ``record_episode`` that, given events built later (`DeferredEvents`), redacts
    the episode itself where it serialises it, off the caller's thread (`recorded_episode`,
    `recorded_row`): the write wrapper then leaves it as it is."""
    setattr(fn, _REDACTS_DEFERRED, True)
    return fn


def _episode_write(fn: _F) -> _F:
    later = getattr(fn, _REDACTS_DEFERRED, False)

    @functools.wraps(fn)
    def write(self: Any, episode: Episode, events: Sequence[Event] = (), *args: Any, **kwargs: Any) -> Any:
        instance_arg("episode", episode, Episode)
        if isinstance(events, DeferredEvents):  # redacted when built (the episode with them: `known`)
            return fn(self, episode if later else scrub_episode(episode, events.known()), events, *args, **kwargs)
        plain, people = events_arg(events, Event), set[str]()
        remember_people((e.data for e in plain), people)
        return fn(self, scrub_episode(episode, Known((), people)), scrub_events(plain), *args, **kwargs)

    return write  # type: ignore[return-value]


def _events_write(fn: _F) -> _F:
    @functools.wraps(fn)
    def write(self: Any, events: Sequence[Event], *args: Any, **kwargs: Any) -> Any:
        return fn(self, scrub_events(events_arg(events, Event)), *args, **kwargs)

    return write  # type: ignore[return-value]


def _event_write(fn: _F) -> _F:
    @functools.wraps(fn)
    def write(self: Any, event: Event, *args: Any, **kwargs: Any) -> Any:
        return fn(self, scrub_events([instance_arg("event", event, Event)])[0], *args, **kwargs)

    return write  # type: ignore[return-value]


_MARKER = re.compile(r"\[REDACTED:\w+\]")


def scrub_trigger(trigger: Trigger) -> Trigger:
    """`trigger` with secrets removed from its texts. In a pattern, the marker is written escaped, so
    the pattern still compiles and matches the redacted error text it is run on."""
    update: dict[str, Any] = {}
    for field in ("tool", "error_type", "pattern", "task_pattern"):
        value = getattr(trigger, field)
        if not isinstance(value, str):
            continue
        clean = redact_text(value)
        if clean != value:
            if field.endswith("pattern"):
                clean = _MARKER.sub(lambda m: re.escape(m.group(0)), clean)
            update[field] = clean
    return trigger.model_copy(update=update) if update else trigger


def _version_write(strategy_at: int) -> Callable[[_F], _F]:
    def wrap(fn: _F) -> _F:
        @functools.wraps(fn)
        def write(self: Any, *args: Any, **kwargs: Any) -> Any:
            instance_arg("strategy", args[strategy_at] if len(args) > strategy_at else kwargs.get("strategy"), Strategy)
            if "status" in kwargs:  # keyword-only; its text ("active") as `skills(status=...)` takes it
                kwargs["status"] = enum_arg("status", VersionStatus, kwargs["status"])
            if strategy_at == 2:
                instance_arg("trigger", args[1] if len(args) > 1 else kwargs.get("trigger"), Trigger)
            if strategy_at == 2 and len(args) > 1 and isinstance(args[1], Trigger):  # add_skill(name, trigger, ...)
                args = (args[0], scrub_trigger(args[1]), *args[2:])
            elif isinstance(kwargs.get("trigger"), Trigger):
                kwargs["trigger"] = scrub_trigger(kwargs["trigger"])
            if len(args) > strategy_at:
                args = (*args[:strategy_at], scrub_strategy(args[strategy_at]), *args[strategy_at + 1 :])
            elif "strategy" in kwargs:
                kwargs["strategy"] = scrub_strategy(kwargs["strategy"])
            if kwargs.get("origin") is not None:
                kwargs["origin"] = scrub_origin(kwargs["origin"])
            if kwargs.get("description"):
                kwargs["description"] = mask_text(redact_text(kwargs["description"]))
            return fn(self, *args, **kwargs)

        return write  # type: ignore[return-value]

    return wrap


def _status_write(fn: _F) -> _F:
    @functools.wraps(fn)
    def write(self: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(kwargs.get("reason"), str):
            kwargs["reason"] = mask_text(redact_text(kwargs["reason"]))
        if kwargs.get("data"):
            kwargs["data"] = mask_customers(redact(kwargs["data"]))
        return fn(self, *args, **kwargs)

    return write  # type: ignore[return-value]


def scrub_record(kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    """One `dump()` record, redacted as the write methods would (``skillevo migrate`` copies rows an
    older version may have written unredacted)."""
    fields = dict(fields)
    if kind == "skill" and isinstance(fields.get("description"), str):
        fields["description"] = mask_text(redact_text(fields["description"]))
    if kind == "skill" and isinstance(fields.get("trigger"), dict):
        fields["trigger"] = scrub_trigger(Trigger.model_validate(fields["trigger"])).model_dump(mode="json")
    elif kind == "version":
        if isinstance(fields.get("strategy"), dict):
            fields["strategy"] = mask_customers(redact(fields["strategy"]))
            if isinstance(fields["strategy"].get("repair"), dict):
                _scrub_ops(fields["strategy"]["repair"])
        if isinstance(fields.get("origin"), dict) and isinstance(fields["origin"].get("note"), str):
            fields["origin"] = {**fields["origin"], "note": mask_text(redact_text(fields["origin"]["note"]))}
    elif kind == "episode":
        fields["task"] = mask_text(redact_text(str(fields.get("task") or "")))
        fields["metadata"] = mask_customers(redact(fields.get("metadata") or {}))
    elif kind == "event":  # (a record alone: the names its episode's calls sent are masked where they sit)
        fields["data"] = mask_customers(redact(fields.get("data") or {}))
    return fields


def _records_write(fn: _F) -> _F:
    @functools.wraps(fn)
    def write(self: Any, records: Iterable[tuple[str, dict[str, Any]]], *args: Any, **kwargs: Any) -> Any:
        def scrubbed() -> Iterator[Any]:
            for record in records:  # a malformed one goes through as it is: `load` names it
                ok = isinstance(record, tuple) and len(record) == 2 and isinstance(record[1], dict)
                yield (record[0], scrub_record(*record)) if ok else record

        return fn(self, scrubbed(), *args, **kwargs)

    return write  # type: ignore[return-value]


_SCRUBBED: dict[str, Callable[[Any], Any]] = {
    "save_episode": _episode_write,
    "record_episode": _episode_write,
    "log_events": _events_write,
    "log_pending_review": _event_write,
    "add_skill": _version_write(2),  # (name, trigger, strategy, ...)
    "add_version": _version_write(1),  # (name, strategy, ...)
    "set_status": _status_write,
    "load": _records_write,
}


def scrubbing_writes(cls: type) -> None:
    """Wrap the write methods `cls` defines so that every row they write is redacted first."""
    for name, wrap in _SCRUBBED.items():
        method = cls.__dict__.get(name)
        if method is not None and not getattr(method, "__skillevo_scrubbed__", False):
            wrapped = wrap(method)
            wrapped.__skillevo_scrubbed__ = True
            setattr(cls, name, wrapped)
