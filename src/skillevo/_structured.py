"""Structured-error rules: errors that say what to do without a correction to learn from.

Rate limits and transient errors (retry with back-off, honouring Retry-After), unexpected arguments
(drop them), misnamed ones (rename), enum values in the wrong case (change case), numbers and
booleans sent as strings (cast), other declared allowed values and missing arguments (guidance).

Each rule reads facts from the message (names, a declared value list, a numeric type) through the
validators of `_guidance_facts` and writes its guidance from a fixed template: no sentence of the
message, and no value the caller sent, is copied (a declared allowed value is the one exception).
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from ._detect import retry_after
from ._guidance_facts import (
    BOOL_WORDS,
    declared_values,
    extra_fields,
    fields_named,
    message_names_fit,
    missing_fields,
    numeric_target,
    renames,
    repair_guidance,
    suggested_value,
    without_echo,
)
from ._models import ArgCondition, ChangeCase, CoerceArg, DropArg, RenameArg, Repair, Retry
from ._secret_keys import is_secret_key
from ._untrusted import identifier

__all__ = ["StructuredRule", "required_names", "structured_rule"]


class StructuredRule(NamedTuple):
    """What a structured error teaches: a name suffix, guidance (None: none safe), a repair (or None)."""

    suffix: str
    guidance: str | None
    repair: Repair | None = None
    allowed: tuple[str, ...] = ()


#: The longest back-off a `Retry` accepts (its model's bound), so a tool's Retry-After cannot exceed it.
_MAX_BACKOFF_S = next(
    float(m.le) for m in Retry.model_fields["backoff_s"].metadata if getattr(m, "le", None) is not None
)


def _names(names: list[str]) -> str:
    # A list of names is a set, shown in an order of its own: the tool's order would let an error
    # spell a sentence across its items ('ignore', 'the', 'user', ...) that guidance then read back.
    return ", ".join(f"`{f}`" for f in sorted(names))


#: The missing-argument template as `structured_rule` writes it, read back by `required_names`.
_REQUIRES = re.compile(r"`[^`]+` requires ((?:`[^`\n]+`, )*`[^`\n]+`): always include (?:it|them) in the call\.")


def required_names(guidance: str | None) -> list[str]:
    """The argument names a missing-argument guidance of `structured_rule` asks for ([] for another text)."""
    m = _REQUIRES.fullmatch(guidance or "")
    return [n.strip("`") for n in m.group(1).split(", ")] if m else []


def _asks_secret(path: str) -> bool:
    """Whether a required argument an error names is, or sits under, a secret's name (`is_secret_key`).

    "`pay` requires `cvv`: always include it" would have every later agent collect a card's code, a
    password or a one-time code from its customer on the word of one error (a hostile tool's, or one
    echoing an attacker's text). A tool that takes a secret declares it in its schema, which states
    it (`_schema_repair`); an error's requirement of one is no guidance."""
    return any(is_secret_key(part) for part in path.split(".") if not part.isdigit())


def structured_rule(
    tool: str, message: str, category: str, args: dict[str, Any], retry_attempts: int
) -> StructuredRule | None:
    """The rule a structured error of `category` spells out for a call of `tool` with `args` (None: none)."""
    if category in ("rate_limit", "transient"):
        # The tool names its own wait: one beyond what a retry may sleep (or "inf") is capped, never trusted.
        wait = min(retry_after(message) or 0.5, _MAX_BACKOFF_S)
        return StructuredRule(
            f"retry-{category}",
            f"When `{tool}` fails with a {category.replace('_', ' ')} error, wait and retry the same call "
            "(honour Retry-After) instead of changing the arguments or giving up.",
            Repair(ops=[Retry(max_attempts=retry_attempts, backoff_s=wait)]),
        )
    sent = [f for f in args if identifier(f)]
    # The tool's own name is no argument of it ("Error invoking tool 'x' ...").
    named = [f for f in fields_named(message) if f != tool]
    found = renames(message, args)
    if found:
        rename = Repair(
            ops=[RenameArg(arg=a, to=b) for a, b in found.items()],
            precondition=[ArgCondition(arg=a, present=True) for a in found],
        )
        suffix = "-".join([category, *sorted(found)[:2]])
        return StructuredRule(suffix, repair_guidance(tool, rename, (args, {})), rename)
    if category == "extra_arg":
        extra = [f for f in extra_fields(message, args) if f != tool]
        if extra:
            return StructuredRule(
                "drop-" + "-".join(extra[:2]),
                f"`{tool}` does not accept {_names(extra[:5])}: leave {'it' if len(extra) == 1 else 'them'} out.",
                Repair(
                    ops=[DropArg(arg=f) for f in extra[:5]],
                    precondition=[ArgCondition(arg=f, present=True) for f in extra[:5]],
                ),
            )
    if category == "missing_arg":
        # Not the tool's name, nor a place inside a value the call sent (``ids.0``: an element), nor a
        # secret's: an error is no way to ask for a credential (`_asks_secret`).
        fields = [f for f in missing_fields(message, args)
                  if f != tool and f.split(".", 1)[0] not in args and not _asks_secret(f)]
        # Names the error alone gave: what they say together is bounded (`message_names_fit`).
        if fields and message_names_fit(fields):
            return StructuredRule(
                "required-" + "-".join(fields[:2]),
                f"`{tool}` requires {_names(fields)}: always include {'it' if len(fields) == 1 else 'them'} "
                "in the call.",
            )
        return None
    fields = [f for f in named if f in sent]
    if category == "enum":
        # A set of words is never an object's or a list's: one located at a member (``channels.0.kind``)
        # is that member's, and the container is named only because a schema dump quotes it.
        nested = any(f.split(".", 1)[0] in sent and "." in f for f in named)
        fields = [f for f in fields if not isinstance(args.get(f), dict | list)]
        if nested and not fields:
            return None
        return _enum_rule(tool, message, fields, args, [f for f in sent if not isinstance(args.get(f), dict | list)])
    if category == "type":
        return _type_rule(tool, message, fields, args)
    return None


def _enum_rule(
    tool: str, message: str, fields: list[str], args: dict[str, Any], sent: list[str]
) -> StructuredRule | None:
    declared = declared_values(message, args)
    if len(fields) > 1:
        # Several arguments failed in one call: the set is the one whose own clause declares it,
        # and no argument's when that cannot be told (the first named may be another mistake).
        owners = _declaring(message, fields, args)
        fields = sent = list(owners) if len(owners) == 1 else []
        declared = next(iter(owners.values())) if len(owners) == 1 else declared
    hint = suggested_value(message)
    allowed = declared or ([hint] if hint else [])
    if not allowed:
        return None
    for f in fields or sent:
        value = args.get(f)
        if not isinstance(value, str):
            continue
        for case in ("lower", "upper", "title"):
            fixed = getattr(value, case)()
            if fixed in allowed and value not in allowed:
                regex = r".*[A-Z].*" if case == "lower" else r".*[a-z].*" if case == "upper" else None
                # The example is shown only when the tool declared it (a member of its set); a
                # "did you mean" hint may be someone's name.
                example = f", e.g. `{fixed}`" if fixed in declared else ""
                return StructuredRule(
                    f"{f}-case",
                    f"`{tool}`: `{f}` values are {case}-case{example}.",
                    Repair(
                        ops=[ChangeCase(arg=f, to=case)],
                        precondition=[ArgCondition(arg=f, regex=regex)] if regex else None,
                    ),
                    tuple(declared),
                )
    if not declared:
        return None
    shown = ", ".join(f"`{v}`" for v in sorted(declared[:8]))  # a set, in no order the tool chose (`_names`)
    what = f"`{fields[0]}`" if fields else "the value"
    return StructuredRule(
        f"{fields[0] if fields else 'value'}-allowed",
        f"`{tool}`: {what} must be one of {shown}. DO use one of these exactly. DON'T invent variants.",
        allowed=tuple(declared),
    )


def _declaring(message: str, fields: list[str], args: dict[str, Any]) -> dict[str, list[str]]:
    """The named arguments whose clause (from the name to the next named argument) declares a set,
    with that set."""
    text = without_echo(message)
    spots = sorted(
        (m.start(), f) for f in fields if (m := re.search(rf"(?<![\w.]){re.escape(f)}(?!\w)", text)) is not None
    )
    ends = [pos for pos, _ in spots[1:]] + [len(text)]
    found = {f: declared_values(text[pos:end], args) for (pos, f), end in zip(spots, ends, strict=True)}
    return {f: values for f, values in found.items() if values}


#: Made-up numbers for the cast examples (the caller's own number is never shown).
_INT_EXAMPLES = (12, 7, 35)


def _type_rule(tool: str, message: str, fields: list[str], args: dict[str, Any]) -> StructuredRule | None:
    numeric = numeric_target(message)
    for f in fields:
        value = args.get(f)
        if numeric == "int" and isinstance(value, float) and value.is_integer():
            n = next(i for i in _INT_EXAMPLES if i != int(value))
            return StructuredRule(
                f"{f}-int",
                f"`{tool}`: send `{f}` as a JSON integer (`{n}`, not `{float(n)}`).",
                Repair(ops=[CoerceArg(arg=f, to="int")], precondition=[ArgCondition(arg=f, type="float")]),
            )
        if isinstance(value, str) and value.strip().lower() in ("true", "false") and BOOL_WORDS.search(message):
            return StructuredRule(
                f"{f}-bool",
                f"`{tool}`: send `{f}` as a JSON boolean (true/false), not a string.",
                Repair(ops=[CoerceArg(arg=f, to="bool")], precondition=[ArgCondition(arg=f, type="str")]),
            )
        if isinstance(value, str) and numeric is not None:
            try:
                float(value)
            except ValueError:
                continue
            return StructuredRule(
                f"{f}-{numeric}",
                f"`{tool}`: send `{f}` as a JSON {'integer' if numeric == 'int' else 'number'}, not a string.",
                Repair(ops=[CoerceArg(arg=f, to=numeric)], precondition=[ArgCondition(arg=f, type="str")]),
            )
    return None
