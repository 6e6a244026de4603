"""Synonyms of a declared enum member, proven by the agent's own corrections.

A value map is mined only from two different wrong values (one correction's value is that task's
instance, not a rule), so an agent that writes one member its own way (``"text"`` for the declared
``sms``) paid a failure on every such call. Where the tool's schema declares the argument's closed
set of values, a map of one entry cannot collide with a value the tool accepts: its source is not a
member (nor a member's case or separator variant, which `_conform` repairs), its target is one. Such
an entry is proposed as a candidate of its own once corrections of `MIN_EPISODES` episodes map the
source to that member and no stored correction maps it to another (a word two tasks meant
differently is the task's choice, not a synonym); it acts before the call on that exact value only,
and is tested by the bandit against doing nothing like any candidate.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ._conform import NO, compact_schema, conform
from ._errors import NotFoundError
from ._mining import Proposal, correction_pairs
from ._models import ArgCondition, Event, EventKind, MapValue, Repair, Strategy, Trigger, TriggerKind
from ._redaction import redact
from ._untrusted import declared_name, identifier

if TYPE_CHECKING:
    from ._evolver import Evolver

__all__ = ["MIN_EPISODES", "synonym_proposals"]

#: Episodes whose corrections must agree on a synonym before it is proposed.
MIN_EPISODES = 2
#: The newest failed calls of a tool read for the proof (mining is off the agent's path; this bounds it).
_RECENT_ERRORS = 200
_MAX_VALUE = 64


def _args(event: Event) -> dict[str, Any]:
    args = event.data.get("args")
    return args if isinstance(args, dict) else {}


def _synonyms(bad: Mapping[str, Any], good: Mapping[str, Any], schema: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(argument, source, member) for each argument the correction changed from a value outside its
    declared enum (and no conversion of a member) to a member of it."""
    props = schema.get("properties")
    if not isinstance(props, Mapping):
        return []
    out = []
    for arg, target in good.items():
        source = bad.get(arg)
        declared = props.get(arg)
        if not (isinstance(arg, str) and identifier(arg) and isinstance(source, str) and isinstance(target, str)
                and isinstance(declared, Mapping) and source != target and 0 < len(source) <= _MAX_VALUE):
            continue
        sub = compact_schema(declared)
        members = sub.get("enum")
        if (isinstance(members, list) and all(isinstance(m, str) for m in members) and target in members
                and source not in members and conform(source, sub) is NO
                and redact({arg: source}) == {arg: source} and redact({arg: target}) == {arg: target}):
            out.append((arg, source, target))
    return out


def _proof(evo: Evolver, tool: str, arg: str, source: str, target: str) -> list[str] | None:
    """The episodes whose corrections map `source` to `target` (None when fewer than
    `MIN_EPISODES`, or when a stored correction maps it to another value)."""
    episodes = dict.fromkeys(
        e.episode_id for e in evo.store.newest_events(kind=EventKind.TOOL_ERROR, tool=tool, limit=_RECENT_ERRORS)
        if e.episode_id and _args(e).get(arg) == source
    )
    agree: list[str] = []
    for episode_id in episodes:
        for bad, good in correction_pairs(evo.store.events(episode_id=episode_id)):
            if bad.tool != tool or _args(bad).get(arg) != source:
                continue
            corrected = _args(good).get(arg, source)
            if corrected == target:
                agree.append(episode_id)
            elif corrected != source:
                return None
    distinct = list(dict.fromkeys(agree))
    return distinct if len(distinct) >= MIN_EPISODES else None


def _name(tool: str, arg: str, source: str) -> str:
    digest = hashlib.sha1(f"{tool}\0{arg}\0{source}".encode()).hexdigest()[:6]
    base = re.sub(r"[^a-z0-9]+", "-", f"{tool}-{arg}".lower()).strip("-")[:47].strip("-")
    return f"{base}-synonym-{digest}" if base else f"synonym-{digest}"


def _exists(evo: Evolver, name: str) -> bool:
    try:
        evo.store.skill(name)
    except NotFoundError:
        return False
    return True


def synonym_proposals(evo: Evolver, events: Sequence[Event]) -> list[Proposal]:
    """A candidate for each synonym of a declared enum member this episode's corrections complete
    the proof of (see the module's docstring)."""
    out: list[Proposal] = []
    named: set[str] = set()
    for bad, good in correction_pairs(events):
        tool = declared_name(bad.tool) if bad.tool else None
        schema = evo.tools.schema(tool) if tool else None
        if tool is None or schema is None:
            continue
        for arg, source, target in _synonyms(_args(bad), _args(good), schema):
            name = _name(tool, arg, source)
            if name in named or _exists(evo, name):
                continue
            named.add(name)
            proof = _proof(evo, tool, arg, source, target)
            if proof is None:
                continue
            repair = Repair(ops=[MapValue(arg=arg, mapping={source: target})],
                            precondition=[ArgCondition(arg=arg, regex=re.escape(source))])
            out.append(Proposal(
                name=name,
                description=f"{tool}: a value of `{arg}` its schema does not declare, corrected to a declared one",
                trigger=Trigger(kind=TriggerKind.TOOL_ERROR, tool=tool),
                strategy=Strategy(repair=repair),
                episodes=proof,
                note=f"synonym of a declared enum member; corrections of {len(proof)} episodes agree",
            ))
    return out
