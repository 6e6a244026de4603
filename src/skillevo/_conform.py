"""A value against its declared JSON schema: whether it conforms, and its lossless, unambiguous conversion.

A tool declares what each argument must be (``type``, the ``items`` of an array, ``enum``,
``pattern``, ``format``, ``anyOf``). `conform` converts a value that does not conform only when the
conversion loses nothing and only one conforming value can be meant:

* a number to a string (``123`` -> ``"123"``), a numeric string to an integer or number
  (``" 5"`` -> ``5``), an integral float to an integer (``20.0`` -> ``20``), ``"true"`` /
  ``"false"`` to a boolean;
* the JSON text of an array or an object where an array or an object is declared
  (``'["a", "b"]'`` -> ``["a", "b"]``, ``'{"city": "Lyon"}'`` -> ``{"city": "Lyon"}``; its content
  then conformed like any value): the text is that value written out, so never wrapped as one item;
  a text that starts like one and does not parse is refused;
* ``0`` / ``1`` to a boolean; a numeric string in scientific notation to an integer when it writes
  an integer exactly (``"1.2e3"`` -> ``1200``; ``"1.25e1"`` is refused);
* a scalar to a one-element array when an array of that kind is declared (``"a"`` -> ``["a"]``; a
  text with a list separator, ``"a,b"``, is refused: one item or two?), an object to a one-element
  array of objects, and each element of an array (``[123]`` -> ``["123"]``), all elements or none;
* an object's declared members (``properties``), each converted like a value, all or none; a
  member named as exactly one absent declared member but for case and separators is renamed
  (``{"postalCode": ...}`` -> ``{"postal_code": ...}``);
* a string differing from exactly one ``enum`` member only by case, white space and which word
  separator it writes (space, ``-`` or ``_``: ``"Follow-Up"`` for ``follow_up``);
* a string that matches the ``pattern`` only once stripped or in one case (lower or upper), or
  with the literal head an anchored pattern starts every match with put before it (``"40321"`` ->
  ``"PKG_40321"`` for ``^PKG_[0-9]{5}$``: the tool's declared prefix, not a value of the caller's;
  only where the head stands apart from the value, never a digit before a digit or a letter before a letter);
* a date read one way only into ``format: date`` (``YYYY-MM-DD``): ``2025/03/14``, ``11/27/2025``;
  ``03/04/2025`` reads both ways and is left alone;
* a 12-hour clock time into ``format: time`` (``HH:MM[:SS]``): ``"3pm"``, ``"3:30 p.m."`` ->
  ``"15:00"``, ``"15:30"``; a time without am/pm (``"3:00"``) reads both ways and is left alone.

Anything else (a boolean to a string, ``"abc"`` to an integer, ``1.5`` to an integer, a string
that fits two enum members, a union whose branches convert differently) is refused: `conform`
returns `NO`. Nothing here looks at a particular tool or argument; patterns run on RE2.

Types are exact, as strict tool layers (pydantic's strict mode, most MCP servers) read them: ``20.0``
is not an ``integer`` and ``True`` is not a ``number``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import re
from collections.abc import Mapping
from typing import Any, Final

from ._regex import search

__all__ = ["NO", "PYTHON_TYPE", "compact_schema", "conform", "conforms", "json_type", "name_key", "standard_types",
           "type_ok"]


class _No:
    """No lossless, unambiguous conversion exists."""

    def __repr__(self) -> str:
        return "NO"


NO: Final = _No()

_INT = re.compile(r"[+-]?\d{1,18}", re.ASCII)
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
#: A text that may be several items written as one (a list separator in it): never wrapped as one item.
_LIST_TEXT = re.compile(r"[,;\n|]")
#: The most characters of a text read as the JSON of an array or object (longer: left as it is).
_MAX_JSON_TEXT = 100_000
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: Date spellings read into ``YYYY-MM-DD``; a text two of them read as different dates is refused.
_DATE_INPUTS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%d/%m/%Y", "%m/%d/%Y", "%d-%m-%Y", "%m-%d-%Y", "%d.%m.%Y",
                "%Y%m%d", "%d %b %Y", "%b %d, %Y", "%B %d, %Y", "%d %B %Y")
#: A 24-hour time as ``format: time`` validators read it (seconds, fraction and offset optional).
_TIME = re.compile(r"(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,9})?)?(?:[zZ]|[+-](?:[01]\d|2[0-3]):?[0-5]\d)?",
                   re.ASCII)
#: A 12-hour clock time: hour 1-12, optional minutes and seconds, then am/pm (``a.m.`` too).
_TIME_12 = re.compile(r"(1[0-2]|0?[1-9])(?::([0-5]\d)(?::([0-5]\d))?)?\s*([ap])\.?\s*m\.?", re.ASCII | re.IGNORECASE)
#: Word separators an enum member may be written with: one member's spelling is another's.
_SEPARATORS = re.compile(r"[\s_-]+")
#: What a name may differ by and still be the same name: case and these separators (``postalCode``,
#: ``postal-code``, ``postal.code``); any other character (``$`` / ``€``, ``%``, a letter) is the name's.
_NAME_SEPARATORS = re.compile(r"[\s_.-]+")
#: Characters that begin a construct in a pattern (not a literal character of its head).
_REGEX_SYNTAX = frozenset(".^$*+?()[]{}|\\")
_KEYS = ("type", "items", "enum", "pattern", "format", "anyOf", "oneOf", "default", "properties", "required")
_MAX_DEPTH = 4
_MAX_ENUM = 256
#: The most branches a union may have, and the most paths unions nested in unions may multiply to:
#: past either the schema is not judged (a branch left unread may accept the value as it is, and
#: every path is tried on every conversion).
_MAX_BRANCHES = 8
_MAX_PATHS = 16
_MAX_MEMBERS = 64
#: The most characters an object's compacted member schemas may take (a conform repair stores them).
_MAX_PROPERTIES_CHARS = 4000


#: JSON Schema type -> the type name `ArgCondition.type` and the tool catalogue use.
PYTHON_TYPE: Final = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "array": "list",
                      "object": "dict", "null": "null"}


#: Type names tool schemas written by hand use for JSON Schema's (function-calling dialects that
#: name Python's types): each means one JSON type, so it is read as that type.
_TYPE_ALIASES: Final = {"float": "number", "double": "number", "int": "integer", "bool": "boolean", "str": "string",
                        "dict": "object", "list": "array"}
_SUBSCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")


def standard_types(schema: Any, depth: int = 0) -> Any:
    """A copy of a JSON schema with type names of `_TYPE_ALIASES` replaced by JSON Schema's
    (``"float"`` -> ``"number"``), in its sub-schemas too; any other value is returned as it is."""
    if not isinstance(schema, Mapping) or depth > _MAX_DEPTH * 2:
        return schema
    out = dict(schema)
    declared = out.get("type")
    if isinstance(declared, str):
        out["type"] = _TYPE_ALIASES.get(declared, declared)
    elif isinstance(declared, list):
        out["type"] = [_TYPE_ALIASES.get(t, t) if isinstance(t, str) else t for t in declared]
    for key in ("items", "additionalProperties"):
        if isinstance(out.get(key), Mapping):
            out[key] = standard_types(out[key], depth + 1)
    if isinstance(out.get("properties"), Mapping):
        out["properties"] = {k: standard_types(v, depth + 1) for k, v in out["properties"].items()}
    for key in _SUBSCHEMA_LISTS:
        if isinstance(out.get(key), list):
            out[key] = [standard_types(v, depth + 1) for v in out[key]]
    return out


# A tuple of types, not ``list | tuple``: that union is built anew on every evaluation (these run on
# every argument of every call of a tool with a declared schema).
_SEQUENCE = (list, tuple)


def json_type(value: Any) -> str:
    """The JSON type of a value as JSON Schema names it (``integer`` for ints, ``number`` for floats)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, _SEQUENCE):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return "unknown"


def compact_schema(schema: Any, depth: int = 0, paths: int = 1) -> dict[str, Any]:
    """The parts of a property's schema `conform` reads (the rest dropped), bounded in depth and size;
    ``{}`` (not judged) for a schema whose unions are past `_MAX_BRANCHES` / `_MAX_PATHS`."""
    if not isinstance(schema, Mapping) or depth > _MAX_DEPTH:
        return {}
    for key in ("anyOf", "oneOf"):
        union = schema.get(key)
        if isinstance(union, list):
            paths *= max(1, len(union))
            if len(union) > _MAX_BRANCHES or paths > _MAX_PATHS:
                return {}
    out: dict[str, Any] = {}
    for key in _KEYS:
        if key not in schema:
            continue
        value = schema[key]
        if key == "items":
            out[key] = compact_schema(value, depth + 1, paths)
        elif key in ("anyOf", "oneOf") and isinstance(value, list):
            branches = [compact_schema(v, depth + 1, paths) for v in value]
            if any(not b for b in branches):  # a branch not judged: nor is the union
                return {}
            out[key] = branches
        elif key == "enum" and isinstance(value, list) and len(value) <= _MAX_ENUM:
            out[key] = [v for v in value if v is None or isinstance(v, str | int | float | bool)]
        elif key == "properties" and isinstance(value, Mapping):
            members = {k: compact_schema(v, depth + 1) for k, v in list(value.items())[:_MAX_MEMBERS]
                       if isinstance(k, str) and len(k) <= 200}
            members = {k: v for k, v in members.items() if v}
            if members and len(repr(members)) <= _MAX_PROPERTIES_CHARS:  # (a repair stores it)
                out[key] = members
        elif _keep(key, value):
            out[key] = value
    return out


def _keep(key: str, value: Any) -> bool:
    if key == "type":
        return isinstance(value, str) or (isinstance(value, list) and len(value) <= 8)
    if key in ("pattern", "format"):
        return isinstance(value, str) and len(value) <= 1000
    if key == "required":
        return isinstance(value, list) and len(value) <= _MAX_MEMBERS and all(
            isinstance(k, str) and len(k) <= 200 for k in value
        )
    return key == "default" and (value is None or isinstance(value, str | int | float | bool))


def _same(a: Any, b: Any) -> bool:
    return json_type(a) == json_type(b) and a == b


def type_ok(value: Any, declared: str) -> bool:
    """Whether `value` is of the JSON Schema type `declared` (a type this module does not know: True)."""
    kind = json_type(value)
    if declared == "number":
        return kind in ("integer", "number")
    if declared in ("string", "integer", "boolean", "array", "object", "null"):
        return kind == declared
    return True  # a type this module does not know: not judged


def _is_date(text: str) -> bool:
    if not _ISO_DATE.fullmatch(text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def conforms(value: Any, schema: Mapping[str, Any], depth: int = 0) -> bool:
    """Whether `value` satisfies the parts of `schema` this module reads."""
    if depth > _MAX_DEPTH:
        return True
    for key in ("anyOf", "oneOf"):
        branches = schema.get(key)
        if isinstance(branches, list) and branches and not any(
            conforms(value, b, depth + 1) for b in branches if isinstance(b, Mapping)
        ):
            return False
    declared = schema.get("type")
    if isinstance(declared, str) and not type_ok(value, declared):
        return False
    if isinstance(declared, list) and declared and not any(type_ok(value, t) for t in declared if isinstance(t, str)):
        return False
    enum = schema.get("enum")
    if isinstance(enum, list) and not any(_same(value, m) for m in enum):
        return False
    if isinstance(value, str):
        pattern = schema.get("pattern")
        if isinstance(pattern, str) and not _pattern_ok(pattern, value):
            return False
        if schema.get("format") == "date" and not _is_date(value):
            return False
        if schema.get("format") == "time" and not _TIME.fullmatch(value):
            return False
    items = schema.get("items")
    if isinstance(value, _SEQUENCE) and isinstance(items, Mapping) and not all(
        conforms(v, items, depth + 1) for v in value
    ):
        return False
    if _member_renames(value, schema):
        return False
    required = schema.get("required")
    if isinstance(value, Mapping) and isinstance(required, list) and any(
        isinstance(k, str) and k not in value for k in required[:_MAX_MEMBERS]
    ):
        return False
    return not any(not conforms(v, sub, depth + 1) for _, v, sub in _declared_members(value, schema))


def name_key(name: str) -> str:
    """A name with case and word separators left out of the comparison (``postalCode`` and
    ``postal_code`` are one name; ``price_$`` and ``price_€`` are two). ``""`` (a name of separators
    only) is no name: it matches none."""
    return _NAME_SEPARATORS.sub("", name).casefold()


def _member_renames(value: Any, schema: Mapping[str, Any]) -> dict[str, str]:
    """{sent: declared} for an object's undeclared members named as exactly one absent declared
    member but for case and separators (``postalCode`` for ``postal_code``): the rename of an
    undeclared argument (`_schema_repair`), inside an object. Two sent members for one declared
    member, or one fitting two, are left as they are."""
    props = schema.get("properties")
    if not isinstance(value, Mapping) or not isinstance(props, Mapping) or not props:
        return {}
    undeclared = [k for k in list(value)[:_MAX_MEMBERS] if isinstance(k, str) and k not in props]
    if not undeclared:
        return {}
    absent: dict[str, list[str]] = {}
    for name in list(props)[:_MAX_MEMBERS]:
        if isinstance(name, str) and name not in value and name_key(name):
            absent.setdefault(name_key(name), []).append(name)
    found = {k: absent[name_key(k)][0] for k in undeclared if len(absent.get(name_key(k), ())) == 1}
    targets = list(found.values())
    return {k: t for k, t in found.items() if targets.count(t) == 1}


def _declared_members(value: Any, schema: Mapping[str, Any]) -> list[tuple[str, Any, Mapping[str, Any]]]:
    """(key, value, schema) of an object's members its schema declares (``properties``), at most
    `_MAX_MEMBERS` of them: an object's members are checked and converted like arguments."""
    props = schema.get("properties")
    if not isinstance(value, Mapping) or not isinstance(props, Mapping) or not props:
        return []
    out = []
    for key in list(value)[:_MAX_MEMBERS]:
        sub = props.get(key) if isinstance(key, str) else None
        if isinstance(sub, Mapping):
            out.append((key, value[key], sub))
    return out


def _pattern_ok(pattern: str, text: str) -> bool:
    try:
        return search(pattern, text)
    except ValueError:  # a pattern RE2 refuses: not judged
        return True


def _unique(candidates: list[Any]) -> Any:
    """The one distinct candidate, else `NO`."""
    distinct: list[Any] = []
    for c in candidates:
        if c is not NO and not any(_same(c, d) for d in distinct):
            distinct.append(c)
    return distinct[0] if len(distinct) == 1 else NO


def _to_type(value: Any, declared: str) -> Any:
    """`value` as a `declared` JSON type without loss, or `NO`."""
    kind = json_type(value)
    if type_ok(value, declared):
        return value
    if declared == "string" and kind == "integer":
        return str(value)
    if declared == "string" and kind == "number" and math.isfinite(value) and float(str(value)) == value:
        return str(value)
    if declared == "integer":
        if kind == "number" and math.isfinite(value) and value.is_integer() and abs(value) < 2**53:
            return int(value)
        if kind == "string" and _INT.fullmatch(value.strip()):
            return int(value.strip())
        if kind == "string" and _NUMBER.fullmatch(value.strip()) and "e" in value.lower():
            written = _decimal(value.strip())  # "1.2e3" is 1200 exactly; "1.25e1" is no integer
            # (the exponent first: `abs` of "1e99999999999999999999" raises)
            if (written is None or written.adjusted() > 15 or abs(written) >= 2**53
                    or written != written.to_integral_value()):
                return NO
            return int(written)
    if declared == "number" and kind == "string":
        text = value.strip()
        if _INT.fullmatch(text):
            return int(text)
        if _NUMBER.fullmatch(text):
            number = _exact_float(text)
            return NO if number is None else number
    if declared == "boolean" and kind == "string" and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if declared == "boolean" and kind == "integer" and value in (0, 1):
        return value == 1
    if declared in ("array", "object") and kind == "string":
        return _json_text(value, declared)
    return NO


def _decimal(text: str) -> decimal.Decimal | None:
    try:
        return decimal.Decimal(text)
    except decimal.DecimalException:  # an exponent past what decimal holds
        return None


def _exact_float(text: str) -> float | None:
    """The float a numeric text writes when it holds exactly that number (lossless only: the text's
    digits are the float's shortest spelling's value), else None."""
    number = float(text)
    written = _decimal(text)
    exact = math.isfinite(number) and written is not None and written == decimal.Decimal(repr(number))
    return number if exact else None


def _strict_float(text: str) -> float:
    number = _exact_float(text)
    if number is None:  # a number the float rounds: the tool would get another one
        raise ValueError("inexact")
    return number


def _no_constant(text: str) -> Any:
    raise ValueError(f"{text} is no JSON number")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):  # a key written twice: first or last, two values can be meant
        raise ValueError("duplicate key")
    return out


def _json_text(text: str, declared: str) -> Any:
    """The array or object a text is the JSON of (``'["a"]'``), else `NO`. Read strictly: only a
    text that is exactly one JSON value (no key written twice, no ``NaN`` / ``Infinity``, no number
    the float would round) is that value."""
    stripped = text.strip()
    if len(stripped) > _MAX_JSON_TEXT or not stripped.startswith("[" if declared == "array" else "{"):
        return NO
    try:
        parsed = json.loads(stripped, parse_float=_strict_float, parse_constant=_no_constant,
                            object_pairs_hook=_unique_keys)
    except (ValueError, RecursionError):
        return NO
    return parsed if json_type(parsed) == declared else NO


def _string_forms(text: str, schema: Mapping[str, Any]) -> Any:
    """A string conforming to the string constraints (enum, pattern, format) of `schema`, or `NO`."""
    enum = schema.get("enum")
    if isinstance(enum, list):
        key = _member_key(text)
        return _unique([m for m in enum if isinstance(m, str) and _member_key(m) == key])
    if schema.get("format") == "date" and not _is_date(text):
        return _date(text)
    if schema.get("format") == "time" and not _TIME.fullmatch(text):
        return _time(text)
    pattern = schema.get("pattern")
    if isinstance(pattern, str) and not _pattern_ok(pattern, text):
        stripped = text.strip()
        forms = [stripped, stripped.lower(), stripped.upper()]
        head = _literal_head(pattern)
        if head and stripped and not stripped.casefold().startswith(head.casefold()) and _set_apart(head, stripped):
            forms.append(head + stripped)
        return _unique([f for f in forms if _pattern_ok(pattern, f)])
    return text


def _set_apart(head: str, text: str) -> bool:
    """Whether `head` before `text` is a prefix set apart from it: it ends in a separator, or a letter
    meets a digit. A digit before a digit (``^1[0-9]{9}$`` and a number one digit short) or a letter
    before a letter continues the value itself, and would make another valid-looking id of it."""
    last, first = head[-1], text[0]
    if not (last.isalnum() and first.isalnum()):
        return True
    return last.isdigit() != first.isdigit()


def _literal_head(pattern: str) -> str:
    """The text every match of an anchored `pattern` starts with (``^PKG_[0-9]{5}$``: ``PKG_``), or "".

    Read only where it is certain: the pattern starts with ``^``, has no alternative (``|``), and the
    head is its plain characters (and escaped punctuation) up to the first construct; a quantified
    last character (``^P?KG``) is not part of it."""
    if not pattern.startswith("^") or "|" in pattern:
        return ""
    head: list[str] = []
    i = 1
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern) and not pattern[i + 1].isalnum():
            head.append(pattern[i + 1])
            i += 2
        elif c in _REGEX_SYNTAX:
            break
        else:
            head.append(c)
            i += 1
    if i < len(pattern) and pattern[i] in "*+?{" and head:
        head.pop()
    return "".join(head)


def _member_key(text: str) -> str:
    """An enum member's spelling with case and word separators left out of the comparison (a
    separator is unified, never removed: ``followup`` is not ``follow_up``)."""
    return _SEPARATORS.sub("_", text.strip()).casefold()


def _time(text: str) -> Any:
    """A 12-hour clock time as ``HH:MM`` (``HH:MM:SS`` when it has seconds), else `NO`."""
    found = _TIME_12.fullmatch(text.strip())
    if found is None:
        return NO
    hour, minute, second, half = found.groups()
    hour24 = int(hour) % 12 + (12 if half.lower() == "p" else 0)
    out = f"{hour24:02d}:{minute or '00'}"
    return out + f":{second}" if second else out


def _date(text: str) -> Any:
    dates = []
    for fmt in _DATE_INPUTS:
        try:
            parsed = dt.datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
        # strptime reads fields greedily and without their width ("2025121" as 2025-12-1): a text
        # counts as a spelling of `fmt` only when writing the date back in `fmt` gives it again.
        if parsed.strftime(fmt).casefold() == text.strip().casefold():
            dates.append(parsed.date().isoformat())
    return _unique(dates)


def _convert(value: Any, schema: Mapping[str, Any], depth: int) -> Any:
    """Candidate conversion for one schema without union keywords (checked by the caller)."""
    declared = schema.get("type")
    if isinstance(declared, list):
        return _unique([_convert(value, {**schema, "type": t}, depth) for t in declared if isinstance(t, str)])
    if declared == "array":
        items = schema.get("items")
        item_schema: Mapping[str, Any] = items if isinstance(items, Mapping) else {}
        if isinstance(value, list | tuple):
            out = [v if conforms(v, item_schema, depth + 1) else conform(v, item_schema, depth + 1) for v in value]
            return NO if any(v is NO for v in out) else out
        if value is None:
            return NO
        if isinstance(value, str) and value.lstrip()[:1] in ("[", "{"):
            # The JSON of an array or an object (or what starts like one): read as that value (an
            # object then as one item), never wrapped as a text.
            parsed = _json_text(value, "array" if value.lstrip()[0] == "[" else "object")
            return NO if parsed is NO else _convert(parsed, schema, depth)
        if isinstance(value, Mapping) and item_schema.get("type") != "object":
            # One object where an array of objects is declared: the one-element array is the only
            # array holding it (conformed like any item). Any other item type gets no object.
            return NO
        if isinstance(value, str) and _LIST_TEXT.search(value):
            # "a1,a2": one item with a comma in it, or two items sent as one text? Wrapped, it would
            # reach the tool as one item and could succeed with another meaning; split, it could cut
            # one item apart. Neither is lossless: left to the tool's error and the model.
            return NO
        one = value if conforms(value, item_schema, depth + 1) else conform(value, item_schema, depth + 1)
        return NO if one is NO else [one]
    if isinstance(declared, str):
        value = _to_type(value, declared)
        if value is NO:
            return NO
    elif "enum" in schema and not isinstance(value, str):
        return NO
    if isinstance(value, str):
        return _string_forms(value, schema)
    enum = schema.get("enum")
    if isinstance(enum, list):
        return value if any(_same(value, m) for m in enum) else NO
    renames = _member_renames(value, schema)
    if renames:
        value = {renames.get(k, k): v for k, v in value.items()}
    members = _declared_members(value, schema)
    if members:  # an object: each declared member converted like an argument, all or none
        converted: dict[Any, Any] = dict(value)
        for key, v, sub in members:
            if not conforms(v, sub, depth + 1):
                converted[key] = conform(v, sub, depth + 1)
                if converted[key] is NO:
                    return NO
        return converted
    return value


def conform(value: Any, schema: Mapping[str, Any], depth: int = 0) -> Any:
    """`value` itself when it conforms to `schema`; else its one lossless conversion that does; else `NO`."""
    if not isinstance(schema, Mapping) or depth > _MAX_DEPTH:
        return NO
    if conforms(value, schema, depth):
        return value
    for key in ("anyOf", "oneOf"):
        branches = schema.get(key)
        if isinstance(branches, list) and branches:
            rest = {k: v for k, v in schema.items() if k not in ("anyOf", "oneOf")}
            found = _unique(
                [conform(value, {**rest, **b}, depth + 1) for b in branches if isinstance(b, Mapping)]
            )
            return found if found is not NO and conforms(found, schema, depth) else NO
    found = _convert(value, schema, depth)
    return found if found is not NO and conforms(found, schema, depth) else NO
