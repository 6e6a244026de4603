"""A customer's values as skillevo writes them out: pseudonyms with the value's shape.

A person's name, contact and identity (a value under a key `is_personal_key` names: ``email``,
``customer_name``, ``date_of_birth``, ``billing_address``), and a contact detail anywhere in text (an
e-mail address, a phone number, a date named a birth date: `contact_spans`), never reach disk: what
the library, its journal and its exports keep is a pseudonym of the same shape (`pseudonym`): each
letter an ``x`` or ``X`` by its case, each digit a ``9``, every other character (``@``, ``.``,
``-``, ``+``, spaces) kept. So what learning reads of such a value is still there (its case, its
separators, a prefix the tool wanted, the order of a date's parts), and the same value is the same
pseudonym in an argument and in the error quoting it, so a repair proved on the real values proves
on the pseudonyms (lower-casing ``Xxxx@Xxx.xx`` gives the pseudonym of the lower-cased address).
Kept as they are, since alone they name no one: a leading country code (``+1``, ``+44``), an
identifier's format code of at most three capitals beside its digits (``CUS-``, ``-GB``) and, in a
numeric date, a day or month of 12 or less (a larger one becomes ``28``, a year ``1970`` or ``70``), so
a date's order stays readable. A value a person's key held is also hidden where the episode's other
texts echo it (a tool error quoting the customer's name), word by word for a name's capitalised words.

Values that name no one (an order id, an amount, an enum, a shipment's date) are kept as recorded.
The live call is not touched: a repair applied to the agent's call reads and writes the real values;
only what is written out is masked (`skillevo._recording`, the store boundary `_store_common`).
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from ._customer_keys import holds_one_value, is_personal_key, names_a_name, names_an_id
from ._secret_contact import contact_hint, contact_spans

__all__ = [
    "Known", "id_pseudonym", "json_doc", "mask_customers", "mask_text", "people_in", "pseudonym", "remember_people"
]

_MARK = re.compile(r"\[REDACTED:[^\]\s]{1,40}\]")
_NUMERIC_DATE = re.compile(r"(\d{1,4})([ ./\-])(\d{1,2})\2(\d{1,4})")
_COUNTRY_CODE = re.compile(r"\+\d{1,3}(?=[ .\-(])")
#: An identifier of digits with a format code of at most three capitals before or after them
#: (``CUS-00412345``, ``4471-GB``): the code is the id's kind, the same for every customer.
_ID_CODE = re.compile(r"([A-Z]{1,3}[-_/#:.]?)?(\d[\d\-_/.: ]*?)([-_/.:]?[A-Z]{1,3})?")
#: An identifier's format code (``CUS-`` of ``CUS-00412345``, ``-GB``): at most three capitals and a
#: separator at the id's start or end, the same for every customer (`_customer_keys._id_code`), kept
#: so the repair adding a missing code is learned from pseudonyms as it was from the real ids (a
#: pseudonym's ``XXX-`` learned instead was written into the next customer's real call).
_ID_AFFIX = re.compile(r"([A-Z]{1,3}[-_/.])?(.+?)([-_/.][A-Z]{1,3})?", re.DOTALL)
_NAME_WORD = re.compile(r"[^\W\d_][\w'\-]{2,}")
#: The most values one episode remembers to hide in its texts (a dump of a customer table is not
#: echoed word for word; its rows are masked where they sit, under their keys).
_MAX_PEOPLE = 256
#: A value shorter than this is not looked for in text (``"Al"`` would hide every "al").
_MIN_ECHO = 3
#: A number of fewer digits names no one alone and is not looked for in text: hidden wherever it
#: appeared, an amount or a limit the tool stated changed with it (before 2026-12-08,
#: tests/test_customer_mask_short_numbers.py); it is masked where it sits, under its key.
_MIN_ECHO_DIGITS = 6


def _digit(c: str) -> str:
    # A zero is kept: padding and its loss are what a repair learns of an id ("00123" for 123; "P-0042"
    # for 42), and read through pseudonyms of 9s alone no such rule checked out (customer_id, patient).
    return "0" if c == "0" else "9"


def _mask_chars(text: str) -> str:
    return "".join(
        ("X" if c.isupper() else "x") if c.isalpha() else _digit(c) if c.isdigit() else c for c in text
    )


def _date_part(part: str) -> str:
    if len(part) >= 3:
        return "1970"[-len(part) :] if len(part) <= 4 else _mask_chars(part)
    return part if int(part) <= 12 else "28"


def pseudonym(value: str) -> str:
    """`value` with its shape kept and its content hidden (see the module doc); redaction marks
    (``[REDACTED:email]``) are kept as they are. Masking a pseudonym again changes nothing."""
    out: list[str] = []
    pos = 0
    for m in _MARK.finditer(value):
        out.append(_pseudonym_part(value[pos : m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(_pseudonym_part(value[pos:]))
    return "".join(out)


def id_pseudonym(value: str) -> str:
    """The `pseudonym` of a person's identifier, its format code kept (``CUS-99999999``)."""
    m = _ID_AFFIX.fullmatch(value)
    if m is None or not any(c.isdigit() for c in m.group(2)):
        return pseudonym(value)
    return (m.group(1) or "") + pseudonym(m.group(2)) + (m.group(3) or "")


def _pseudonym_part(text: str) -> str:
    if not text:
        return text
    if (m := _NUMERIC_DATE.fullmatch(text.strip())) is not None:
        lead = text[: len(text) - len(text.lstrip())]
        tail = text[len(text.rstrip()) :]
        sep = m.group(2)
        parts = [_date_part(m.group(i)) for i in (1, 3, 4)]
        if len(m.group(1)) <= 2 and len(m.group(4)) == 2:
            # A two-digit year after the day and month is 1970's too (read as a day before 2026-12-08,
            # ``19/07/84`` -> ``28/07/28``: no longer the date its ISO form masks to,
            # tests/test_customer_mask_short_year.py).
            parts[2] = "70"
        return lead + sep.join(parts) + tail
    if (m := _ID_CODE.fullmatch(text)) is not None and (m.group(1) or m.group(3)):
        # Kept, like a country code: a repair adds the id's code the agent left out (``CUS-``, allowed by
        # `writes_person`), learned from these pseudonyms; hidden, it was learned as ``XXX-`` and sent so
        # (before 2026-12-08, tests/test_customer_mask_id_code.py).
        return (m.group(1) or "") + _mask_chars(m.group(2)) + (m.group(3) or "")
    code = _COUNTRY_CODE.match(text)
    kept = code.group(0) if code is not None else ""
    return kept + _mask_chars(text[len(kept) :])


#: How `people_in` judged the key a value sits under: no person's, a person's (a record's fields are
#: judged on their own keys), a person's name (echoed in any case), one contact value (all its parts).
_NOBODY, _PERSON, _NAME, _WHOLE = 0, 1, 2, 3
#: The longest string read as a JSON document a tool's argument carries (longer: masked as text).
_MAX_DOC = 100_000


def _judged(key: Any, under: int) -> int:
    if under == _WHOLE:
        return _WHOLE
    if not isinstance(key, str) or not is_personal_key(key):
        return _NOBODY
    return _NAME if names_a_name(key) else _WHOLE if holds_one_value(key) else _PERSON


def json_doc(text: str) -> dict[str, Any] | list[Any] | None:
    """`text` read as a JSON object or array (an argument carrying a document as a string), else None."""
    stripped = text.strip()
    if len(stripped) > _MAX_DOC or not stripped.startswith(("{", "[")):
        return None
    try:
        doc = json.loads(stripped)
    except ValueError:
        return None
    return doc if isinstance(doc, dict | list) else None


def people_in(value: Any, into: set[str], personal: bool = False) -> None:
    """Add to `into` the strings `value` holds under a person's key (and a name's words, and a
    numeric date's other spellings), to be hidden where a text echoes them (`mask_text`); a JSON
    document a string carries is read as its fields. Walked without recursion."""
    stack: list[tuple[Any, int]] = [(value, _PERSON if personal else _NOBODY)]
    while stack and len(into) < _MAX_PEOPLE:
        item, under = stack.pop()
        if isinstance(item, Mapping):
            stack.extend((v, _judged(k, under)) for k, v in item.items())
        elif isinstance(item, list | tuple):
            stack.extend((v, under) for v in item)
        elif not isinstance(item, str):
            continue
        elif under == _NOBODY:
            if (doc := json_doc(item)) is not None:
                stack.append((doc, _NOBODY))
        elif _echoed(item, under == _NAME):
            into.add(item)
            into.update(_date_spellings(item))
            # A name's words alone ("Roe, Jane"); typed in lower case, or in a script without case,
            # a name's words are its words all the same.
            if " " in item:
                into.update(w for w in _NAME_WORD.findall(item) if w[0].isupper() or under == _NAME)


def _date_spellings(value: str) -> set[str]:
    """A numeric date's other spellings (``1984-02-29`` as ``29.02.1984``, ``2/29/1984``): an error
    quoting a birth date writes it its own way."""
    m = _NUMERIC_DATE.fullmatch(value.strip())
    if m is None:
        return set()
    parts = [m.group(i) for i in (1, 3, 4)]
    forms = {tuple(parts), tuple(p.lstrip("0") or p for p in parts)}
    return {
        sep.join(order) for form in forms for order in itertools.permutations(form) for sep in "-./"
    } - {value}


def _echoed(value: str, name: bool = False) -> bool:
    """Whether a person's `value` is looked for in text: a lower-case single word ("email" under
    ``contact``) is a kind, not someone's value, unless it is under a name's key (``last_name``)."""
    if not any(c.isalpha() for c in value) and sum(c.isdigit() for c in value) < _MIN_ECHO_DIGITS:
        return False  # ("100" under account_number hid the episode's amounts and limits of 100)
    return (
        len(value) >= _MIN_ECHO and "[REDACTED:" not in value
        and (name or any(c.isupper() or c.isdigit() or c in " @" for c in value))
    )  # fmt: skip


def _echo_regex(people: Collection[str]) -> re.Pattern[str] | None:
    forms = sorted({p for p in people if len(p) >= _MIN_ECHO}, key=len, reverse=True)
    if not forms:
        return None
    # Bounded by what is not a letter or a digit: an identifier spelling the name (``alice_moreau``) holds it.
    return re.compile(
        r"(?<![^\W_]|[@.])(?:" + "|".join(map(re.escape, forms)) + r")(?![^\W_]|@|\.[^\W_])", re.IGNORECASE
    )


def mask_text(text: str, people: Collection[str] = (), *, _echo: re.Pattern[str] | None = None) -> str:
    """`text` with every contact detail (`contact_spans`) and every echo of `people` (values held
    under a person's key) replaced by its `pseudonym`."""
    spans: list[tuple[int, int, bool]] = []  # (start, end, an echo: may be an id with its code)
    echo = _echo if _echo is not None else (_echo_regex(people) if people else None)
    if echo is not None:
        spans.extend((*m.span(), True) for m in echo.finditer(text))
    if contact_hint(text):
        # (numbers a comma and a space set apart are a list, "one of 10, 50, 100": read as a phone where
        # prompts hide contact details, they are kept where learning reads them)
        spans.extend((s, e, False) for s, e, _kind in contact_spans(text) if ", " not in text[s:e])
    if not spans:
        return text
    out: list[str] = []
    pos = 0
    for start, end, echoed in sorted(spans):
        if end <= pos:
            continue
        start = max(start, pos)
        out.append(text[pos:start])
        out.append((id_pseudonym if echoed else pseudonym)(text[start:end]))
        pos = end
    out.append(text[pos:])
    return "".join(out)


def mask_customers(value: Any, people: Collection[str] = ()) -> Any:
    """A copy of `value` (dicts, lists, strings, scalars) with a person's values replaced by their
    `pseudonym`: every string under a person's key whole (an integer there by the digits' shape),
    every other string where it holds a contact detail or echoes one of `people`."""
    echo = _echo_regex(people) if people else None
    return _masked(value, False, echo, 0)


def _masked(value: Any, personal: bool, echo: re.Pattern[str] | None, depth: int, whole: bool = False) -> Any:
    if isinstance(value, str):
        if personal:
            return pseudonym(value)
        if depth <= 64 and (doc := json_doc(value)) is not None:
            # A document carried as a string is masked by its keys, as if it had been sent as one;
            # one that names no one is kept byte for byte.
            masked = _masked(doc, False, echo, depth + 1)
            return value if masked == doc else json.dumps(masked, ensure_ascii=False)
        return mask_text(value, _echo=echo)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return _masked_int(value) if personal else value
    if depth > 64:  # deeper than any event keeps (`_sanitize.MAX_DEPTH`)
        return value
    if isinstance(value, Mapping):
        # A key is judged on its own words at every level: `customer` holding `{"tier": "gold"}`
        # masks the person's fields, not the record's kind; an address's record is all address.
        return {
            (mask_text(k, _echo=echo) if isinstance(k, str) else k): id_pseudonym(v)
            if isinstance(v, str) and not whole and isinstance(k, str) and names_an_id(k)
            else _masked(
                v,
                whole or (isinstance(k, str) and is_personal_key(k)),
                echo,
                depth + 1,
                whole or (isinstance(k, str) and holds_one_value(k)),
            )
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_masked(v, personal, echo, depth + 1, whole) for v in value]
    return value


def _masked_int(value: int) -> int | str:
    """An integer under a person's key as the pseudonym of its digits; one past Python's 4,300-digit
    ``str`` limit by its size alone, as events show it (``str()`` raised ValueError there, and the
    episode's events could not be built: it was dropped before 2026-12-08,
    tests/test_customer_mask_huge_int.py)."""
    bits = abs(value).bit_length()
    if bits > 10_000:  # (about 3,000 digits)
        return f"<int of {bits} bits>"
    return int(_mask_chars(str(abs(value)))) * (1 if value >= 0 else -1)


def remember_people(values: Iterable[Any], into: set[str]) -> None:
    """`people_in` over several values (an episode's events' data)."""
    for value in values:
        people_in(value, into)


class Known(frozenset[str]):
    """An episode's own secrets (the set: `DeferredEvents.known`) and the values its events held under a
    person's key (`people`): its row hides the first and masks the second (`_store_common.redacted_texts`)."""

    people: frozenset[str]

    def __new__(cls, secrets: Iterable[str] = (), people: Iterable[str] = ()) -> Known:
        known = super().__new__(cls, secrets)
        known.people = frozenset(people)
        return known
