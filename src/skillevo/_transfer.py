"""Argument-level skills that transfer: a repair learned on (tool A, argument x) offered to every tool
with an argument x of the same type (a boolean cast, whose meaning is its type alone, to every
argument declared or seen as a boolean, whatever its name).

A mistake about an argument (an id sent as a number, a date in another format) is usually the
policy's habit for that *kind* of argument, not for one tool: every tool taking a ``customer_id``
gets the same wrong value. So when a repair whose edits and precondition concern one argument is
mined (or a new tool with that argument becomes known), each other known tool with an argument of
that name, and no conflicting declared or observed type, gets a *transferred candidate*: a skill
of its own (trigger on that tool, same error class, the same per-argument repair and precondition),
tested by the same bandit against doing nothing. It starts from a small share of the original's
evidence (at most `PRIOR_OBSERVATIONS` pseudo-observations, the original's mean), so it is tried
before the other tool pays its own failures; a transferred candidate that loses at its tool is
rejected or retired there, and the original is untouched (it is another skill). It carries no
guidance: it acts before the call, and text about every tool sharing an argument would lengthen
every prompt (on BFCL it cost success through the policy's attention).

Tools and their arguments are known from the calls the Evolver sees (`ToolCatalog.observe`) and
from the JSON schemas an adapter declares (`Evolver.register_tools`).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._conform import PYTHON_TYPE, json_type, standard_types
from ._errors import ConfigError, NotFoundError, SkillevoError
from ._mining import Proposal, check_proposal
from ._models import (
    NULL_ARM,
    SCHEMA_MINER,
    Affix,
    ArgCondition,
    ChangeCase,
    CoerceArg,
    ConformArg,
    Event,
    EventKind,
    Origin,
    Pad,
    ReformatDate,
    Repair,
    Skill,
    SkillVersion,
    Strategy,
    Strip,
    Trigger,
    TriggerKind,
    VersionStatus,
)
from ._preempt import changes_successes
from ._repair_dates import swaps_day_and_month, unambiguous_date_regex
from ._sent_successes import SentSuccesses
from ._transfer_dates import SeenDates, date_kin, other_orders, reformats_date, written_shape, year_guard
from ._transfer_ids import adds_code, id_kin, other_code
from ._transfer_lists import elements_of, same_elements
from ._transfer_meaning import same_meaning
from ._transfer_nested import JSON_TYPES as _JSON_TYPES
from ._transfer_nested import MAX_NODES, members_of_type
from ._transfer_scale import plain_cast
from ._transfer_sources import TRANSFER_MINER, Source, SourceIndex, may_transfer, transferred_name
from ._transfer_synonyms import exact_map, vouched_synonym
from ._unit_names import canonical_unit, units_said
from ._untrusted import declared_name

if TYPE_CHECKING:
    from ._evolver import Evolver

__all__ = [
    "PRIOR_OBSERVATIONS",
    "TRANSFER_MINER",
    "ToolCatalog",
    "by_type",
    "per_argument",
    "sync_transfers",
    "transferred_name",
    "unit_of",
]

#: The most pseudo-observations a transferred candidate inherits from the original (each arm).
PRIOR_OBSERVATIONS = 3
#: The credited successes a repair needs at its own tool before it is offered to others.
MIN_WINS = 2
#: Value edits that mean the same on any tool's argument of that name (not a rename, a drop, a
#: set or a value map: those name another argument, or memorise one tool's instances; a synonym of a
#: declared enum member is the one map that transfers, by `_transfer_synonyms`).
_VALUE_OPS = (CoerceArg, ReformatDate, ChangeCase, Strip, Pad, Affix)
_MAX_TOOLS = 2000
_MAX_ARGS = 200

#: `_value_type` of the exact built-in types, looked up without a call (observed on every tool call)
_TYPE_NAMES: dict[type, str] = {type(None): "null", bool: "bool", int: "int", float: "float", list: "list",
                                tuple: "list", dict: "dict", str: "str"}


def _value_type(value: Any) -> str:
    return PYTHON_TYPE.get(json_type(value), "str")


class ToolCatalog:
    """The tools an Evolver knows: their argument names, declared JSON schemas and observed types."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._args: dict[str, set[str]] = {}
        self._schemas: dict[str, dict[str, Any]] = {}
        self._ok_types: dict[str, dict[str, set[str]]] = {}
        self._dates = SeenDates()
        self._changed: set[str] = set()  # tools given an argument since `sync_transfers` last looked
        self.sent_ok = SentSuccesses()  #: calls accepted as sent: a transfer changing one acts no more
        self.offered: set[str] = set()  #: transferred skills known to exist (the store is the truth)

    def register(self, tools: Mapping[str, Any]) -> list[str]:
        """Declare tools' JSON schemas (``{"properties": {...}, "required": [...]}``), by tool name;
        returns the tools that had declared another schema before."""
        if not isinstance(tools, Mapping):
            raise ConfigError(
                f"register_tools: expected a mapping of tool name -> JSON schema (got {type(tools).__name__})"
            )
        checked: dict[str, dict[str, Any]] = {}
        for name, schema in tools.items():
            if not isinstance(name, str) or declared_name(name) is None:
                raise ConfigError(f"register_tools: {str(name)[:80]!r} is not a tool name")
            props = schema.get("properties") if isinstance(schema, Mapping) else None
            if not isinstance(props, Mapping) or not all(
                isinstance(k, str) and isinstance(v, Mapping) for k, v in props.items()
            ):
                raise ConfigError(f"register_tools: the schema of {name!r} needs a 'properties' object of objects")
            checked[name] = {"properties": {k: standard_types(v) for k, v in props.items()},
                             "required": [r for r in schema.get("required", []) if isinstance(r, str)]}
            if schema.get("additionalProperties") is False:  # a closed schema: no other argument is accepted
                checked[name]["additionalProperties"] = False
        replaced: list[str] = []
        with self._lock:
            for name, schema in checked.items():
                if self._schemas.get(name, schema) != schema:
                    replaced.append(name)
                self._schemas[name] = schema
                known = self._args.setdefault(name, set())
                if not set(schema["properties"]) <= known:
                    known.update(list(schema["properties"])[:_MAX_ARGS])
                    self._changed.add(name)
        return replaced

    def observe(self, tool: str, args: Any, success: bool | None = None) -> bool:
        """Record a call's argument names (and, for a successful call, its value types); returns whether
        an argument became a date by its successes (`date_shape`: its tool is to be looked at again)."""
        if not isinstance(args, dict):
            return False
        known = self._args.get(tool)
        if known is None or not known.issuperset(args):  # (no view of the keys to build)
            with self._lock:
                if tool not in self._args and len(self._args) >= _MAX_TOOLS:
                    return False
                known = self._args.setdefault(tool, set())
                for k in args:
                    if isinstance(k, str) and len(known) < _MAX_ARGS:
                        known.add(k)
                self._changed.add(tool)
        dated = False
        if success:
            self.sent_ok.record(tool, args)
            types = self._ok_types.get(tool)
            if types is None:
                types = self._ok_types.setdefault(tool, {})
            for k, v in args.items():
                if k in known:
                    seen = types.get(k)
                    if seen is None:
                        seen = types.setdefault(k, set())
                    if len(seen) < 4:
                        seen.add(_TYPE_NAMES.get(type(v)) or _value_type(v))
                    if isinstance(v, str) and self._dates.seen(tool, k, v):
                        with self._lock:
                            self._changed.add(tool)
                        dated = True
        return dated

    def seen(self, tool: str, args: Any) -> dict[str, Any] | None:
        """`observe` a call's argument names; `schema` of its tool (one call of the two, on every call's path)."""
        if isinstance(args, dict):
            known = self._args.get(tool)
            if known is None or not known.issuperset(args):
                self.observe(tool, args)
        return self._schemas.get(tool)

    @property
    def changed(self) -> bool:
        """Whether a tool or argument was added since `sync_transfers` last looked."""
        return bool(self._changed)

    def take_changed(self) -> set[str]:
        """The tools given an argument since the last call (forgotten here: `mark_changed` puts back)."""
        with self._lock:
            changed, self._changed = self._changed, set()
        return changed

    def mark_changed(self, tools: set[str]) -> None:
        """Look at `tools` again at the next `sync_transfers` (a look the store refused)."""
        with self._lock:
            self._changed.update(tools)

    def args_of(self, tools: set[str]) -> set[str]:
        """The top-level argument names of `tools`."""
        with self._lock:
            return {a for t in tools for a in self._args.get(t, ())}

    def knows(self, tool: str) -> bool:
        """Whether `tool` was seen or declared before."""
        return tool in self._args

    def tools(self) -> list[str]:
        """The known tool names."""
        with self._lock:
            return sorted(self._args)

    def args_of_type(self, tool: str, wanted: str) -> list[str]:
        """`tool`'s top-level arguments of type `wanted` (declared, else the one type seen succeed)."""
        with self._lock:
            names = sorted(self._args.get(tool, ()))
        return [a for a in names if self.arg_type(tool, a) == wanted]

    def nested_of_type(self, tool: str, wanted: str) -> list[str]:
        """The members of `tool`'s declared object arguments (``options.gift_wrap``), and of the objects
        in its declared arrays (``items.*.fragile``), declared as the JSON type `wanted` names."""
        schema = self._schemas.get(tool)
        if schema is None:
            return []
        out: list[str] = []
        members_of_type(schema["properties"], wanted, "", out, 0, [MAX_NODES])
        return [p for p in out if "." in p]

    def has_arg(self, tool: str, arg: str) -> bool:
        """Whether `tool` is known to take `arg` (a top-level argument name)."""
        return arg in self._args.get(tool, ())

    def schema(self, tool: str) -> dict[str, Any] | None:
        """The declared JSON schema of `tool` (None: none declared)."""
        return self._schemas.get(tool)

    def description(self, tool: str, arg: str) -> str | None:
        """The declared description of `tool`'s argument `arg` (None: none declared)."""
        schema = self._schemas.get(tool)
        text = schema["properties"].get(arg, {}).get("description") if schema is not None else None
        return text if isinstance(text, str) else None

    def date_shape(self, tool: str, arg: str) -> str | None:
        """``"date"`` or ``"date-time"``: what `tool`'s `arg` holds by its declared ``format``, else by
        the one ISO shape its successful calls sent (`SEEN_DATES` of them at least); else None."""
        schema = self._schemas.get(tool)
        declared = schema["properties"].get(arg, {}).get("format") if schema is not None else None
        if declared is not None:
            return declared if declared in ("date", "date-time") else None
        return self._dates.shape(tool, arg)

    def item_type(self, tool: str, arg: str) -> str | None:
        """The declared type of the elements of `tool`'s list argument `arg` (None: none declared)."""
        schema = self._schemas.get(tool)
        items = schema["properties"].get(arg, {}).get("items") if schema is not None else None
        declared = items.get("type") if isinstance(items, dict) else None
        return _JSON_TYPES.get(declared) if isinstance(declared, str) else None

    def arg_type(self, tool: str, arg: str) -> str | None:
        """The argument's type: declared (JSON schema), else the one type seen in successful calls."""
        schema = self._schemas.get(tool)
        if schema is not None:
            declared = schema["properties"].get(arg, {}).get("type")
            if isinstance(declared, str) and declared in _JSON_TYPES:
                return _JSON_TYPES[declared]
        seen = self._ok_types.get(tool, {}).get(arg)
        return next(iter(seen)) if seen is not None and len(seen) == 1 else None


def per_argument(repair: Repair) -> list[tuple[str, Repair]]:
    """The repair split into per-argument repairs that may transfer: the value edits of one top-level
    argument with that argument's precondition (an argument without one is not split out), or a map
    of one value onto a declared enum's member, acting on that value only (`_transfer_synonyms`)."""
    if not repair.precondition:
        return []
    out: list[tuple[str, Repair]] = []
    for arg in dict.fromkeys(getattr(op, "arg", "") for op in repair.ops):
        ops = [op for op in repair.ops if getattr(op, "arg", None) == arg]
        conds = [c for c in repair.precondition if c.arg == arg]
        if not arg or not conds or not (all(isinstance(op, _VALUE_OPS) or plain_cast(op) for op in ops)
                                        or exact_map(ops, conds)):
            continue
        if "." in arg and elements_of(arg) is None and not by_type(Repair(ops=ops)):
            continue  # (a nested member goes by its type only; a list's elements by the list's name)
        out.append((arg, Repair(ops=ops, precondition=conds)))
    return out


def _parts(repair: Repair) -> list[tuple[str, Repair, bool]]:
    """`per_argument`'s parts (not widened), each followed by its date re-format widened to the other
    date orders (`_transfer_dates.other_orders`), offered to its own argument only."""
    out: list[tuple[str, Repair, bool]] = []
    for arg, part in per_argument(repair):
        out.append((arg, part, False))
        if (wider := other_orders(part)) is not None:
            out.append((arg, wider, True))
    return out


def _semantically_safe(repair: Repair) -> Repair | None:
    """The repair as another tool may apply it before any correction of its own: a date re-format
    whose day and month are both numeric only on dates whose day is above 12 (which read one way
    only); on ``03/04/2025`` the other tool's own corrections must first prove the mapping. One that
    reads a two-digit year not at all (its century is its argument's, `_transfer_dates.year_guard`)."""
    conds = list(repair.precondition or [])
    for op in repair.ops:
        if not isinstance(op, ReformatDate):
            continue
        if (guard := year_guard(op)) is None:
            return None
        conds += guard
        if swaps_day_and_month(op.from_format or ""):
            regex = unambiguous_date_regex(op.from_format or "")
            if regex is None:
                return None
            conds.append(ArgCondition(arg=op.arg, regex=regex))
    return Repair(ops=list(repair.ops), precondition=conds)


def by_type(repair: Repair) -> bool:
    """Whether the repair's meaning is its target type alone (every edit a plain cast to a boolean: it
    reads only words that mean one truth value), so it applies to any argument of that type, whatever
    its name. A unit, a date order or a case is a habit of one kind of argument: those go by name."""
    return all(isinstance(op, CoerceArg) and op.to == "bool"
               and op.model_dump(exclude_none=True).keys() <= {"op", "arg", "to"} for op in repair.ops)


def _renamed(repair: Repair, arg: str) -> Repair:
    """The one-argument repair addressing `arg` instead."""
    return Repair(ops=[op.model_copy(update={"arg": arg}) for op in repair.ops],
                  precondition=[c.model_copy(update={"arg": arg}) for c in repair.precondition or []])


def _targets(
    catalog: ToolCatalog, source_tool: str, arg: str, part: Repair, only: set[str] | None = None
) -> list[tuple[str, str, Repair]]:
    """(tool, argument, repair) for each other tool (among `only`, else all known) the repair is offered
    to: the argument of the same name with no conflicting type; for a cast by type (`by_type`), also
    each argument declared, or seen succeeding as, that type under another name."""
    wanted = _target_type(part)
    source_type = catalog.arg_type(source_tool, arg)
    typed, unit, dated, written = by_type(part), unit_of(part), reformats_date(part), written_shape(part)
    coded = adds_code(part)
    renamed = source_type in (None, wanted) and (typed or unit is not None)
    out: list[tuple[str, str, Repair]] = []
    for tool in catalog.tools() if only is None else sorted(t for t in only if catalog.knows(t)):
        if declared_name(tool) is None:
            continue
        if typed and source_type in (None, wanted):
            # A cast by type reaches the members of the same type in the tool's declared objects and
            # lists of objects (and the tool's other arguments of that type): its meaning is the type.
            others = catalog.nested_of_type(tool, wanted)
            if tool == source_tool:
                others += catalog.args_of_type(tool, wanted)
            out.extend((tool, other, _renamed(part, other)) for other in others if other != arg)
        if dated:  # a date habit: the tool's other dates too, the source's tool included (`_transfer_dates`)
            out.extend((tool, other, _renamed(part, other)) for other in date_kin(catalog, tool, arg, written))
        if coded:  # an id's code: the arguments named as kinds of that id, the source's tool included
            out.extend((tool, other, _renamed(part, other)) for other in id_kin(catalog, tool, arg))
        if tool == source_tool:
            continue
        listed = elements_of(arg)
        if listed is not None:  # the elements of a list of the same name, of no conflicting type
            if catalog.has_arg(tool, listed) and same_elements(catalog, source_tool, tool, listed, wanted) and (
                same_meaning(catalog, source_tool, tool, listed, arg, part, unit)
            ):
                out.append((tool, arg, part))
            continue
        if catalog.has_arg(tool, arg):
            have = catalog.arg_type(tool, arg)
            if (have is None or (have == wanted and (source_type is None or source_type == have))) and (
                same_meaning(catalog, source_tool, tool, arg, arg, part, unit)
            ):
                out.append((tool, arg, part))
        if renamed:
            out.extend((tool, other, _renamed(part, other)) for other in catalog.args_of_type(tool, wanted)
                       if other != arg and (typed or (unit is not None and _says_only(catalog, tool, other, unit))))
    return out


def unit_of(repair: Repair) -> str | None:
    """The unit (`canonical_unit`) a repair's one edit reads a number in: a unit of letters it drops
    (maybe after a degree sign: ``"kg"``, ``"°C"``), or the unit a length of time is counted in
    (``"14 days"`` as days); else None."""
    if len(repair.ops) != 1 or not isinstance(op := repair.ops[0], CoerceArg) or op.to not in ("int", "float"):
        return None
    if op.duration is not None and not (op.unit or op.grouping or op.prefix):
        return op.duration
    if op.unit is None or op.grouping or op.prefix or op.duration:
        return None
    letters = op.unit.removeprefix("°").strip()
    return canonical_unit(letters) if letters.isascii() and letters.isalpha() else None


def _says_only(catalog: ToolCatalog, tool: str, arg: str, unit: str) -> bool:
    """Whether the argument's declaration (its name's last word, its description) says it counts in
    `unit` and in no other: such an argument takes ``"12.5 kg"`` as 12.5 whatever it is called."""
    return units_said(arg, catalog.description(tool, arg), unit) == {unit}


def _target_type(repair: Repair) -> str:
    """The type the argument has after the repair."""
    casts: list[str] = []
    for op in repair.ops:
        if isinstance(op, CoerceArg):
            casts.append("str" if op.to == "duration" else op.to)
        elif isinstance(op, ConformArg) and plain_cast(op):
            casts.append(PYTHON_TYPE[str(op.to["type"])])
    return casts[-1] if casts else "str"


def _shrunk(posterior: tuple[float, float]) -> tuple[int, int]:
    """(successes, failures): at most `PRIOR_OBSERVATIONS` pseudo-observations at the posterior's mean."""
    a, b = posterior
    n = a + b - 2.0
    if n <= 0:
        return 0, 0
    k = min(float(PRIOR_OBSERVATIONS), n)
    wins = round(k * (a - 1.0) / n)
    return wins, round(k) - wins


def _won(evo: Evolver, skill: Skill, version: SkillVersion) -> bool:
    """Whether the repair won at least `MIN_WINS` credited calls and beat the null arm on the mean."""
    a, b = evo.selector.posterior(skill.name, version.id)
    na, nb = evo.selector.posterior(skill.name, NULL_ARM)
    return a - 1.0 >= MIN_WINS and a / (a + b) > na / (na + nb)


def _still_live(evo: Evolver, source: Source) -> bool:
    """Whether the indexed source may still transfer as stored now (the index is read once a while)."""
    try:
        version = evo.store.version(source.version.id)
    except NotFoundError:
        version = source.version.model_copy(update={"status": VersionStatus.REJECTED})
    evo.transfer_sources.note(source.skill, version)
    return may_transfer(source.skill, version)


def _read(evo: Evolver, version_ids: list[str]) -> list[Source]:
    """The sources among `version_ids`, read from the store now (and noted in the index)."""
    out: list[Source] = []
    for version_id in dict.fromkeys(version_ids):
        try:
            version = evo.store.version(version_id)
            skill = evo.store.skill(version.skill)
        except NotFoundError:
            continue
        evo.transfer_sources.note(skill, version)
        found = evo.transfer_sources.get(version_id)
        if found is not None:
            out.append(found)
    return out


def sync_transfers(evo: Evolver, created: list[str], *, call_path: bool = False) -> list[str]:
    """Offer the argument-level repairs among `created` (version ids: new ones, or ones an episode just
    credited) to the other known tools with that argument, and every indexed repair to the tools that
    became known (or took a new argument) since the last look, once each repair has proven itself at
    its own tool (`_won`); returns the versions created.

    `call_path`: on an agent's call (a tool's first call, a declaration): only the tools that changed
    are looked at, against the index in memory (`SourceIndex`), never a read of the whole library;
    before the index is first loaded they wait for the next look off the call path. Off it, the
    index is reloaded when stale and every repair offered to every tool again (as before 2026-12-07
    at every change of the tools, on the call path)."""
    catalog: ToolCatalog = evo.tools
    index: SourceIndex = evo.transfer_sources
    if not created and not catalog.changed and (call_path or not index.stale()):
        return []
    changed = catalog.take_changed()
    if changed:
        index.tools_changed()
    try:
        made: list[str] = []
        log: list[Event] = []
        fresh = _read(evo, created)
        if not call_path and index.stale():
            index.load(evo.store.skills())
            _offer(evo, index.all(), None, made, log)
        else:
            _offer(evo, fresh, None, made, log, read=True)
            if changed and index.loaded:
                _offer(evo, index.for_args(catalog.args_of(changed)), changed, made, log)
            elif changed:
                catalog.mark_changed(changed)
    except BaseException:
        catalog.mark_changed(changed)
        raise
    if log:
        evo.store.log_events(log)
    if made:
        evo.invalidate()
    return made


def _offer(
    evo: Evolver, sources: list[Source], only: set[str] | None, made: list[str], log: list[Event], *, read: bool = False
) -> None:
    """Offer each of `sources` that won at its tool to the tools (among `only`, else all) it reaches.
    `read`: the sources were just read from the store (else their record is read again first)."""
    catalog: ToolCatalog = evo.tools
    for source in sources:
        skill, version = source.skill, source.version
        assert version.strategy.repair is not None
        usable: bool | None = None  # looked up at its first target not offered yet
        for arg, whole, wider in _parts(version.strategy.repair):
            part = _semantically_safe(whole)
            if part is None:
                continue
            # A widened re-format stays on its own argument: the corrections proved that one's habit.
            targets = (([(skill.trigger.tool, arg, part)] if only is None or skill.trigger.tool in only else [])
                       if wider else _targets(catalog, skill.trigger.tool, arg, part, only))
            for tool, target, repair in targets:
                if version.origin.miner == SCHEMA_MINER and catalog.schema(tool) is not None:
                    continue  # (a tool with a schema has its own schema repairs)
                name = transferred_name(skill.name + ("-other-order" if wider else ""), tool, target)
                if name is None or name in catalog.offered:
                    continue
                # Its record is read only now, for an offer to be made: a look that offers nothing
                # reads neither the posteriors nor the store.
                if usable is None:
                    usable = _won(evo, skill, version) and (read or _still_live(evo, source))
                if not usable:
                    break
                _offer_one(evo, skill, version, (arg, tool, target, repair, name), made, log, wider=wider)
            if usable is False:
                break


def _offer_one(
    evo: Evolver,
    skill: Skill,
    version: SkillVersion,
    what: tuple[str, str, str, Repair, str],
    made: list[str],
    log: list[Event],
    *,
    wider: bool = False,
) -> None:
    """Store the transferred candidate `what` (argument, tool, target argument, repair, name) and seed
    its arms with a small share of the original's evidence, unless it was offered before. `wider`: a
    re-format widened to other date orders (`other_orders`), which fires on none of the failures the
    source was learned from."""
    arg, tool, target, repair, name = what
    source_tool = skill.trigger.tool
    try:
        evo.store.skill(name)
        evo.tools.offered.add(name)
        return  # offered before (whatever became of it): not again
    except NotFoundError:
        pass
    proposal = Proposal(
        name=name,
        description=f"{tool}: the repair of argument {arg} learned on {source_tool}, transferred"
                    + (f" to {target} (its type, or the unit its name says)." if target != arg else "."),
        trigger=Trigger(kind=TriggerKind.TOOL_ERROR, tool=tool, error_type=skill.trigger.error_type),
        strategy=Strategy(repair=repair),
        evidence=list(version.origin.evidence),
        episodes=list(version.origin.episodes),
        note=f"transferred from {version.id} (tool {source_tool}, argument {arg})",
    )
    # The tool's stored failures of this error class are about its other arguments when
    # the target is another argument: how often the repair fires on them says nothing.
    rate = 0.5 if target == arg and not wider else 0.0
    checked = check_proposal(proposal, evo.store, min_trigger_rate=rate)
    if not checked.ok and vouched_synonym(checked.reason, repair, skill.trigger, evo.store):
        # vouched at its source: only the vouch is waived, not the checks after it (a duplicate of a
        # version rejected at this tool, the trigger rate)
        checked = check_proposal(proposal, evo.store, min_trigger_rate=rate, vouched=True)
    if not checked.ok:
        return
    if changes_successes(evo.store, repair, proposal.trigger) or other_code(evo.tools, evo.store, tool, target, repair):
        return  # before a call, it breaks one that worked there; or the target's ids carry another code
    origin = Origin(miner=TRANSFER_MINER, evidence=proposal.evidence, episodes=proposal.episodes,
                    note=proposal.note)
    try:
        new = evo.store.add_skill(name, proposal.trigger, proposal.strategy,
                                  description=proposal.description, origin=origin)
    except SkillevoError:
        return  # stored concurrently by another process
    if evo.lifecycle.start(new.id) is None:
        return
    made.append(new.id)
    log.append(Event(kind=EventKind.PROPOSAL, version_id=new.id,
                     data={"name": name, "miner": TRANSFER_MINER, "kind": "repair", "from": version.id}))
    wins, losses = _shrunk(evo.selector.posterior(skill.name, version.id))
    null_wins, null_losses = _shrunk(evo.selector.posterior(skill.name, NULL_ARM))
    for arm, ws, ls in ((new.id, wins, losses), (NULL_ARM, null_wins, null_losses)):
        for reward in [1.0] * ws + [0.0] * ls:
            evo.ledger.credit(name, arm, reward)
            log.append(Event(kind=EventKind.CREDIT, version_id=None if arm == NULL_ARM else arm,
                             data={"key": name, "arm": arm, "reward": reward, "source": "transfer",
                                   "from": version.id}))
