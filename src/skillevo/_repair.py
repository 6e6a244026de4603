"""Declarative argument repairs: applying them, testing their preconditions, and *finding* them.

`synthesize` is the learning half: given pairs of (failed arguments, corrected arguments) that the
agent produced itself, it searches the small DSL of edits (rename, drop, set, cast, case change,
strip, zero-pad, prefix/suffix, date re-format, value map) for the smallest edit list that maps
every failed call to its correction, and a precondition that recognises the failing shape.

Arguments are addressed by path (`_arg_paths`: ``address.zip``, ``items.0.sku``, ``items.*.sku``
for every element of a list); dates are read by `_repair_dates`, numbers written for people
(``"48h"``, ``"1,200"``, ``"P-0042"``) by `_units`.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from ._affix import edits_a_word
from ._arg_paths import MAX_ELEMENTS, MISSING, STAR, expand, flat, get_path, has_star, pop_path, set_path, starred
from ._casts import CastError, cast, join_items, list_separators, split_text, text_separators
from ._conform import NO, conform
from ._durations import (
    as_iso_duration,
    duration_regex,
    duration_units,
    iso_units,
    read_duration,
    written_duration_regex,
)
from ._errors import SkillevoError
from ._models import (
    DATE_FORMAT_MAX_CHARS,
    Affix,
    ArgCondition,
    ChangeCase,
    CoerceArg,
    ConformArg,
    DropArg,
    MapValue,
    Pad,
    ReformatDate,
    RenameArg,
    Repair,
    Retry,
    SetArg,
    Strip,
)
from ._repair_conds import empty_value, pad_condition, precondition_holds, type_name
from ._repair_dates import DATE_FORMATS, DateError, adds_time_zone, date_mapping_proven, order_guard, parse_date
from ._scale import decades, rescale, scales_between
from ._shape import shape_regex
from ._units import cuts_fraction, lost_zeros, number_regex, pad_after, padded_prefix, read_number, readings

__all__ = [
    "RepairError",
    "apply_repair",
    "precondition_holds",
    "same_args",
    "shape_regex",
    "synthesize",
    "synthesize_apart",
]


class RepairError(SkillevoError):
    """A repair could not be applied to these arguments."""


def _coerce(value: Any, to: str) -> Any:
    try:
        return cast(value, to)
    except CastError as exc:
        raise RepairError(str(exc)) from None


def _concrete(op: Any, args: dict[str, Any]) -> list[Any]:
    """A ``*`` op as one op per element of the list it addresses (a rename's target at the same index).

    Raises `RepairError` for a rename whose target leaves the element (``items.*.sku`` -> ``sku``,
    ``items.*``, ``other.*.sku``): it would collapse every element's value into one key, replace
    the elements, or write ``"*"`` keys; a ``*`` rename moves a key within each element only."""
    out = []
    stars = [n for n, part in enumerate(op.arg.split(".")) if part == STAR]
    for path in expand(args, op.arg):
        parts = path.split(".")
        update = {"arg": path}
        if isinstance(op, RenameArg):
            indices = iter([parts[n] for n in stars])
            target = [next(indices, STAR) if part == STAR else part for part in op.to.split(".")]
            keep = stars[-1] + 1
            if STAR in target or len(target) <= keep or target[:keep] != parts[:keep]:
                raise RepairError(f"rename {op.arg} -> {op.to} moves a key out of its list's element")
            update["to"] = ".".join(target)
        out.append(op.model_copy(update=update))
    return out


def _apply_op(args: dict[str, Any], op: Any) -> None:
    if isinstance(op, Retry):
        return
    if has_star(op.arg):  # every element of a list
        for one in _concrete(op, args):
            _apply_op(args, one)
        return
    if isinstance(op, SetArg):
        set_path(args, op.arg, copy.deepcopy(op.value))
        return
    if isinstance(op, DropArg):
        pop_path(args, op.arg)
        return
    if isinstance(op, RenameArg):
        value = pop_path(args, op.arg)
        if value is not MISSING:
            set_path(args, op.to, value)
        return
    value = get_path(args, op.arg)
    if value is MISSING:
        return  # editing an absent argument is a no-op: the repair may cover several call shapes
    if isinstance(op, CoerceArg) and op.to == "duration":
        new: Any = as_iso_duration(value, op.duration)
        if new is None:
            return  # not a length in unit words (or a plain number of the proven unit): left as it is
    elif isinstance(op, CoerceArg) and op.duration is not None:
        new = read_duration(value, op.to, op.duration)
        if new is None:
            return  # not a length of time, or one the cast would round: left as it is
    elif isinstance(op, CoerceArg) and op.separator is not None:
        new = split_text(value, op.separator) if op.to == "list" else join_items(value, op.separator)
        if new is None:
            return  # not one text of items (or not a list of texts): left as it is
    elif isinstance(op, CoerceArg) and op.scale is not None and op.within is not None:
        new = rescale(value, op.scale, op.within, op.to)
        if new is None:
            return  # already at the corrected scale (or at neither): left as it is
    elif isinstance(op, CoerceArg) and op.reads_number:
        new = read_number(value, op.to, op.unit, op.grouping, op.prefix)
        if new is None:
            return  # another unit or grouping, or a number the cast would round: left as it is
    elif isinstance(op, CoerceArg):
        if op.to == "int" and cuts_fraction(value):
            return  # 75.5 is no 75: a cast learned on whole numbers never cuts a fraction off
        new = _coerce(value, op.to)
    elif isinstance(op, MapValue):
        new = op.mapping.get(str(value), value)
    elif isinstance(op, ReformatDate):
        if not isinstance(value, str):
            return
        if max(len(op.from_format or ""), len(op.to_format)) > DATE_FORMAT_MAX_CHARS:  # stored before the bound
            raise RepairError(f"a date format longer than {DATE_FORMAT_MAX_CHARS} characters is not applied")
        try:
            new = parse_date(value, op.from_format).strftime(op.to_format)
        except DateError as exc:
            raise RepairError(str(exc)) from None
    elif isinstance(op, Pad) and op.after is not None:
        new = pad_after(value, op.after, op.width)
    elif isinstance(op, Pad):
        text = str(value)
        new = text.rjust(op.width, op.fill) if op.side == "left" else text.ljust(op.width, op.fill)
        if isinstance(value, str) is False and op.fill != "0":
            new = str(new)
    elif isinstance(op, Strip):
        new = value.strip(op.chars) if isinstance(value, str) else value
    elif isinstance(op, ChangeCase):
        if not isinstance(value, str):
            return
        new = {"lower": value.lower, "upper": value.upper, "title": value.title, "capitalize": value.capitalize}[
            op.to
        ]()
    elif isinstance(op, ConformArg):
        new = conform(value, op.to)
        if new is NO:
            return  # no lossless, unambiguous conversion: the argument is left as it is
    elif isinstance(op, Affix):
        if not isinstance(value, str):
            value = str(value)
        if op.op == "add_prefix":
            new = value if value.startswith(op.text) else op.text + value
        elif op.op == "remove_prefix":
            new = value.removeprefix(op.text)
        elif op.op == "add_suffix":
            new = value if value.endswith(op.text) else value + op.text
        else:
            new = value.removesuffix(op.text)
    else:  # pragma: no cover - the discriminated union is closed
        raise RepairError(f"unknown repair op {op!r}")
    set_path(args, op.arg, new)


def apply_repair(repair: Repair, args: dict[str, Any]) -> dict[str, Any]:
    """The arguments after the repair's edits (a new dict; `args` is never modified)."""
    out = copy.deepcopy(dict(args))
    for op in repair.ops:
        _apply_op(out, op)
    return out


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, dict):
        return "dict"
    if isinstance(value, list | tuple):
        return "list"
    return type(value).__name__


def same_args(a: Any, b: Any) -> bool:
    """Equal as JSON, types included: ``20`` and ``20.0`` (and ``1`` and ``True``) differ.

    Python's ``==`` calls them equal, which would make a cast look like no edit at all.
    """
    kind = _kind(a)
    if kind != _kind(b):
        return False
    if kind == "dict":
        return a.keys() == b.keys() and all(same_args(v, b[k]) for k, v in a.items())
    if kind == "list":
        return len(a) == len(b) and all(same_args(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


# --------------------------------------------------------------------------- synthesis


def _value_transforms(bad: Any, good: Any) -> list[Any]:
    """Candidate single-value ops (without `arg`) that turn `bad` into `good`, smallest first."""
    cands: list[Any] = []
    if isinstance(bad, str) and isinstance(good, str):
        if bad.strip() == good and bad != good:
            cands.append(("strip", {}))
        for case in ("lower", "upper", "title", "capitalize"):
            if getattr(bad, case)() == good and bad != good:
                cands.append(("case", {"to": case}))
                break
        if good.endswith(bad) and good != bad and set(good[: len(good) - len(bad)]) == {"0"}:
            # Leading zeros: zero-padding to a width generalises to other lengths, a fixed prefix does not.
            cands.append(("pad", {"width": len(good), "fill": "0"}))
        if good.endswith(bad) and good != bad:
            cands.append(("add_prefix", {"text": good[: len(good) - len(bad)]}))
        if bad.endswith(good) and good != bad and len(good) > 0:
            cands.append(("remove_prefix", {"text": bad[: len(bad) - len(good)]}))
        if good.startswith(bad) and good != bad and not adds_time_zone(bad, good):
            cands.append(("add_suffix", {"text": good[len(bad) :]}))
        if bad.startswith(good) and good != bad and len(good) > 0:
            cands.append(("remove_suffix", {"text": bad[len(good) :]}))
        if len(good) > len(bad) and good.lstrip(good[0]) == bad.lstrip(good[0]) and good[0] == "0":
            cands.append(("pad", {"width": len(good), "fill": "0"}))
        padded = padded_prefix(bad, good)
        if padded is not None:
            cands.append(("pad", {"width": padded[1], "fill": "0", "after": padded[0]}))
        for f_from in DATE_FORMATS:
            try:
                parsed = dt.datetime.strptime(bad, f_from)
            except ValueError:
                continue
            for f_to in DATE_FORMATS:
                if f_to != f_from and parsed.strftime(f_to) == good:
                    cands.append(("reformat_date", {"from_format": f_from, "to_format": f_to}))
                    break
    if lost_zeros(bad, good):  # an id sent as a number: zero-padded to the width, that id written back
        cands.append(("pad", {"width": len(good), "fill": "0"}))
    # A list sent as one text of its items, or the reverse: split (joined) at the one separator shown.
    cands.extend(("coerce", {"to": "list", "separator": sep}) for sep in list_separators(bad, good))
    cands.extend(("coerce", {"to": "str", "separator": sep}) for sep in text_separators(bad, good))
    # A length corrected to ISO 8601: the same numbers rewritten, before a cast to text or a value map.
    cands.extend(("coerce", {"to": "duration", "duration": unit}) for unit in iso_units(bad, good))
    for to, kind in (("int", int), ("float", float), ("str", str), ("bool", bool)):
        if type(good) is kind and type(bad) is not kind:
            try:
                if same_args(_coerce(bad, to), good):
                    cands.append(("coerce", {"to": to}))
            except RepairError:
                pass
    if type(good) in (int, float) and good != 0:
        # A number written for people ("48h", "1,200", "$1,299.50", "P-0042") read as exactly the
        # corrected number: the correction proves the unit's scale and which mark groups digits here
        # (one text reads 1200 or 1.2). A zero shows no scale; "90min" -> 1.5 is left to a value map.
        to = "int" if type(good) is int else "float"
        # A length of time first: it reads every way of writing one ("2 hours" after "90 minutes").
        cands.extend(("coerce", {"to": to, "duration": unit}) for unit in duration_units(bad, good))
        for reading in readings(bad):
            if same_args(read_number(bad, to, **reading), good):
                cands.append(("coerce", {"to": to, **reading}))
        # Another decimal scale (a percent for a fraction, units for cents): the correction proves it
        # for this argument; the decades it lay in are widened to every pair's by `synthesize`.
        within = decades([good])
        cands.extend(("coerce", {"to": to, "scale": k, "within": within}) for k in scales_between(bad, good) if within)
    if (
        isinstance(good, int | str)
        and not isinstance(good, bool)
        and isinstance(bad, str | int)
        and not same_args(bad, good)
    ):
        # The last resort, a value map: only general when it is confirmed on more than one pair.
        cands.append(("map", {"mapping": {str(bad): good}}))
    return cands


def _make_op(name: str, arg: str, params: dict[str, Any]) -> Any:
    if name in ("add_prefix", "remove_prefix", "add_suffix", "remove_suffix"):
        return Affix(op=name, arg=arg, **params)
    cls = {
        "strip": Strip,
        "case": ChangeCase,
        "pad": Pad,
        "reformat_date": ReformatDate,
        "coerce": CoerceArg,
        "map": MapValue,
    }[name]
    return cls(arg=arg, **params)


def _candidate_ops(bad: dict[str, Any], good: dict[str, Any]) -> list[list[Any]] | None:
    """Per changed argument, the candidate ops for one pair (None when no DSL edit relates them)."""
    fb, fg = flat(bad), flat(good)
    edits: list[list[Any]] = []
    removed = [k for k in fb if k not in fg]
    added = [k for k in fg if k not in fb]
    renamed: set[str] = set()
    for old in removed:
        match = next(
            (new for new in added if same_args(fg[new], fb[old]) and new not in renamed and _may_rename(bad, old, new)),
            None,
        )
        if match is not None:
            edits.append([RenameArg(arg=old, to=match)])
            renamed.add(match)
        else:
            edits.append([DropArg(arg=old)])
    for new in added:
        if new not in renamed:
            edits.append([SetArg(arg=new, value=fg[new])])
    for key in fb:
        if key in fg and not same_args(fb[key], fg[key]):
            options = _element_ops(key, fb[key], fg[key])
            options += [_make_op(name, key, params) for name, params in _value_transforms(fb[key], fg[key])]
            options.append(SetArg(arg=key, value=fg[key]))
            edits.append(options)
    return _each_element(edits, bad)


def _element_ops(key: str, bad: Any, good: Any) -> list[Any]:
    """Ops of every element (``key.*``, no leaf of `flat`) of a list of plain values corrected item by
    item (ids sent as numbers); another list, or a map of elements (a reordering), is task data."""
    lists = isinstance(bad, list) and isinstance(good, list) and 0 < len(bad) == len(good) <= MAX_ELEMENTS
    if not lists or any(isinstance(v, dict | list | tuple) for v in (*bad, *good)):
        return []
    first = next(((b, g) for b, g in zip(bad, good, strict=True) if not same_args(b, g)), None)
    transforms = _value_transforms(*first) if first is not None else []
    return [_make_op(name, f"{key}.{STAR}", params) for name, params in transforms if name != "map"]


def _may_rename(bad: dict[str, Any], old: str, new: str) -> bool:
    """A key inside a list's element is renamed within that element only (``items.0.w`` -> ``items.0.kg``)."""
    if starred(bad, old) == old:
        return True
    return old.rpartition(".")[0] == new.rpartition(".")[0]


def _each_element(edits: list[list[Any]], bad: dict[str, Any]) -> list[list[Any]]:
    """Edits of the elements of a list of objects as one edit of every element (``items.*.w``): the
    mistake is the caller's habit for that kind of element, not for one index. The first element's
    candidates stand for the others; `synthesize` keeps one only if it fits every element."""
    out: list[list[Any]] = []
    seen: set[tuple[str, str, str]] = set()
    for options in edits:
        first = options[0]
        arg = starred(bad, first.arg)
        if arg == first.arg:
            out.append(options)
            continue
        to = starred(bad, first.to) if isinstance(first, RenameArg) else ""
        key = (type(first).__name__ if isinstance(first, RenameArg | DropArg) else "value", arg, to)
        if key in seen:
            continue
        seen.add(key)
        out.append([_star(op, bad) for op in options])
    return out


def _star(op: Any, bad: dict[str, Any]) -> Any:
    update = {"arg": starred(bad, op.arg)}
    if isinstance(op, RenameArg):
        update["to"] = starred(bad, op.to)
    return op.model_copy(update=update)


def synthesize(
    pairs: Sequence[tuple[dict[str, Any], dict[str, Any]]], *, confirm_additions: bool = False
) -> Repair | None:
    """The smallest DSL repair mapping every failed argument dict to its correction, or None.

    Candidates come from the first pair; one is kept only if it reproduces every pair exactly. A
    `set` of a changed value or a value `map` counts only when it is confirmed by at least two
    pairs with different failed values (otherwise it memorises one instance, not a rule), except a
    `set` of a newly added argument, which is the edit itself -- unless `confirm_additions` is
    true (the tool said the argument is *required*: its value is the caller's data, so one
    correction's value is that task's value, not a rule), when an addition needs at least two
    pairs that agree on the value.
    """
    if not pairs:
        return None
    first = _candidate_ops(*pairs[0])
    if not first:
        return None
    chosen: list[Any] = []
    for options in first:
        kept = None
        for op in options:
            op = _widened(op, pairs)
            if all(_op_consistent(op, bad, good) for bad, good in pairs) and not _edits_a_word(op, pairs):
                kept = op
                break
        if kept is None:
            return None
        if confirm_additions and _is_addition(kept, pairs) and len(pairs) < 2:
            return None
        if isinstance(kept, MapValue | SetArg) and not _is_addition(kept, pairs):
            changed = [vv for bad, good in pairs for vv in _changed_values(bad, good, kept.arg)]
            distinct = {repr(b) for b, _ in changed}
            if len(distinct) < 2 and not isinstance(kept, MapValue):
                return None
            if isinstance(kept, MapValue):
                kept = MapValue(arg=kept.arg, mapping={str(b): g for b, g in changed})
                if len(kept.mapping) < 2 or any(
                    isinstance(b, str) and isinstance(g, str) and adds_time_zone(b, g) for b, g in changed
                ):  # (a zone is the task's data: a map would set it on another task's same time)
                    return None
        if isinstance(kept, ReformatDate) and not date_mapping_proven(kept, pairs):
            return None  # every corrected date reads the same either way: which field is the day is unproven
        chosen.append(kept)
    repair = Repair(ops=chosen)
    if not all(same_args(apply_repair(repair, bad), good) for bad, good in pairs):
        return None
    guards = [order_guard(op, pairs) if isinstance(op, ReformatDate) else [] for op in chosen]
    if any(g is None for g in guards):
        return None
    extra = [c for g in guards for c in g or []]  # (an order no correction showed stays unread)
    return Repair(ops=chosen, precondition=(_precondition(chosen, pairs) or []) + extra or None)


def _widened(op: Any, pairs: Sequence[tuple[dict[str, Any], dict[str, Any]]]) -> Any:
    """A scale edit spanning the decades of every pair's corrected value (the first pair's alone would
    leave the next pair's number, a decade away, unrescaled)."""
    if not isinstance(op, CoerceArg) or op.scale is None:
        return op
    within = decades([g for bad, good in pairs for _, g in _changed_values(bad, good, op.arg)])
    return op if within is None else op.model_copy(update={"within": within})


def _edits_a_word(op: Any, pairs: Sequence[tuple[dict[str, Any], dict[str, Any]]]) -> bool:
    if not isinstance(op, Affix):
        return False
    return edits_a_word(op.op, op.text, [b for bad, good in pairs for b, _ in _changed_values(bad, good, op.arg)])


def _changed(bad: dict[str, Any], good: dict[str, Any]) -> frozenset[str]:
    fb, fg = flat(bad), flat(good)
    keys = (k for k in fb.keys() | fg.keys() if k not in fb or k not in fg or not same_args(fb[k], fg[k]))
    return frozenset(starred(bad if k in fb else good, k) for k in keys)


def _changed_values(bad: dict[str, Any], good: dict[str, Any], path: str) -> list[tuple[Any, Any]]:
    """(failed, corrected) values at `path`'s concrete paths where the correction changed them (every
    one, changed or not, for a path with no ``*``)."""
    out = []
    for p in expand(bad, path):
        b, g = get_path(bad, p), get_path(good, p)
        if not has_star(path) or (b is not MISSING and not same_args(b, g)):
            out.append((b, g))
    return out


def _leaves_alone(repair: Repair, bad: dict[str, Any], good: dict[str, Any]) -> bool:
    """Whether `repair` keeps every argument value this correction kept (applied after the error,
    and before the corrected call when its precondition holds there)."""
    fb, fg = flat(bad), flat(good)
    kept = [k for k in fb if k in fg and same_args(fb[k], fg[k])]
    try:
        after = flat(apply_repair(repair, bad))
        if precondition_holds(repair, good) and not same_args(apply_repair(repair, good), good):
            return False
    except (RepairError, SkillevoError, ValueError, TypeError):
        return True  # it cannot apply to these arguments: it changes nothing
    return all(same_args(after.get(k, MISSING), fb[k]) for k in kept)


def synthesize_apart(
    pairs: Sequence[tuple[dict[str, Any], dict[str, Any]]], *, confirm_additions: bool = False
) -> Repair | None:
    """`synthesize`, or, when no one rule explains every pair, a rule for the pairs that changed the
    same arguments as the first.

    An error that does not name its argument ("no match for the given values") is one signature
    for mistakes in several arguments; each correction fixes one of them, so requiring one rule for
    all of them learns none. The split rule must still leave every other correction alone: it may
    not change a value any of them kept (the mistake it fixes is then absent there, not contradicted),
    so conflicting corrections of the same argument still veto each other.
    """
    repair = synthesize(pairs, confirm_additions=confirm_additions)
    if repair is not None or len(pairs) < 2:
        return repair
    own = _changed(*pairs[0])
    group = [p for p in pairs if _changed(*p) == own]
    rest = [p for p in pairs if _changed(*p) != own]
    if not rest:
        return None
    repair = synthesize(group, confirm_additions=confirm_additions)
    if repair is None or not all(_leaves_alone(repair, bad, good) for bad, good in rest):
        return None
    return repair


def _is_addition(op: Any, pairs: Sequence[tuple[dict[str, Any], dict[str, Any]]]) -> bool:
    if not isinstance(op, SetArg):
        return False
    if has_star(op.arg):  # (added to some element)
        return all(any(get_path(bad, p) is MISSING for p in expand(bad, op.arg)) for bad, _ in pairs)
    return all(get_path(bad, op.arg) is MISSING for bad, _ in pairs)


def _op_consistent(op: Any, bad: dict[str, Any], good: dict[str, Any]) -> bool:
    if has_star(getattr(op, "arg", "")):  # it must fit every element
        ops = _concrete(op, bad if not isinstance(op, SetArg) else good)
        return bool(ops) and all(_op_consistent(one, bad, good) for one in ops)
    try:
        trial = copy.deepcopy(bad)
        if isinstance(op, MapValue):
            trial_value = get_path(bad, op.arg)
            target = get_path(good, op.arg)
            return trial_value is not MISSING and target is not MISSING
        _apply_op(trial, op)
    except (RepairError, SkillevoError, ValueError, TypeError):
        return False
    fl_t, fl_g = flat(trial), flat(good)
    if isinstance(op, RenameArg):
        return op.to in fl_g and same_args(fl_t.get(op.to), fl_g[op.to])
    if isinstance(op, DropArg):
        return op.arg not in fl_g
    if isinstance(op, SetArg):
        return same_args(fl_g.get(op.arg, MISSING), op.value)
    return same_args(fl_t.get(op.arg, get_path(trial, op.arg)), fl_g.get(op.arg, get_path(good, op.arg)))


def _precondition(
    ops: Sequence[Any], pairs: Sequence[tuple[dict[str, Any], dict[str, Any]]]
) -> list[ArgCondition] | None:
    """Conditions true on every failed call and false on every corrected one (or None)."""
    conds: list[ArgCondition] = []
    for op in ops:
        if isinstance(op, RenameArg | DropArg):
            conds.append(ArgCondition(arg=op.arg, present=True))
            if isinstance(op, DropArg):
                conds.extend(empty_value(op.arg, pairs))
        elif isinstance(op, SetArg) and _is_addition(op, pairs):
            conds.append(ArgCondition(arg=op.arg, present=False))
        elif isinstance(op, CoerceArg) and op.to == "duration":
            conds.append(ArgCondition(arg=op.arg, regex=written_duration_regex(op.duration is not None)))
        elif isinstance(op, CoerceArg) and op.duration is not None:
            conds.append(ArgCondition(arg=op.arg, regex=duration_regex()))
        elif isinstance(op, CoerceArg) and op.reads_number:
            conds.append(ArgCondition(arg=op.arg, regex=number_regex(op.unit, op.grouping, op.prefix)))
        elif isinstance(op, CoerceArg):
            bad_types = {type_name(v) for b, g in pairs for v, _ in _changed_values(b, g, op.arg)}
            if len(bad_types) == 1:
                conds.append(ArgCondition(arg=op.arg, type=bad_types.pop()))
        elif isinstance(op, ChangeCase) and op.to in ("lower", "upper"):
            conds.append(ArgCondition(arg=op.arg, regex=r".*[A-Z].*" if op.to == "lower" else r".*[a-z].*"))
        elif isinstance(op, Pad) and op.after is not None:
            conds.append(ArgCondition(arg=op.arg, regex=re.escape(op.after) + f"\\d{{1,{op.width - 1}}}"))
        elif isinstance(op, Pad):
            conds.append(pad_condition(op, [v for b, g in pairs for v, _ in _changed_values(b, g, op.arg)]))
        elif isinstance(op, Strip) and op.chars is None:
            conds.append(ArgCondition(arg=op.arg, regex=r"(?s)\s.*|.*\s"))
        elif not isinstance(op, Retry | SetArg | MapValue):
            values = [str(v) for b, g in pairs for v, _ in _changed_values(b, g, op.arg)]
            regex = shape_regex(values)
            if regex is not None:
                conds.append(ArgCondition(arg=op.arg, regex=regex))
    if not conds:
        return None
    candidate = Repair(ops=list(ops), precondition=conds)
    if all(precondition_holds(candidate, bad) for bad, _ in pairs) and not any(
        precondition_holds(candidate, good) for _, good in pairs
    ):
        return conds
    return None
