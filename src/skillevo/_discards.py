"""When a repair may remove or overwrite a value the model chose: before the call only when proven.

A repair with a precondition acts before every call that meets it. Most edits keep the model's
value and rewrite its form (a case, a prefix, a unit, a rename onto an absent key); some throw a
value away: a drop of an argument the call holds, a constant set over another value, a rename onto
a key the call holds, a boolean turned into another. Applied before the call, such an edit is never
seen by the tool again, so nothing on record can ever contradict it: a tool error "dry_run is not
supported by this endpoint; remove dry_run and retry", complied with in two sessions before any dry
run was accepted, taught ``drop dry_run`` and 40 of the next 40 customers' dry runs were sent as
real transfers (attack28's open case; `skillevo._preempt` covers the order where an acceptance was
already on record).

The boundary, judged from what the edit does to this call, never from an argument's name:

- Where the tool declared a schema, an argument it declares is one it says it accepts: a failure
  naming it is about its value or its context, so an edit throwing its value away is never made
  before the call. One a closed schema (``additionalProperties: false``) leaves out may be: the
  tool said it takes no such thing. An open schema says nothing of an argument it leaves out.
- Without that word (no schema, or an open one leaving the argument out), it is made before the
  call only when the stored failures of the repair's trigger that name the argument refused two
  distinct values of it (so the refusal is of the argument, not of one value: both booleans, two
  texts) and no stored success of the tool holds a value the edit would change (the tool accepted
  the model's choice once).
- Otherwise the edit is made after an error only, and only when that error names the argument
  (the tool's word at that call): "insufficient funds" is no reason to drop a dry-run switch.
- A drop of an argument the schema leaves out is never made while a declared argument naming the
  same thing is missing from the call (one name holds the other's words, or they share a word
  other than a last word both end in: ``site`` or ``site_code`` next to an absent ``site_id``, not
  ``trace_id`` next to ``order_id``): the value is the misnamed argument's, and the call would
  run on the tool's default or on a constant learned since (world7, 2026-12-07: a hold placed at
  another depot; `tests/test_drop_misnamed_arg.py`).

Other edits of the same repair are untouched. The verdict is read from the store at most once per
version, edit and `ttl_s` (the trigger index's), or again after a failure of the tool (which may
be the proof), never on every call.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Container, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from ._arg_paths import MISSING, expand, get_path, values_at
from ._detect import classify_error
from ._guidance_facts import without_echo
from ._models import Affix, ArgCondition, DropArg, EventKind, MapValue, RenameArg, Repair, SetArg, SkillVersion, Trigger
from ._repair import apply_repair, same_args
from ._store import SkillStore
from ._transfer_sources import TRANSFER_MINER
from ._untrusted import name_words

if TYPE_CHECKING:
    from ._transfer import ToolCatalog

__all__ = ["DiscardGuard", "discards", "names_arg"]

#: The newest results and errors of the tool read for one verdict (as `skillevo._preempt`).
LOOKBACK = 500
#: Distinct refused values that show the tool refuses the argument, not one value of it.
PROVEN_VALUES = 2
_MAX_CACHED = 4096


def discards(
    op: Any, args: dict[str, Any], precondition: Sequence[ArgCondition] | None = None, declared: Container[str] = ()
) -> list[str]:
    """The arguments (concrete paths) whose value, present in `args`, `op` would remove or overwrite
    with a value of its own (a null is none, unless the tool `declared` the argument: a PATCH reads
    it as "clear this field"; a value's rewriting in another form is not one: a constant set only
    over values a `precondition` spells out literally is a value map, `"euro"` -> `"EUR"`, unless it
    turns a boolean into another value)."""
    mapped = isinstance(op, SetArg) and any(
        c.arg == op.arg and c.regex is not None and _literal(c.regex) for c in precondition or []
    )
    if isinstance(op, RenameArg):
        moved = [p for p in expand(args, op.arg) if get_path(args, p) is not MISSING]
        return [op.to] if moved and get_path(args, op.to) is not MISSING else []
    if not isinstance(op, DropArg | SetArg | MapValue):
        return []
    return [
        path
        for path in expand(args, op.arg)
        if _thrown_away(op, get_path(args, path), mapped, path.split(".", 1)[0] in declared)
    ]


def _thrown_away(op: DropArg | SetArg | MapValue, value: Any, mapped: bool, declared: bool) -> bool:
    # A null is no value the model chose (leaving it out loses none), unless the tool declares the
    # argument: then the null is one of its values ("clear this field"), not an absence.
    if value is MISSING or (value is None and not declared):
        return False
    if isinstance(op, DropArg):
        return True
    if isinstance(op, MapValue):
        return _flips(op, value)
    if same_args(value, op.value):
        return False
    return not mapped or isinstance(value, bool) or isinstance(op.value, bool)


def _literal(regex: str) -> bool:
    """Whether `regex` spells out its texts: literals (escaped as `re.escape` writes them) joined by ``|``."""
    parts = re.split(r"(?<!\\)\|", regex)
    return all(p and re.escape(re.sub(r"\\(.)", r"\1", p)) == p for p in parts)


def _flips(op: MapValue, value: Any) -> bool:
    """Whether the map turns a boolean into another value or a value into a boolean: a yes for a no
    has no form to rewrite."""
    out = op.mapping.get(str(value), MISSING)
    return out is not MISSING and (isinstance(value, bool) or isinstance(out, bool)) and not same_args(out, value)


def names_arg(message: str, arg: str) -> bool:
    """Whether the error `message` names `arg` (its own name: the last part of its path that is a
    name, not a list index or ``*``, as a whole word), outside a mapping of the call's arguments it
    echoes. An error naming the object that holds it (``payment declined: insufficient funds`` for
    ``payment.dry_run``) is about that object, not this member: before 2026-12-07 it named it, and
    the retry of a declined transfer dropped its dry-run switch."""
    name = next((p for p in reversed(arg.split(".")) if p and p != "*" and not p.isdigit()), None)
    if name is None:
        return False
    text = without_echo(message)
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", text, re.I) is not None


def about_another(message: str, arg: str, args: dict[str, Any]) -> bool:
    """Whether the error `message` is about another top-level argument of the call than `arg`: it names
    one of the others, or writes its text value, and neither names `arg` nor writes its value. A
    transferred affix (an id's code offered to ``to_account_id`` because ``account_id`` needed it) was
    retried onto the payee's number when the error named the payer's (``account ACC-00000001 not
    found``): the payee's account was then another record's (attack39)."""
    text = without_echo(message)

    def said(name: str) -> bool:
        value = args.get(name)
        return names_arg(message, name) or (isinstance(value, str) and len(value) >= 3 and value in text)

    return not said(arg) and any(said(other) for other in args if isinstance(other, str) and other != arg)


def _edits(repair: Repair) -> Iterator[tuple[int, Any]]:
    return ((i, op) for i, op in enumerate(repair.ops) if isinstance(op, DropArg | SetArg | MapValue | RenameArg))


class DiscardGuard:
    """Which of a repair's edits that throw a chosen value away may act, before a call or after an error."""

    def __init__(self, store: SkillStore, tools: ToolCatalog, ttl_s: float) -> None:
        """`tools`: the declared schemas; `ttl_s`: how long a verdict read from `store` holds."""
        self.store = store
        self.tools = tools
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._verdicts: dict[tuple[str, int, str, str], tuple[float, int, bool]] = {}
        self._errors: dict[str, int] = {}  # errors seen per tool: a new one may be the proof

    def noted_error(self, tool: str) -> None:
        """A call of `tool` failed: its verdicts are read again (the failure may name a second value)."""
        with self._lock:
            if tool in self._errors or len(self._errors) < _MAX_CACHED:
                self._errors[tool] = self._errors.get(tool, 0) + 1

    def preempts(self, tool: str, trigger: Trigger, version: SkillVersion, args: dict[str, Any]) -> bool:
        """Whether `version`'s repair may act before this call: each of its edits that would throw
        away a value `args` holds is proven (see the module's rule)."""
        repair = version.strategy.repair
        if repair is None:
            return True
        if any(self._misnamed(tool, op, args) for _, op in _edits(repair)):
            return False
        if version.origin.miner == TRANSFER_MINER and self.tools.sent_ok.changed_by(tool, repair):
            return False  # the tool accepted such a call as sent since the transfer (`_sent_successes`)
        return all(
            self._proven(tool, trigger, version.id, i, op, arg)
            for i, op in _edits(repair)
            for arg in discards(op, args, repair.precondition, self._declared(tool))
        )

    def after_error(
        self, tool: str, trigger: Trigger, version: SkillVersion, args: dict[str, Any], message: str
    ) -> Repair | None:
        """`version`'s repair less the edits that would throw away a value `args` holds that are
        neither proven nor named by the error `message` (the repair itself when none is left out;
        None when no edit is left)."""
        repair = version.strategy.repair
        if repair is None:
            return None
        out = [
            i
            for i, op in _edits(repair)
            for arg in discards(op, args, repair.precondition, self._declared(tool))
            if self._misnamed(tool, op, args)
            or (
                not names_arg(message, arg)
                and not (isinstance(op, RenameArg) and names_arg(message, op.arg))
                and not self._proven(tool, trigger, version.id, i, op, arg)
            )
        ]
        if version.origin.miner == TRANSFER_MINER:  # a guess by kinship: only on an error about its argument
            out += [i for i, op in enumerate(repair.ops)
                    if isinstance(op, Affix) and about_another(message, op.arg, args)]
        if not out:
            return repair
        kept = [op for i, op in enumerate(repair.ops) if i not in out]
        return Repair(ops=kept, precondition=repair.precondition) if kept else None

    def _misnamed(self, tool: str, op: Any, args: dict[str, Any]) -> bool:
        """Whether `op` drops a top-level argument the schema leaves out while a declared one sharing a
        name word with it is missing from the call (see the module's rule)."""
        schema = self.tools.schema(tool)
        if not isinstance(op, DropArg) or schema is None or "." in op.arg or op.arg not in args:
            return False
        props = schema["properties"]
        words = name_words(op.arg)
        return bool(words) and op.arg not in props and any(p not in args and _kin(words, name_words(p)) for p in props)

    def _declared(self, tool: str) -> Container[str]:
        schema = self.tools.schema(tool)
        return schema["properties"] if schema is not None else ()

    def _proven(self, tool: str, trigger: Trigger, version_id: str, index: int, op: Any, arg: str) -> bool:
        schema = self.tools.schema(tool)
        if schema is not None and arg.split(".", 1)[0] in schema["properties"]:
            return False  # the tool's word: an argument it declares is one it accepts
        if schema is not None and schema.get("additionalProperties") is False:
            return True  # a closed schema leaving it out: the tool refuses it whatever its value
        key = (version_id, index, tool, arg)
        now = time.monotonic()
        hit = self._verdicts.get(key)
        errors = self._errors.get(tool, 0)
        if hit is not None and now - hit[0] < self.ttl_s and hit[1] == errors:
            return hit[2]
        try:
            verdict = self._refused_in_every_value(tool, trigger, op, arg)
        except Exception:  # a store that cannot answer proves nothing
            verdict = False
        with self._lock:
            if len(self._verdicts) >= _MAX_CACHED:
                self._verdicts.clear()
            self._verdicts[key] = (now, errors, verdict)
        return verdict

    def _refused_in_every_value(self, tool: str, trigger: Trigger, op: Any, arg: str) -> bool:
        """No schema: two distinct values of `arg` refused by failures of the trigger that name it,
        and no stored success the edit would change."""
        from ._mining import _is_success

        path = op.to if isinstance(op, RenameArg) else op.arg
        single = Repair(ops=[op])
        for event in self.store.newest_events(kind=EventKind.TOOL_RESULT, tool=tool, limit=LOOKBACK):
            sent = event.data.get("args")
            if isinstance(sent, dict) and _is_success(event) and discards(op, sent):
                try:
                    if not same_args(apply_repair(single, sent), sent):
                        return False
                except Exception:  # an edit that cannot apply there changes nothing
                    continue
        refused: set[str] = set()
        for event in self.store.newest_events(kind=EventKind.TOOL_ERROR, tool=tool, limit=LOOKBACK):
            sent, message = event.data.get("args"), event.data.get("error")
            error_type = event.data.get("error_type")
            if not isinstance(sent, dict) or not isinstance(message, str) or not names_arg(message, arg):
                continue
            kind = error_type if isinstance(error_type, str) else "error"
            # A trigger names an exception class or an error category: either (as at the call).
            if not any(
                trigger.matches(tool=tool, error_type=t, text=message)
                for t in (kind, classify_error(message, kind, sent))
            ):
                continue
            refused.update(json.dumps(v, sort_keys=True, default=str) for v in values_at(sent, path))
            if len(refused) >= PROVEN_VALUES:
                return True
        return False


def _kin(words: list[str], other: list[str]) -> bool:
    """Whether two argument names (as words) may name the same thing: one holds all of the other's
    words, or they share one that is not the last word of both (``id``, ``date``, ``name`` end many
    names and tell nothing of which argument a value is: ``trace_id`` is no misnamed ``order_id``)."""
    if not words or not other:
        return False
    mine, theirs = set(words), set(other)
    if mine <= theirs or theirs <= mine:
        return True
    shared = mine & theirs
    if words[-1] == other[-1]:
        shared.discard(words[-1])
    return bool(shared)
