"""Guidance built from checked facts: what a mined skill may say, and the only words it may say it with.

Mined guidance is assembled from fixed templates filled with *validated tokens*: a tool name and
argument names that are identifiers (`_untrusted.identifier`), a JSON type, a format as a shape
(`_shape.shape`), made-up DO/DON'T examples of the same shape (`_shape.synthetic`), and allowed
values only when the tool itself declared them as a small closed set (`declared_values`). Nothing
else from a tool's text or a caller's arguments is copied, so an instruction hidden in an error
message has no way in, whether or not a pattern would have recognised it, and one customer's
order number, name or connection string never reaches another customer's prompt.

`clean_guidance` is the last check on every text built here: it refuses one that reads like an
instruction or contains any concrete argument value of the failure (other than a declared value).
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from ._customer_keys import is_personal_key
from ._error_items import error_items
from ._hygiene import redact
from ._message_names import introduced_names, message_name, message_names_fit, observed_values
from ._models import GUIDANCE_MAX_CHARS, Repair
from ._repair import apply_repair
from ._secret_keys import is_secret_key
from ._shape import is_instance_value, literal_is_code, shape, synthetic
from ._untrusted import clean_text, has_hidden, identifier, is_mixed_script, looks_like_injection, name_words, skeleton

__all__ = [
    "clean_guidance",
    "declared_values",
    "extra_fields",
    "fields_named",
    "introduced_names",
    "message_name",
    "message_names_fit",
    "missing_fields",
    "numeric_target",
    "observed_values",
    "plain_tokens",
    "renames",
    "repair_guidance",
    "suggested_value",
    "without_echo",
]

#: At most this many values make a "small closed set"; a longer list is a dump, not an enum.
MAX_DECLARED = 16
#: An enum member: one ASCII token, no white space, at most 32 characters. ASCII only: a whole word
#: of another script is neither checked by the instruction patterns nor folded by the look-alike
#: skeleton, so it cannot be told from an instruction in that language.
_MEMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+\-/:]{0,31}$")
_MEMBER_MAX_WORDS = 3
#: how guidance names the unit a duration repair counts in
_DURATION_WORDS = {"s": "seconds", "min": "minutes", "h": "hours", "d": "days"}


# --------------------------------------------------------------------------- names in messages


#: A mapping literal (``{'a': 1, 'b': [2]}``), innermost first.
_MAPPING = re.compile(r"\{[^{}]{0,4000}\}")
#: A location in a flattened validation message: a lower-case name, a colon, a capitalised message
#: (``qty: Field required``, ``ids.0: Input should be a valid string``).
_LOCATED = re.compile(r"(?<![\w.'\"`])([a-z_]\w{0,60}(?:\.\w{1,20}){0,4}):\s+(?=[A-Z][a-z])")


#: An error body: a mapping with a key an error's report goes under, and wording that reports one
#: (``{"error": "unexpected argument 'color'"}``, ``{"detail": [{"loc": [...], "msg": "field required"}]}``).
_BODY_KEY = re.compile(r"(?i)[{,]\s*['\"]?(?:errors?|details?|message|msg|problem|fault)['\"]?\s*:")
_BODY_WORDS = re.compile(
    r"(?i)\b(?:missing|required|unexpected|invalid|unknown|expected|must"
    r"|not (?:permitted|allowed|accepted|recogni[sz]ed))\b"
)


def _echoed(mapping: str) -> bool:
    return ":" in mapping and not (_BODY_KEY.search(mapping) and _BODY_WORDS.search(mapping))


def without_echo(message: str) -> str:
    """`message` without the mappings it quotes (``... with kwargs {'a': 1, 'b': 2} with error: ...``).

    A mapping in an error is the call's own arguments echoed back: the names in it are what was
    sent, not what is wrong; but an error body (a tool answering ``{"error": "unexpected argument
    'color'"}``) is what the error reports, and kept. (A set literal, ``{'a'}``, has no colon and is
    kept, as a tuple.)"""
    for _ in range(8):
        new = _MAPPING.sub(lambda m: "<...>" if _echoed(m.group(0)) else f"({m.group(0)[1:-1]})", message)
        if new == message:
            break
        message = new
    return message


def fields_named(message: str) -> list[str]:
    """Argument names an error message points at (pydantic loc lines, flattened or not, quoted names,
    a name after "parameter"), identifiers only; the names of an echoed mapping of the call's
    arguments (`without_echo`) are not pointed at."""
    message = without_echo(message)
    found: list[str] = []
    for m in re.finditer(r"(?m)^\s*([A-Za-z_][\w.]{0,60})\s*(?:$|:)", message):
        found.append(m.group(1))
    for m in _LOCATED.finditer(message):
        found.append(m.group(1))
    for m in re.finditer(r"['\"`]([A-Za-z_][\w.]{0,60})['\"`]", message):
        found.append(m.group(1))
    for m in re.finditer(
        r"\b(?:field|argument|parameter|property|key)s?\b\s*:?\s*['\"`]?([A-Za-z_][\w.]{0,60})", message, re.I
    ):
        found.append(m.group(1))
    # A name with "..." in it was elided (a capped message): it names nothing.
    return [f for f in dict.fromkeys(found) if identifier(f) and "..." not in f and f.lower() not in _NOT_FIELDS]


#: Words the patterns above catch that name no argument ("Field required", "argument missing").
_NOT_FIELDS = frozenset({"error", "input", "type", "value", "required", "missing", "is", "not", "must", "should"})


def missing_fields(message: str, args: dict[str, Any]) -> list[str]:
    """The arguments a missing-argument error names that the call lacks (never a name or value it has),
    each in a clause that says it is missing or required (or on the location line before one): a
    framework's heading ("Arguments validation failed: ...") names no argument. A structured
    validation body (`error_items`) is read by its items: those whose type or message says missing."""
    items = error_items(message)
    if items is not None:
        named = [i.path for i in items if i.kind == "missing" or MISSING_WORDS.search(i.msg)]
        # Every step of a location is the tool's text: each must be a name (or an index), not only the last.
        # (An index is digits, but the whole path is an `identifier`: a run of five is a record's number.)
        return [f for f in dict.fromkeys(named) if f not in args and identifier(f) == f and message_name(f, args)
                and all(p.isdigit() or message_name(p, args) for p in f.split("."))]
    said = _words_in_clauses(message, _MISSING_CLAUSE)
    return [f for f in fields_named(message) if f not in args and f in said and message_name(f, args)]


MISSING_WORDS = re.compile(r"missing|field required|is a required|required (argument|field|parameter|property)", re.I)
_MISSING_CLAUSE = re.compile(rf"{MISSING_WORDS.pattern}|\brequired\b", re.I)


def _clauses(message: str) -> Iterator[tuple[str, str]]:
    """(clause, the line before it when the clause starts its line) for each clause of each line: a
    flattened validation message is one line of "name: message" clauses, each read alone."""
    lines = without_echo(message).splitlines()
    for i, line in enumerate(lines):
        cuts = [0, *(m.start() for m in _LOCATED.finditer(line) if m.start() > 0), len(line)]
        for k, (a, b) in enumerate(itertools.pairwise(cuts)):
            yield line[a:b], (lines[i - 1].strip() if k == 0 and i > 0 else "")


def _words_in_clauses(message: str, words: re.Pattern[str]) -> set[str]:
    """The name-like words of the clauses matching `words`, and the location lines above them."""
    found: set[str] = set()
    for clause, above in _clauses(message):
        if words.search(clause):
            found.update(re.findall(r"[A-Za-z_][\w.]{0,60}", clause))
            found.add(above)
    return found


EXTRA_WORDS = re.compile(
    r"unexpected|extra (fields|inputs?)|not permitted|additional properties|unknown (field|argument|parameter)|"
    r"unrecogni[sz]ed",
    re.I,
)
BOOL_WORDS = re.compile(r"\bbool(ean)?\b", re.I)


def _reported(message: str, words: re.Pattern[str], present: bool, args: dict[str, Any]) -> list[str]:
    """Names the lines matching `words` report (quoted in the line, at its start before a colon as
    in ``seats: Field required``, or alone on the line before, as pydantic prints locations), kept
    when they are (`present`) or are not in `args`."""
    found: list[str] = []
    for clause, above in _clauses(message):
        if not words.search(clause):
            continue
        names = re.findall(r"['\"`]([A-Za-z_][\w.\-]{0,60})['\"`]", clause)
        lead = re.match(r"\s*([A-Za-z_][\w.\-]{0,60})\s*:", clause)
        if lead:
            names.append(lead.group(1))
        if above and identifier(above):
            names.append(above)
        found.extend(n for n in names if (n in args) is present)
    return list(dict.fromkeys(found))


def extra_fields(message: str, args: dict[str, Any]) -> list[str]:
    """The sent arguments an error reports as not accepted (in the clause that says so)."""
    return [f for f in _reported(message, EXTRA_WORDS, True, args) if identifier(f)]


def renames(message: str, args: dict[str, Any]) -> dict[str, str]:
    """Misnamed arguments an error spells out: {sent name: expected name}.

    The message must report a sent argument as unexpected and another as missing; the sent one is
    renamed to the missing one it matches (the same words in another case style, or its words the
    start or end of the other's: ``token`` -> ``access_token``), only when exactly one matches
    either way. Unrelated extra and missing arguments stay for the model: moving a value between
    them would be a guess. The expected name comes from the message, so it must pass `message_name`.
    """
    extra = [f for f in _reported(message, EXTRA_WORDS, True, args) if identifier(f)]
    missing = _reported(message, MISSING_WORDS, False, args) if extra else []
    missing = [m for m in missing if message_name(m, args)]
    if not missing or not message_names_fit(missing):
        return {}

    def related(a: str, b: str) -> bool:
        short, long_ = sorted((tuple(name_words(a)), tuple(name_words(b))), key=len)
        if not short or short == long_:
            return bool(short)
        n = len(short)
        return long_[:n] == short or long_[-n:] == short

    out: dict[str, str] = {}
    for f in extra:
        matches = [m for m in missing if related(f, m)]
        if len(matches) == 1 and sum(related(g, matches[0]) for g in extra) == 1 and matches[0] not in out.values():
            out[f] = matches[0]
    return out


# --------------------------------------------------------------------------- declared values

_DECLARED_LEAD = re.compile(
    r"(?:(?:must|should) be(?: either| one of)?|expected(?: one of)?|one of|allowed values?|valid options?)\s*:?\s*",
    re.I,
)
_MEMBER_TEXT = r"""(?:'[^'\s]{1,32}'|"[^"\s]{1,32}"|`[^`\s]{1,32}`|[^\s,|'"`\[\](){}]{1,32})"""
_LIST = re.compile(rf"[\[({{]?\s*({_MEMBER_TEXT}(?:\s*(?:,|\bor\b|\|)\s*{_MEMBER_TEXT})*)\s*[\])}}]?")
#: What may follow a declared list: the end, a sentence's end, or a bracketed annotation
#: (pydantic's ``[type=literal_error, ...]``); anything else means the "list" ran into prose.
_AFTER_LIST = re.compile(r"^(\s*$|[.;!?](\s|$)|\s*[\[(])")
#: What may also follow a list of quoted members (each delimited: nothing after is read as one): the
#: next clause of a message stored on one line (LangChain's ``... 'ppo' or 'hdhp' Please fix the
#: error``, or ``... 'hdhp' start: Input should be ...``).
_AFTER_QUOTED = re.compile(r"^\s*(?:[A-Z]|[\w.]{1,64}:\s)")
#: "Expected X" then what came instead: one record's value compared with the one sent (a surname, a
#: code the tool holds for this booking), not a set the tool declares.
_INSTEAD = re.compile(r"\b(?:got|received|found|actual|instead|but)\b", re.I)


def _member(raw: str) -> str | None:
    """A declared value, or None when it is no short, plain token."""
    v = raw.strip().strip("'\"`")
    if not _MEMBER.match(v) or "//" in v or is_mixed_script(v):
        return None
    if len(name_words(v)) > _MEMBER_MAX_WORDS:
        return None
    if not v.isascii() and skeleton(v).isascii():
        return None  # a whole word in look-alike letters of another script
    if is_instance_value(v):
        return None  # an id, a phone number, an address: one record's data, not a member of a set
    return v if redact(v) == v else None


def plain_tokens(values: Sequence[object]) -> list[str] | None:
    """`values` (duplicates dropped) when each may be shown as a declared value, else None.

    The boundary every declared value crosses on its way to guidance, whichever source declared it
    (a tool's schema, an error message): at most `MAX_DECLARED` values, each a string that is
    exactly one plain token (`_member`: ASCII, no white space, at most 32 characters and three
    words, no URL, no secret, no record's data), and the list read as one text, in its own order
    and sorted, no instruction. One value that fails voids the list: the caller then says that
    declared values exist without listing them.
    """
    if not values or len(values) > MAX_DECLARED:
        return None
    members: list[str] = []
    for v in values:
        if not isinstance(v, str) or _member(v) != v:
            return None
        members.append(v)
    if looks_like_injection(" ".join(members)) or looks_like_injection(" ".join(sorted(members))):
        return None
    return list(dict.fromkeys(members))


def declared_values(message: str, args: Mapping[str, object] | Iterable[object] = ()) -> list[str]:
    """The allowed values a message declares as a small closed set, each validated; [] when none.

    The list must follow "must be one of", "should be", "allowed values" (and the like), read as a
    whole: every member one plain token (no white space, at most 32 characters, three words, one
    script, no secret, no long number), at most `MAX_DECLARED` of them, ending where a sentence or
    an annotation starts. One member that is prose, an instruction fragment or hidden text voids
    the whole list, and so does the list read as one text (fragments split across members).

    A secret's accepted values are no declared values, whatever they look like ("'pin' must be one
    of 4821, 9930": the valid PINs): [] when the message points at an argument named as a secret
    (`is_secret_key`), or, `args` being the failed call's arguments (or only their names), points
    at none of them while one of them is a secret's, unless the list reads as another argument's:
    one whose sent value is a member in another case (``"Economy"`` for ``economy, business``), or
    one written with the same kinds of characters where every secret's value is known and is not.
    The schema road holds the same line (`_schema_repair`).

    A person's values are no declared values either ("'holder' must be one of Moreau, Stone": one
    customer's account holders, shown to every later session): [] when the message points at an
    argument naming a person, their contact or identity (`is_personal_key`), or points at none and
    every argument of the call is such a field.
    """
    declared = _declared_values(message)
    if not declared:
        return declared
    named = fields_named(message)
    sent: dict[str, object] = (
        {a: args[a] for a in args if isinstance(a, str)} if isinstance(args, Mapping)
        else dict.fromkeys(a for a in args if isinstance(a, str))
    )
    if _may_list_a_secret(named, sent, declared) or _lists_a_person(named, sent, declared):
        return []
    return declared


def _lists_a_person(named: Sequence[str], sent: Mapping[str, object], members: Sequence[str]) -> bool:
    folded = {m.lower() for m in members}
    pointed = [f for f in named if f.lower() not in folded]  # a quoted member names nothing
    if pointed:
        return any(is_personal_key(f.rsplit(".", 1)[-1]) for f in pointed)
    return bool(sent) and all(is_personal_key(a) or is_secret_key(a) for a in sent)


def _kinds(text: str) -> tuple[bool, bool, bool]:
    return any(c.isdigit() for c in text), any(c.isalpha() for c in text), any(not c.isalnum() for c in text)


def _reads_as_member(value: object, members: Sequence[str], *, loosely: bool) -> bool:
    """Whether a sent value reads as one of `members` mistaken: in another case, or (`loosely`)
    written with the same kinds of characters."""
    if not isinstance(value, str) or not value:
        return False
    folded, kinds = value.lower(), _kinds(value)
    return any(folded == m.lower() or (loosely and _kinds(m) == kinds) for m in members)


def _may_list_a_secret(named: Sequence[str], sent: Mapping[str, object], members: Sequence[str]) -> bool:
    if any(is_secret_key(f.rsplit(".", 1)[-1]) for f in named):
        return True
    secrets = [a for a in sent if is_secret_key(a)]
    if not secrets or any(f.split(".", 1)[0] in sent for f in named):
        return False
    # Which argument the list is about, the message does not say. Another one's, when its value is a
    # member in another case; or written like the members where every secret's value is known
    # (neither redacted nor unseen) and is not.
    others = [v for a, v in sent.items() if a not in secrets]
    if any(_reads_as_member(v, members, loosely=False) for v in others):
        return False
    known = all(isinstance(sent[a], str) and not str(sent[a]).startswith("[REDACTED") for a in secrets)
    return not (
        known
        and any(_reads_as_member(v, members, loosely=True) for v in others)
        and not any(_reads_as_member(sent[a], members, loosely=True) for a in secrets)
    )


def _declared_values(message: str) -> list[str]:
    text = clean_text(message, 4000)
    lead = _DECLARED_LEAD.search(text)
    if lead is None:
        return []
    rest = text[lead.end() :].split("\n", 1)[0]
    m = _LIST.match(rest)
    if m is None:
        return []
    raw = re.split(r"\s*(?:,|\bor\b|\|)\s*", m.group(1))
    if raw and raw[-1][-1:] in (".", ";") and not raw[-1].strip("'\"`").rstrip(".;").count("."):
        mark, raw[-1] = raw[-1][-1], raw[-1][:-1]  # the clause's end, not part of the last value
        # (read from the mark on: the list's match took the space after it)
        after = mark + (rest[m.end(1) :] if not rest[m.end(1) : m.end()].strip() else rest[m.end() :])
    else:
        after = rest[m.end() :]
    quoted = bool(raw) and len(last := raw[-1].strip()) > 1 and last[0] == last[-1] and last[0] in "'\"`"
    if not _AFTER_LIST.match(after) and not (quoted and _AFTER_QUOTED.match(after)):
        return []
    values = [_member(v) for v in raw if v.strip()]
    if not values or any(v is None for v in values) or len(values) > MAX_DECLARED:
        return []
    members = [v for v in values if v is not None]
    if len(members) == 1 and lead.group(0).strip(" :").lower() == "expected" and _INSTEAD.search(after):
        return []
    joined = " ".join(members)
    if looks_like_injection(joined) or looks_like_injection(m.group(1)):
        return []
    return list(dict.fromkeys(members))


def suggested_value(message: str) -> str | None:
    """The one value a "did you mean X?" message suggests (a hint for a case repair, never shown)."""
    dm = re.search(r"did you mean\s+['\"`]?([^\s'\"`?]{1,32})['\"`]?\s*\??$", clean_text(message, 4000), re.I | re.M)
    return _member(dm.group(1)) if dm else None


def numeric_target(message: str) -> str | None:
    """``int`` or ``float`` when the message asks for a number of that kind."""
    if re.search(r"\bint(eger)?\b", message, re.I):
        return "int"
    if re.search(r"\b(float|number|decimal)\b", message, re.I):
        return "float"
    return None


# --------------------------------------------------------------------------- composing guidance


def _q(value: Any) -> str:
    """A synthetic example value written as JSON (strings quoted)."""
    return json.dumps(value, ensure_ascii=True)


def _literal_ops_ok(repair: Repair) -> bool:
    """Whether the repair's literal texts (a prefix, a suffix, a set value) are format codes, safe to show."""
    for op in repair.ops:
        for attr in ("text", "value"):
            v = getattr(op, attr, None)
            if isinstance(v, str) and not literal_is_code(v):
                return False
        if op.op == "map":
            return False  # a value map is instance data: shown as shapes only
    return True


def repair_guidance(
    tool: str,
    repair: Repair,
    example: tuple[dict[str, Any], dict[str, Any]],
    declared: Collection[str] = (),
) -> str | None:
    """Guidance for a learned repair: what to change, and a DO/DON'T example of made-up values.

    The example is the repair applied to a synthetic call of the failing call's shape; when no
    synthetic value exists (names, e-mail addresses, ...) or the repair carries a literal that is
    not a format code, the shapes themselves are shown. A corrected value that is one of the
    `declared` allowed values (the tool's own closed set) is shown as it is. None when a name fails
    validation.
    """
    bad, good = example
    parts = []
    for op in repair.ops:
        arg = getattr(op, "arg", "")
        if arg and identifier(arg) is None:
            return None
        if op.op == "rename":
            if identifier(op.to) is None:
                return None
            parts.append(f"name the argument `{op.to}`, not `{arg}`")
        elif op.op == "drop":
            parts.append(f"leave out `{arg}`")
        elif op.op == "set":
            parts.append(f"set `{arg}`")
        elif op.op == "coerce" and op.to == "duration":
            parts.append(f"send `{arg}` as an ISO 8601 duration (PT36H, P7D)")
        elif op.op == "coerce" and op.duration is not None:
            parts.append(f"send `{arg}` as a plain number of {_DURATION_WORDS[op.duration]}")
        elif op.op == "coerce" and op.separator is not None:
            parts.append(f"send `{arg}` as " + ("a list of its items, not one text" if op.to == "list"
                                                 else "one text of its items, not a list"))
        elif op.op == "coerce" and op.scale is not None:
            parts.append(f"send `{arg}` at its corrected scale (x{Decimal(1).scaleb(op.scale):f}, as corrected before)")
        elif op.op == "coerce" and op.reads_number:
            said = (("its prefix", op.prefix), ("its unit", op.unit), ("digit grouping", op.grouping))
            dropped = " or ".join(w for w, on in said if on)
            parts.append(f"send `{arg}` as a plain number, without {dropped}")
        elif op.op != "retry":
            parts.append(f"fix the format of `{arg}` ({op.op.replace('_', ' ')})")
    text = f"When calling `{tool}`: " + "; ".join(_in_own_order(parts, repair)) + "."
    touched = [getattr(op, "to", None) if op.op == "rename" else getattr(op, "arg", None) for op in repair.ops]
    observed = observed_values(bad, good)
    for key in touched:
        if not key or key not in good or isinstance(good[key], dict | list):
            continue
        orig = getattr(repair.ops[touched.index(key)], "arg", key)
        before = bad.get(orig) if not isinstance(bad.get(orig), dict | list) else None
        if isinstance(good[key], str) and good[key] in declared:
            # Names and the declared value in backticks: the tool's words, marked as data by the block's header.
            text += f" DO: `{key}`=`{_q(good[key])}`" + (
                f" DON'T: `{orig}` as {shape(before)}" if before is not None else ""
            )
        else:
            text += " " + _example(repair, key, orig, before, good[key], bad, observed)
        break
    return text[:GUIDANCE_MAX_CHARS]


def _in_own_order(parts: list[str], repair: Repair) -> list[str]:
    """The repair's parts, those of one kind that name only an argument (leave out, set) sorted among
    their own places: which of them comes first means nothing to the call, and the order the error
    or the call listed them in could spell a sentence across them ('leave out `ignore`; leave out
    `the`; ...'). Every other part keeps its op's place (a rename before a format fix reads so)."""
    kinds = [op.op for op in repair.ops if op.op != "retry"]  # (a retry writes no part)
    ordered = list(parts)
    for kind in ("drop", "set"):
        places = [i for i, k in enumerate(kinds) if k == kind and i < len(parts)]
        for i, part in zip(places, sorted(parts[i] for i in places), strict=True):
            ordered[i] = part
    return ordered


def _example(
    repair: Repair, key: str, orig: str, before: Any, after: Any, bad: dict[str, Any], observed: Sequence[Any]
) -> str:
    """``DO: `key`=<made-up value> DON'T: `orig`=<made-up value>``, or the two shapes when no example is safe."""
    for variant in range(4):
        fake_before = synthetic(before, observed, variant) if before is not None else None
        if fake_before is None or not _literal_ops_ok(repair):
            break
        fake_args = {k: v for k, v in bad.items() if k != orig}
        fake_args = {k: synthetic(v, observed) for k, v in fake_args.items() if not isinstance(v, dict | list)}
        fake_args[orig] = fake_before
        try:
            fake_after = apply_repair(repair, {k: v for k, v in fake_args.items() if v is not None}).get(key)
        except Exception:  # the repair does not apply to this made-up call: try another
            continue
        if fake_after is not None and shape(fake_after) == shape(after) and str(fake_after) not in map(str, observed):
            return f"DO: `{key}`={_q(fake_after)} DON'T: `{orig}`={_q(fake_before)}"
    text = f"DO: `{key}` as {shape(after)}"
    if before is not None:
        text += f" DON'T: {shape(before)}"
    return text


_GENERIC = frozenset({"true", "false", "null", "none"})


def clean_guidance(
    text: str | None, observed: Iterable[Any], allowed: Collection[str] = (), names: Collection[str] = ()
) -> str | None:
    """`text` when it may reach a prompt, else None.

    Refused: text that reads like an instruction, and text containing a concrete value the caller
    sent (any scalar of `observed`, as a whole token, three characters or more, or two digits)
    unless it is one of the `allowed` values the tool declared or one of the shown `names`.
    """
    if not text:
        return None
    if looks_like_injection(text) or is_mixed_script(text) or has_hidden(text):
        return None
    for v in observed:
        s = str(v).strip()
        if s in allowed or s in names or s.lower() in _GENERIC:
            continue
        long_enough = len(s) >= 3 or (s.isdigit() and len(s) >= 2)
        if long_enough and re.search(rf"(?<![\w]){re.escape(s)}(?![\w])", text):
            return None
    return text
