"""Recording one episode's events: snapshots taken on the call, redaction and validation deferred.

The per-call path only appends a `_Logged` record (the snapshots of arguments, results and error
texts are taken at once with `jsonable`, so a caller mutating its dict later changes nothing);
redaction and `Event` validation run in one batch when the events are read (`built`), in the
order they were logged. At the end of an episode `hand_off` passes them on still unbuilt
(`PendingEvents`): a queued store write builds them off the agent's thread. Events a trace listener
is told about are redacted when logged, once, so the listener and the stored event see the same values.
"""

from __future__ import annotations

import itertools
import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel

from ._customer_mask import Known, mask_customers, remember_people
from ._detect import hide_in_signature
from ._models import Episode, Event, EventKind
from ._redaction import REDACT_PAST_CUT, capped_text, redact, remember_secrets
from ._sanitize import MAX_DEPTH, json_text, safe_str
from ._store_common import DeferredEvents, mark_scrubbed

__all__ = [
    "ERROR_MAX_CHARS", "MAX_TOOL_EVENTS", "RESULT_MAX_CHARS", "EventRecorder", "PendingEvents", "jsonable", "snapshot",
]

RESULT_MAX_CHARS = 2000
ERROR_MAX_CHARS = 2000  # with the ellipsis a cut adds
#: The most tool call, result and error events one episode keeps (the first ones); the rest are
#: counted (episode metadata ``events_dropped``). Each holds up to ~4 KB of snapshots: unbounded, a
#: long-lived episode held 3.7 KB a call until it finished (20,000 calls: 74 MB), and its one queued
#: write built (redacted) them all for 100 s.
MAX_TOOL_EVENTS = 2000
_SNAPSHOT_KINDS = frozenset({EventKind.TOOL_CALL, EventKind.TOOL_RESULT, EventKind.TOOL_ERROR})
_said_dropped = threading.Event()  # the first over-cap episode of the process is logged, once

#: the events an episode's `listener` is told about as they happen
_TRACED = frozenset({EventKind.SELECTION, EventKind.REPAIR, EventKind.GUIDANCE})
_SCALARS = (bool, int, float)
_SCALAR_TYPES = frozenset(_SCALARS)
_logger = logging.getLogger("skillevo")

Listener = Callable[[Event], None]


def jsonable(value: Any, max_chars: int) -> Any:
    """A JSON-safe, size-capped copy of `value` (strings are cut, other objects become their repr).

    What is cut is redacted first (a cut can split a secret so that no rule sees it); what is kept
    whole is redacted when the event is built."""
    # Fast paths for the common small shapes: no JSON round trip on the per-call path.
    if isinstance(value, str):
        return value if len(value) <= max_chars else capped_text(value, max_chars)
    if value is None or isinstance(value, _SCALARS):
        return value
    if isinstance(value, dict) and len(value) <= 32:
        for k, v in value.items():
            if not isinstance(k, str) or len(k) > 256 or not (
                v is None or isinstance(v, _SCALARS) or (isinstance(v, str) and len(v) <= 256)
            ):
                break
        else:
            return dict(value)
    # Only the first `max_chars` of the JSON text are kept: no string needs more than that plus
    # what redaction reads past a cut (as in `capped_text`), no container more than `max_chars`
    # items; the kept text is the same (a 10 MB argument or a 100,000-key dict cost the agent's
    # thread 1-7 s per call, serialised and redacted whole).
    value = _cut(value, max_chars, max_chars + REDACT_PAST_CUT, 0, [max_chars + REDACT_PAST_CUT])
    try:
        text = json.dumps(value, default=safe_str, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):  # circular or 3,000 deep: bounded, mended
        text = json_text(value)
    if len(text) <= max_chars:
        return json.loads(text)
    return capped_text(json.dumps(redact(json.loads(text)), ensure_ascii=False), max_chars)


#: What a string past `_cut`'s budget becomes: it is not read (nor shown).
CUT_MARK = "…"


def _cut(value: Any, items: int, chars: int, depth: int, budget: list[int]) -> Any:
    """`value` with strings cut to `chars` and dicts, lists and tuples to their first `items`
    entries (what lies past them is past the cut of the JSON text), named tuples as the mapping of
    their fields; other objects become their text (as the serialiser's ``default`` would write
    them), cut the same; deeper than `MAX_DEPTH` is left for the serialiser to bound.

    `budget` holds how many more characters of strings (and long keys) may be kept, for the whole value: a string
    that starts past it becomes `CUT_MARK`, unread (2,000 strings of 60 KB were each redacted in
    full, for 2,000 characters kept); the one that crosses it keeps its `chars`, so that what it
    shows is redacted with as much after it as any string's."""
    if isinstance(value, str):
        return _cut_text(value, chars, budget)
    if value is None or isinstance(value, _SCALARS):
        return value
    if not isinstance(value, dict | list | tuple):  # a tool's own object: its text may be megabytes
        return _cut_text(_object_text(value), chars, budget) if budget[0] > 0 else CUT_MARK
    if depth >= MAX_DEPTH:
        return value
    if isinstance(value, dict):
        if len(value) > items:
            value = dict(itertools.islice(value.items(), items))
        out: dict[Any, Any] = {}
        for k, v in value.items():
            key = _cut_text(k, chars, budget) if isinstance(k, str) and len(k) > 256 else k
            if key not in out:  # (a long key cut to another's: past what the kept text can show)
                out[key] = _cut(v, items, chars, depth + 1, budget)
        return out
    if isinstance(value, tuple) and isinstance(fields := getattr(value, "_fields", None), tuple):
        # A named tuple: JSON would write it as a list, dropping the field names that tell a
        # `token` from a `user`; as the mapping of its fields, redaction reads it like any dict.
        named = itertools.islice(zip(fields, value, strict=False), items)  # (a forged `_fields` may differ)
        return {str(k): _cut(v, items, chars, depth + 1, budget) for k, v in named}
    if isinstance(value, list | tuple):
        return [_cut(v, items, chars, depth + 1, budget) for v in value[:items]]
    return value


def _object_text(value: Any) -> str:
    """A tool's own object as text: a pydantic model as its JSON (its fields by name, so a
    customer's are masked by their keys, `_customer_mask.json_doc`; its repr named them to no rule),
    anything else, or a model whose serialiser fails, as its ``str``."""
    if isinstance(value, BaseModel):
        try:
            return value.model_dump_json()
        except Exception:  # a caller's model must never fail the caller's tool call
            pass
    return safe_str(value)


def _cut_text(text: str, chars: int, budget: list[int]) -> str:
    if budget[0] <= 0:
        return CUT_MARK
    kept = text[:chars] if len(text) > chars else text
    budget[0] -= len(kept)
    return kept


def snapshot(value: Any) -> Any:
    """`jsonable` at the size an event keeps of arguments and results."""
    # `jsonable`'s fast paths, on exact types (anything else is left to it): every tool call takes
    # two or three snapshots, most of them of a short text or a small flat dict.
    kind = type(value)
    if kind is str:
        if len(value) <= RESULT_MAX_CHARS:
            return value
    elif kind is dict and len(value) <= 32:
        for k, v in value.items():
            if type(k) is not str or len(k) > 256 or not (
                v is None or type(v) in _SCALAR_TYPES or (type(v) is str and len(v) <= 256)
            ):
                break
        else:
            return dict(value)
    return jsonable(value, RESULT_MAX_CHARS)


#: An event logged but not yet built: (kind, tool, version_id, ts, data, private). A plain tuple:
#: every tool call logs two, and a NamedTuple's ``__new__`` is a Python call.
_Logged = tuple[EventKind, str | None, str | None, float, dict[str, Any], dict[str, Any] | None]


def _redacted(data: dict[str, Any], secrets: set[str], people: set[str]) -> dict[str, Any]:
    """`data` redacted with the episode's `secrets`, its error signature too: the signature reshapes
    a secret the error echoed (``plum orbit <n> zebra``), so its spellings no longer match there;
    then a customer's values masked (`skillevo._customer_mask`, with the episode's `people`)."""
    out: dict[str, Any] = redact(data, known=secrets)
    if secrets and isinstance(signature := out.get("signature"), str):
        out["signature"] = hide_in_signature(signature, secrets)
    masked: dict[str, Any] = mask_customers(out, people)
    return masked


def _build(logged: list[_Logged], secrets: set[str], people: set[str]) -> list[Event]:
    """`logged` as `Event`s, redacted (`secrets` and `people` grow on the way)."""
    for _kind, _tool, _version_id, _ts, logged_data, private in logged:
        if private:
            logged_data.update(private)
        # First every value the episode sent under a secret name, wherever it was logged: a
        # one-time code a tool printed before the agent sent it as `password` is hidden too.
        remember_secrets(logged_data, secrets)
        remember_people((logged_data,), people)  # likewise a customer's name its error quotes
    out = []
    for kind, tool, version_id, ts, data, _private in logged:
        # All of it, not only the private snapshots: an error text may echo a secret
        # argument without its name (known from this episode's earlier events).
        data = _redacted(data, secrets, people)
        out.append(
            mark_scrubbed(
                Event.model_validate({"kind": kind, "tool": tool, "version_id": version_id, "ts": ts, "data": data})
            )
        )
    return out


class PendingEvents(DeferredEvents):
    """A finished episode's events, built when first read (see `DeferredEvents`): at the end of a run
    the recorder hands them over unbuilt, and a queued store write builds them off the run's thread.
    `add` more (already built) before handing them on."""

    def __init__(self, built: list[Event], logged: list[_Logged], secrets: set[str], people: set[str]) -> None:
        super().__init__()
        self._built, self._logged, self._secrets, self._people = built, logged, secrets, people
        self._added: list[Event] = []

    def add(self, events: list[Event]) -> None:
        """Append `events` (before the events are first read)."""
        self._added.extend(events)

    def kinds(self) -> set[EventKind]:
        """The kinds of the events, without building them."""
        return {EventKind(e.kind) for e in (*self._built, *self._added)} | {r[0] for r in self._logged}

    def __len__(self) -> int:
        return len(self._built) + len(self._logged) + len(self._added)

    def tools(self) -> set[str]:
        """The tools the events are about, without building them."""
        return {e.tool for e in (*self._built, *self._added) if e.tool} | {r[1] for r in self._logged if r[1]}

    def _build(self) -> list[Event]:
        return [*self._built, *_build(self._logged, self._secrets, self._people), *self._added]

    def known(self) -> frozenset[str]:
        """The values the episode sent under secret names, once its events are built (this builds
        them): everything its events hide (`_build` collects them), with the values they held under
        a person's key (`Known.people`: masked in the episode's row too)."""
        self.resolve()
        return Known(self._secrets, self._people)


class EventRecorder:
    """The events of one episode (not thread-safe: the episode's lock is held by every caller).

    Args:
        episode_id: the episode the listener's events name.
    """

    def __init__(self, episode_id: str) -> None:
        self.episode_id = episode_id
        self.events: list[Event] | PendingEvents = []
        self._unbuilt: list[_Logged] = []
        # Values this episode passed under secret keys, hidden where they are echoed later (a
        # result, an error); this episode's only, dropped at finish.
        self.secrets: set[str] = set()
        # Values this episode passed under a person's key, masked where its texts echo them.
        self.people: set[str] = set()
        #: called with each selection, repair and guidance event as it happens (redacted)
        self.listener: Listener | None = None
        self._room = MAX_TOOL_EVENTS  # tool events this episode may still keep
        self.dropped = 0  # tool events past `MAX_TOOL_EVENTS`, not kept

    def log(self, kind: EventKind, tool: str | None = None, version_id: str | None = None, **data: Any) -> None:
        """Log an event whose data holds no snapshot of the caller's values."""
        self._unbuilt.append((kind, tool, version_id, time.time(), data, None))
        if self.listener is not None and kind in _TRACED:
            self.tell(kind, tool, version_id, mask_customers(redact(data, known=self.secrets), self.people))

    def log_call(self, kind: EventKind, tool: str, data: dict[str, Any]) -> None:
        """`log_private` of a tool call or result (kinds the listener is not told about), on every
        call's path: appended, nothing else. `data` holds the private snapshots too, after the
        other fields (where `log_private`'s build puts them)."""
        if self._room <= 0:
            self.dropped += 1
            return
        self._room -= 1
        self._unbuilt.append((kind, tool, None, time.time(), data, None))

    def log_private(
        self, kind: EventKind, tool: str | None, version_id: str | None, private: dict[str, Any], **data: Any
    ) -> None:
        """Log an event whose `private` fields (snapshots of arguments, results, error texts, taken
        now with `jsonable`) are added to its data when the event is built (and redacted with it)."""
        if kind in _SNAPSHOT_KINDS:
            if self._room <= 0:
                self.dropped += 1
                return
            self._room -= 1
        if self.listener is not None and kind in _TRACED:
            # Redacted now, once: the listener and the stored event see the same values.
            data.update(private)
            remember_people((data,), self.people)
            data = _redacted(data, self.secrets, self.people)
            self._unbuilt.append((kind, tool, version_id, time.time(), data, None))
            self.tell(kind, tool, version_id, data)
            return
        self._unbuilt.append((kind, tool, version_id, time.time(), data, private))

    def tell(self, kind: EventKind, tool: str | None, version_id: str | None, data: dict[str, Any]) -> None:
        """Hand one (redacted) event to the listener; an error in it is logged, never raised."""
        listener = self.listener
        if listener is None:
            return
        try:
            listener(
                Event.model_validate(
                    {"kind": kind, "episode_id": self.episode_id, "tool": tool, "version_id": version_id,
                     "data": dict(data)}
                )
            )
        except Exception:  # tracing is an observer: it never breaks the run
            _logger.exception("skillevo: the episode's trace listener failed")

    def built(self) -> Sequence[Event]:
        """The events logged so far, as `Event`s (the recorder's own list: copy it to hand it out)."""
        if self._unbuilt:
            events = self.events if isinstance(self.events, list) else list(self.events)
            events.extend(_build(self._unbuilt, self.secrets, self.people))
            self._unbuilt.clear()
            self.events = events
        return self.events

    def hand_off(self, episode: Episode) -> PendingEvents:
        """The events logged so far, unbuilt (see `PendingEvents`), with this episode's secrets; the
        recorder keeps them as its events and forgets the secrets. The tool events past the cap
        are counted in `episode`'s metadata (``events_dropped``)."""
        if self.dropped:
            episode.metadata["events_dropped"] = self.dropped
            if not _said_dropped.is_set():
                _said_dropped.set()
                _logger.warning(
                    "skillevo: episode %s logged more than %d tool calls, results and errors: the first %d are "
                    "recorded, %d more were not (the count is in the episode's metadata 'events_dropped'; "
                    "later episodes past the cap are noted there only)",
                    episode.id, MAX_TOOL_EVENTS, MAX_TOOL_EVENTS, self.dropped,
                )
        events = self.events if isinstance(self.events, list) else list(self.events)
        pending = PendingEvents(events, self._unbuilt, self.secrets, self.people)
        self.events, self._unbuilt, self.secrets, self.people = pending, [], set(), set()
        return pending
