"""Schema-aware repairs: a call that breaks its tool's declared schema gets a candidate before it fails.

When an adapter declared a tool's JSON schema (`Evolver.register_tools`), each call is read against
it before it runs (`propose`). An argument that does not conform gets, once per (tool, argument,
kind of value), a candidate skill of its own:

* a **repair** when the conversion loses nothing and only one value can be meant (`_conform`:
  ``123`` -> ``"123"``, ``"5"`` -> ``5``, ``[123]`` -> ``["123"]``, ``"a"`` -> ``["a"]``, an enum
  member's case, a date read one way only; not an integral float for an integer whose declaration
  says a unit or scale, ``368.0`` "in cents", which may be written in the larger unit); an argument
  the schema does not declare whose name is a missing declared one's in another case or separator
  style (``fileName`` for ``file_name``), or the last words of the only missing declared one, is
  renamed; any other undeclared argument is dropped when the schema is closed
  (``additionalProperties: false``, pydantic's ``extra="forbid"``); a missing required argument
  with a declared ``default`` is set to it;
* otherwise **guidance by shape**, built from the schema's facts only (tool and argument names,
  the JSON type, a declared small closed set of values), never from the value sent.

Each is a candidate like any mined one: a version under test, chosen by the bandit against doing
nothing at its own call site and credited with the outcome of the call it changed; one that loses
is rejected or retired (and not proposed again: its skill exists). Because the schema is the
tool's own statement that such a call is refused, a repair starts with `PRIOR` pseudo-observations
in its favour (and as many failures of the null arm), so it is tried from the first call; a tool
that accepts the value after all pays that prior back in a few calls. A repair's trigger is
``before_tool`` (it acts before the call only); guidance's is the tool's errors, so that it is
credited by the tool's later calls.

The first sighting writes the candidate to the library (once per tool, argument and kind of
value; later calls only read the in-memory cache).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._actors import LIFECYCLE
from ._conform import NO, PYTHON_TYPE, compact_schema, conform, conforms, json_type, name_key, type_ok
from ._errors import NotFoundError, SkillevoError
from ._guidance_facts import clean_guidance, observed_values, plain_tokens
from ._members import ITEMS, Culprit, wrong_members
from ._models import (
    NULL_ARM,
    SCHEMA_MINER,
    ArgCondition,
    ConformArg,
    DropArg,
    Event,
    EventKind,
    Origin,
    RenameArg,
    Repair,
    SetArg,
    Strategy,
    Trigger,
    TriggerKind,
    VersionStatus,
)
from ._redaction import redact
from ._schema_scale import rescales, unscaled
from ._untrusted import declared_name, identifier, name_words

if TYPE_CHECKING:
    from ._evolver import Evolver

__all__ = ["PRIOR", "SCHEMA_MINER", "Finding", "findings", "propose", "propose_safely", "retire_stale", "schema_digest"]

_logger = logging.getLogger("skillevo")

#: Pseudo-observations a schema repair starts with (wins for it, failures for the null arm).
PRIOR = 2
_TYPE_WORDS = {"string": "a string", "integer": "an integer", "number": "a number", "boolean": "a boolean",
               "array": "a list", "object": "an object"}
#: What guidance says of a declared set whose values may not be shown (see `plain_tokens`).
DECLARED_SET = "one of the values its schema declares"


@dataclass(frozen=True)
class Finding:
    """A candidate for one way a call breaks its tool's schema."""

    name: str
    arg: str
    strategy: Strategy
    why: str


def schema_digest(schema: Mapping[str, Any]) -> str:
    """A short digest of a tool's declared schema: the candidates drawn from it carry it in their name.

    Computed once per schema object (the tool catalogue keeps one per tool and replaces it when the
    tool declares another), not re-serialised on every call of the tool."""
    hit = _digests.get(id(schema))
    if hit is not None and hit[0] is schema:
        return hit[1]
    digest = hashlib.sha1(json.dumps(schema, sort_keys=True, default=str).encode()).hexdigest()[:6]
    if len(_digests) >= _DIGESTS_MAX:
        _digests.clear()
    _digests[id(schema)] = (schema, digest)  # the schema is kept so that its id is not reused
    return digest


_DIGESTS_MAX = 1024
_digests: dict[int, tuple[Mapping[str, Any], str]] = {}


def _declared(schema: Mapping[str, Any], props: Mapping[str, Any]) -> dict[str, tuple[dict[str, Any], str | None]]:
    """For each property declared as an object: its `compact_schema`, and its type when that is all
    `conforms` reads of it (then a type check decides). Computed once per schema object (as
    `schema_digest`): a tool's every call is checked against them."""
    hit = _compacts.get(id(schema))
    if hit is not None and hit[0] is schema:
        return hit[1]
    out: dict[str, tuple[dict[str, Any], str | None]] = {}
    for arg, declared in props.items():
        if isinstance(declared, Mapping):
            sub = compact_schema(declared)
            only_type = sub.get("type") if sub.keys() <= {"type", "default"} else None
            out[arg] = (sub, only_type if isinstance(only_type, str) else None)
    if len(_compacts) >= _DIGESTS_MAX:
        _compacts.clear()
    _compacts[id(schema)] = (schema, out)
    return out


_compacts: dict[int, tuple[Mapping[str, Any], dict[str, tuple[dict[str, Any], str | None]]]] = {}


def _skill_name(tool: str, arg: str, what: str, digest: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", f"schema-{tool}-{arg}-{what}".lower()).strip("-")
    if len(base) > 57:
        base = base[:50].rstrip("-") + "-" + hashlib.sha1(base.encode()).hexdigest()[:6]
    return f"{base}-{digest}"


def _rename_target(arg: str, args: Mapping[str, Any], props: Mapping[str, Any]) -> str | None:
    """The declared argument an undeclared `arg` stands for: the one missing declared name equal to
    it but for case and separators; else the only missing declared one whose last words it is."""
    missing = [p for p in props if p not in args]
    same = [p for p in missing if name_key(arg) and name_key(p) == name_key(arg)]
    if len(same) == 1:
        return same[0]
    if same:
        return None
    words = name_words(arg)
    if not words:
        return None
    ends = [p for p in missing if len(name_words(p)) > len(words) and name_words(p)[-len(words):] == words]
    return ends[0] if len(ends) == 1 else None


def _only_extra(arg: str, args: Mapping[str, Any], props: Mapping[str, Any], required: list[str]) -> bool:
    """Whether undeclared `arg` can be nothing but extra: no required argument is missing, and no
    missing declared one shares a name word with it (``departure_date`` may be a misnamed ``date``:
    dropping it would lose the value the call meant to send)."""
    if identifier(arg) is None or any(r not in args for r in required):
        return False
    words = set(name_words(arg))
    return not any(p not in args and words & set(name_words(p)) for p in props)


def _without_secrets(arg: str, schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` (compact) without the declared constants that are, or sit under the name of, a
    secret: a ``default`` or ``enum`` of a ``password`` would be stored with the candidate (a
    repair's `to`, a value to set) and so reach the library file and its exports. A secret default
    is never sent for the caller either: the placeholder redaction would store is no value to send."""
    out = {k: v for k, v in schema.items() if k not in ("default", "enum") or redact({arg: v}) == {arg: v}}
    if isinstance(out.get("items"), dict):
        out["items"] = _without_secrets(arg, out["items"])
    for key in ("anyOf", "oneOf"):
        if isinstance(out.get(key), list):
            out[key] = [_without_secrets(arg, b) if isinstance(b, dict) else b for b in out[key]]
    return out


def _shown(name: str, instead: str = "an argument") -> str:
    """A schema's or a call's name as a candidate's description and note may show it: an identifier,
    else `instead` (a property named with a sentence is input like any tool text, and descriptions
    reach reports and SKILL.md exports)."""
    return identifier(name) or instead


def _named(name: str) -> str:
    """An argument's name in a finding's description: in backticks, read as a name (a bare
    ``token: required`` reads as a secret's value to redaction, which would hide the words)."""
    shown = identifier(name)
    return f"`{shown}`" if shown else "an argument"


def _type_text(schema: Mapping[str, Any]) -> str | None:
    declared = schema.get("type")
    if isinstance(declared, str) and declared in _TYPE_WORDS:
        text = _TYPE_WORDS[declared]
        items = schema.get("items")
        if declared == "array" and isinstance(items, Mapping) and isinstance(items.get("type"), str):
            inner = _TYPE_WORDS.get(str(items["type"]))
            if inner is not None:
                text += " of " + inner.split(" ", 1)[1] + "s"
        return text
    return None


#: A pattern shown in guidance: short, regex syntax, digits and letters only, no run of more than five
#: letters (``^E\d{4}$``, ``^[A-Z]{3}-\d+$``); any other is the schema author's text, not shown.
_PLAIN_PATTERN = re.compile(r"[\^$\\\[\]{}()\-+*?.|,:_/#=0-9A-Za-z]{1,48}")
_WORDS = re.compile(r"[A-Za-z]{6}")
#: What separates a pattern's literal runs: a class escape (``\d``), a class of several characters,
#: an anchor, a group, an alternative, any character. An escaped character (``\.``) is literal text.
_PATTERN_SYNTAX = re.compile(r"\\[A-Za-z]|\[[^\]]{2,}\]|(?<!\\)[\^$()|.]")
#: What a literal run is read through: a repeat (``{1}``, ``?``, ``+``) or a class of one character
#: (``[4]``) leaves the text on both sides one run (``^4111[1]{1}11?11$`` spells one number).
_PATTERN_GLUE = re.compile(r"\{[\d,]*\}|(?<!\\)[*?+]|\[(\\?.)\]")


def _pattern_shown(pattern: str) -> bool:
    """Whether a declared pattern may be shown: plain regex syntax whose literal text crosses the
    boundary an ``enum`` member does (`plain_tokens`: no record's data, no secret, no instruction);
    a dynamic schema pinned to one customer's value (``^4111111111111111$``) keeps it out of guidance."""
    if not _PLAIN_PATTERN.fullmatch(pattern) or _WORDS.search(pattern) or redact(pattern) != pattern:
        return False
    glued = _PATTERN_GLUE.sub(lambda m: m.group(1) or "", pattern)
    runs = [run.replace("\\", "") for run in _PATTERN_SYNTAX.split(glued)]
    literal = [run for run in runs if any(c.isalnum() for c in run)]
    return not literal or plain_tokens(literal) is not None


def _guidance(tool: str, path: tuple[str, ...], schema: Mapping[str, Any], *, missing: bool, observed: Any,
              sent: Any = None) -> str | None:
    """Guidance from the schema's facts alone; None when there is nothing checkable to say.

    `path`: the argument's name, then the names of the members it descends to (`ITEMS` for a list's
    items: ``("items", ITEMS, "qty")`` is shown ``items[].qty``). `observed`: the value sent there;
    `sent`: the whole argument sent (none of its values may appear in the text).

    Every schema text in it crossed a boundary: names are identifiers, the type and format are
    words of this module, and ``enum`` members are listed only when they pass `plain_tokens`, in
    sorted order (so a schema cannot spell a sentence one word per member); else the guidance
    says that the schema declares the values, without them.
    """
    names = [p for p in path if p != ITEMS]
    # The path is shown as one name, so it is held to the rule of one (at most six words, no
    # instruction read across them) as an error's dotted location is: each level passing alone let a
    # schema spell a sentence a level at a time (inject4).
    if declared_name(tool) is None or not names or any(declared_name(n) is None for n in names):
        return None
    if declared_name(".".join(names)) is None:
        return None
    shown = "".join(p if i == 0 else ("[]" if p == ITEMS else "." + p) for i, p in enumerate(path))
    subject = f"each item of `{shown[:-2]}`" if path[-1] == ITEMS else f"`{shown}`"
    facts = []
    kind = _type_text(schema)
    if kind is not None:
        facts.append(kind)
    enum = schema.get("enum")
    # A secret's declared values are not shown (nor stored with the text), whatever their shape.
    secret = isinstance(enum, list) and redact({names[-1]: enum}) != {names[-1]: enum}
    members = plain_tokens(enum) if isinstance(enum, list) and enum and not secret else None
    # Each way of stating the declared set, most useful first: its members, that it exists, nothing.
    listings: list[list[str]] = [[]] if not isinstance(enum, list) or not enum else [[DECLARED_SET]]
    if members is not None:
        listings.insert(0, ["one of " + ", ".join(f"`{m}`" for m in sorted(members))])
    written = {"date": ["a date written YYYY-MM-DD"], "time": ["a 24-hour time written HH:MM"]}.get(
        str(schema.get("format")), [])
    pattern = schema.get("pattern")
    if isinstance(pattern, str) and isinstance(observed, str):  # (the type alone says nothing it lacks)
        written = [*written, f"matching the pattern `{pattern}`" if _pattern_shown(pattern)
                   else "matching the pattern its schema declares"]
    values = [observed, *observed_values({"": sent})] if sent is not None else [observed]
    for listing in listings:
        said = facts + listing + written
        if missing:
            text = f"When calling `{tool}`: {subject} is required" + (f" ({'; '.join(said)})" if said else "") + "."
        elif said:
            text = f"When calling `{tool}`: send {subject} as {'; '.join(said)}."
        else:
            return None
        checked = clean_guidance(text, values, allowed=members or (), names=[tool, *names])
        if checked is not None:
            return checked
    return None


def _shape_findings(tool: str, arg: str, value: Any, sub: Mapping[str, Any], digest: str) -> list[Finding]:
    """Guidance candidates for an argument no lossless conversion fits: one per wrong member when
    the argument is of its declared type and only members inside it are wrong (`wrong_members`),
    else one about the argument as a whole."""
    culprits = wrong_members(value, sub) or [Culprit((), value, sub, missing=False)]
    out = []
    for c in culprits:
        path = (arg, *c.path)
        text = _guidance(tool, path, c.schema, missing=c.missing, observed=c.value, sent=value)
        if text is None:
            continue
        where = ".".join(p for p in path if p != ITEMS)
        what = "required" if c.missing else json_type(c.value) + "-shape"
        if c.path:  # (a member's candidate never shares a name with an argument's: `a.b` and `a_b` read alike)
            what = "member-" + what
        why = (f"{_named(arg)}: a member is required and missing" if c.missing and c.path
               else f"{_named(arg)}: a {json_type(c.value)} no lossless conversion fits")
        out.append(Finding(_skill_name(tool, where, what, digest), arg, Strategy(guidance=text), why))
    return out


def _plainly_conforms(
    args: Mapping[str, Any], declared: Mapping[str, tuple[dict[str, Any], str | None]], required: Any, props: Any
) -> bool:
    """Whether `findings` has nothing to say, decided the common way (most calls): every argument
    is declared with a schema that is only a type, and has it; every required one is sent. False
    does not mean a finding: the full check decides then."""
    for arg, value in args.items():
        entry = declared.get(arg) if isinstance(arg, str) else None
        if entry is None or entry[1] is None:
            return False
        if type(value) not in _OF_TYPE.get(entry[1], ()) and not type_ok(value, entry[1]):
            return False
    for r in required:  # (a loop, not all() over a generator: this runs on every call)
        if isinstance(r, str) and r not in args and r in props:
            break
    else:
        return True
    return False


# The built-in classes whose values are of each JSON type for `type_ok` (a set look-up instead of its
# chain of isinstance tests; a value of another class is asked to `type_ok`).
_OF_TYPE: dict[str, frozenset[type]] = {
    "string": frozenset({str}),
    "integer": frozenset({int}),
    "number": frozenset({int, float}),
    "boolean": frozenset({bool}),
    "null": frozenset({type(None)}),
    "array": frozenset({list, tuple}),
    "object": frozenset({dict}),
}


def findings(tool: str, args: Mapping[str, Any], schema: Mapping[str, Any]) -> list[Finding]:
    """The candidates for the ways `args` breaks `schema` (``{"properties": ..., "required": ...}``)."""
    props: Mapping[str, Any] = schema.get("properties") or {}
    declared = _declared(schema, props)
    if _plainly_conforms(args, declared, schema.get("required") or (), props):
        return []
    required = [r for r in schema.get("required") or [] if isinstance(r, str) and r in props]
    out: list[Finding] = []
    covered: set[str] = set()
    digest = schema_digest(schema)
    for arg, value in args.items():
        if not isinstance(arg, str):
            continue
        entry = declared.get(arg)
        if entry is None:  # not declared (or not as an object)
            target = _rename_target(arg, args, props)
            if target is None and schema.get("additionalProperties") is False and _only_extra(arg, args, props,
                                                                                             required):
                # A closed schema: the tool refuses what it does not declare, so leaving it out
                # loses nothing the tool would have read.
                drop = Repair(ops=[DropArg(arg=arg)], precondition=[ArgCondition(arg=arg, present=True)])
                out.append(Finding(_skill_name(tool, arg, "undeclared", digest), arg, Strategy(repair=drop),
                                   f"argument {_named(arg)} is not declared and the schema accepts no other"))
                continue
            if target is None or identifier(target) is None:
                continue
            covered.add(target)
            repair = Repair(ops=[RenameArg(arg=arg, to=target)],
                            precondition=[ArgCondition(arg=arg, present=True), ArgCondition(arg=target, present=False)])
            out.append(Finding(_skill_name(tool, target, "name-" + arg, digest), target, Strategy(repair=repair),
                               f"argument {_named(arg)} is not declared; {_named(target)} is"))
            continue
        sub, only_type = entry
        if conforms(value, sub) if only_type is None else type_ok(value, only_type):
            continue
        kind = json_type(value)
        # (null for an optional argument that declares no null is not dropped here: the caller may
        # mean "clear it", which left out would not do; the model decides, taught by the guidance
        # below, or a drop its own corrections prove, value by value, tool by tool)
        if value is not None and not rescales(arg, value, sub, props[arg]) and conform(value, sub) is not NO:
            repair = Repair(ops=[ConformArg(arg=arg, to=_without_secrets(arg, unscaled(sub, props[arg])))],
                            precondition=[ArgCondition(arg=arg, type=PYTHON_TYPE.get(kind, "str"))])
            wanted = _type_text(sub) or "other values"
            out.append(Finding(_skill_name(tool, arg, kind, digest), arg, Strategy(repair=repair),
                               f"{_named(arg)}: a {kind} where the schema declares {wanted}"))
            continue
        out.extend(_shape_findings(tool, arg, value, sub, digest))
    for arg in required:
        if arg in args or arg in covered:
            continue
        sub = compact_schema(props[arg])
        if "default" in sub and redact({arg: sub["default"]}) != {arg: sub["default"]}:
            # A declared default that is (or sits under the name of) a secret is never sent for the
            # caller: the placeholder redaction would store is not a value to put in a call.
            sub = {k: v for k, v in sub.items() if k != "default"}
        if "default" in sub:
            repair = Repair(ops=[SetArg(arg=arg, value=sub["default"])],
                            precondition=[ArgCondition(arg=arg, present=False)])
            out.append(Finding(_skill_name(tool, arg, "default", digest), arg, Strategy(repair=repair),
                               f"{_named(arg)}: required, missing, declared default"))
            continue
        text = _guidance(tool, (arg,), sub, missing=True, observed=None)
        if text is not None:
            out.append(Finding(_skill_name(tool, arg, "required", digest), arg, Strategy(guidance=text),
                               f"{_named(arg)}: required and missing"))
    return out


def propose(evo: Evolver, tool: str, args: Any, broken: set[str] | None = None) -> list[str]:
    """Store (and start testing) a candidate for each new way this call breaks `tool`'s declared
    schema; returns the versions created. Cheap when nothing is new.

    `broken`, when given, receives the names of every candidate this call shows (new or not): a
    guidance candidate is judged by whether the tool's later calls still break the schema its way
    (`SiteChoices.conformance`)."""
    schema = evo.tools.schema(tool)
    if schema is None or not isinstance(args, dict):
        return []
    offered = evo.tools.offered
    found = findings(tool, args, schema)
    if not found:  # most calls
        return []
    if broken is not None:
        broken.update(f.name for f in found)
    new = [f for f in found if f.name not in offered]
    if not new:
        return []
    made: list[str] = []
    log: list[Event] = []
    for finding in new:
        offered.add(finding.name)
        try:
            evo.store.skill(finding.name)
            continue  # proposed before (whatever became of it): not again
        except NotFoundError:
            pass
        # A repair acts before the call only: a trigger on the tool's errors would match every error
        # (none is known yet) and take the retry from the skill that error is about (a rate limit's).
        # Guidance about the tool is credited by its later calls (see `EpisodeContext.finish`).
        kind = TriggerKind.BEFORE_TOOL if finding.strategy.repair is not None else TriggerKind.TOOL_ERROR
        trigger = Trigger(kind=kind, tool=tool)
        origin = Origin(miner=SCHEMA_MINER, note=f"declared schema of {_shown(tool, 'a tool')}: {finding.why}"[:2000])
        try:
            version = evo.store.add_skill(finding.name, trigger, finding.strategy, origin=origin,
                                          description=f"{_shown(tool, 'a tool')}: {finding.why}"[:1024])
        except SkillevoError:
            continue  # stored concurrently by another process
        if evo.lifecycle.start(version.id) is None:
            continue
        made.append(version.id)
        log.append(Event(kind=EventKind.PROPOSAL, version_id=version.id, tool=tool,
                         data={"name": finding.name, "miner": SCHEMA_MINER, "kind": finding.strategy.kind}))
        if finding.strategy.repair is not None:
            for arm, reward in ((version.id, 1.0), (NULL_ARM, 0.0)):
                for _ in range(PRIOR):
                    evo.ledger.credit(finding.name, arm, reward)
            log.append(Event(kind=EventKind.CREDIT, version_id=version.id, tool=tool,
                             data={"key": finding.name, "arm": version.id, "reward": 1.0, "null_reward": 0.0,
                                   "source": "schema", "pseudo": PRIOR}))
        else:
            # This call is one observation of the null arm on the outcome guidance is judged by (the
            # model, told nothing, sent the tool an argument its schema refuses), as a mined repair's
            # correction is one observed comparison (the Evolver's "evidence" credit).
            evo.ledger.credit(finding.name, NULL_ARM, 0.0)
            log.append(Event(kind=EventKind.CREDIT, tool=tool,
                             data={"key": finding.name, "arm": NULL_ARM, "reward": 0.0, "source": "evidence"}))
    if log:
        evo.store.log_events(log)
    if made:
        evo.invalidate()
    return made


def propose_safely(evo: Evolver, tool: str, args: Any, schema: Mapping[str, Any] | None = None) -> AbstractSet[str]:
    """`propose`, on the agent's path: an error is logged, never raised into the call. Returns the
    names of the candidates this call shows (`propose`'s `broken`). `schema`: the tool's declared
    schema, when the caller has read it (a call that plainly conforms to it is answered here)."""
    broken: set[str] = set()
    try:
        if schema is not None and type(args) is dict:
            # Most calls: every argument declared as only a type, and of it; every required one sent.
            # (`_plainly_conforms` on exact types, without its frame: then nothing can be found.)
            hit = _quick.get(id(schema))
            if hit is None or hit[0] is not schema:
                hit = _quick_check(schema)
            types, required = hit[1], hit[2]
            for k, v in args.items():
                of = types.get(k) if type(k) is str else None
                if of is None or type(v) not in of:
                    break
            else:
                for r in required:
                    if r not in args:
                        break
                else:
                    return _NOTHING
        propose(evo, tool, args, broken)
    except Exception:  # learning more must never be the reason a call fails
        _logger.exception("skillevo: proposing repairs from %s's schema failed", tool)
    return broken


_NOTHING: frozenset[str] = frozenset()
_Quick = tuple[Mapping[str, Any], dict[str, frozenset[type]], tuple[str, ...]]
_quick: dict[int, _Quick] = {}


def _quick_check(schema: Mapping[str, Any]) -> _Quick:
    """(schema, for each argument declared as only a type the classes `_plainly_conforms` accepts
    without asking `type_ok`, the required arguments it declares), cached per schema object."""
    props: Mapping[str, Any] = schema.get("properties") or {}
    types = {
        arg: _OF_TYPE[only]
        for arg, (_sub, only) in _declared(schema, props).items()
        if isinstance(arg, str) and only is not None and only in _OF_TYPE
    }
    required = tuple(r for r in schema.get("required") or () if isinstance(r, str) and r in props)
    if len(_quick) >= _DIGESTS_MAX:
        _quick.clear()
    hit: _Quick = (schema, types, required)
    _quick[id(schema)] = hit  # the schema is kept so that its id is not reused
    return hit


def retire_stale(evo: Evolver, tools: list[str]) -> None:
    """Retire the live candidates drawn from a schema `tools` no longer declare (their name carries
    the digest of the schema they came from)."""
    for tool in tools:
        schema = evo.tools.schema(tool)
        current = schema_digest(schema) if schema is not None else ""
        for skill in evo.store.skills():
            if skill.trigger.tool != tool or skill.name.endswith("-" + current):
                continue
            for version in skill.versions:
                if version.origin.miner == SCHEMA_MINER and version.status in (
                    VersionStatus.ACTIVE, VersionStatus.TESTING, VersionStatus.CANDIDATE
                ):
                    evo.store.set_status(version.id, VersionStatus.RETIRED, actor=LIFECYCLE,
                                         reason=f"{tool} declared another schema")
    if tools:
        evo.invalidate()
