"""A person's contact details in text: e-mail addresses and phone numbers (and a date named a birth date).

They are customer values, not credentials: text quoted into a prompt or a report hides them
(`redact_text(..., emails=True)`, which `quote_untrusted` asks for), so no model and no reader
of a report is shown how to reach a customer; what is written out (the library, its journal, the
exports) keeps them, like a name or an address under a person's key, only as a pseudonym of their
shape (`skillevo._customer_mask`), so learning still reads their case and separators. A phone
number is read in the forms people write it: international (``+1 415 555 0199``, ``+49 30
901820``), with an area code in parentheses (``(415) 555-0187``), or grouped by spaces, dots or
dashes (``020 7946 0958``, ``06 12 34 56 78``, ``415.555.0142``). Dates, times, versions, IP
addresses, amounts with thousands separators (``1 000 000``) and ids without separators
(``#W6067464``) are none.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["contact_hint", "contact_spans"]

_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")
# A candidate: starts a number (not inside a word, an id, a path or a decimal), runs over digits and
# the separators a phone is written with, ends on a digit not followed by more of a token. Bounded.
_PHONE = re.compile(r"(?<![\w+.\-/#:])[+(]?\d[\d ().\-]{5,22}\d(?![\w/]|[.\-:]\d)")
_HINT = re.compile(r"\d[\d ().\-]{5,}\d")
_DATE = re.compile(r"\d{4}[ ./\-]\d{1,2}[ ./\-]\d{1,2}|\d{1,2}[ ./\-]\d{1,2}[ ./\-]\d{2,4}")
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
_AREA = re.compile(r"\(\d{2,5}\)[ .\-]?\d")
_GROUPS = re.compile(r"[ .\-]+")


# An address written out against scrapers: "john dot smith at example dot com", "john [at] example
# [dot] com", "john(at)example(dot)com", "john.smith @ example . com". The "at" is spelled or spaced,
# and either the address spells a "dot" or its local part holds a dot, a plus or an underscore (so
# "timeout at api.example.com" stays: a host, no person). Bounded: each part at most 64 characters.
_SP_DOT = r"(?:[ \t]*[\[({<][ \t]*dot[ \t]*[\])}>][ \t]*|[ \t]+dot[ \t]+|[ \t]*\.[ \t]*)"
_SP_AT = r"(?:[ \t]*[\[({<][ \t]*at[ \t]*[\])}>][ \t]*|[ \t]+at[ \t]+|[ \t]+@[ \t]*|[ \t]*@[ \t]+)"
_SPELLED_EMAIL = re.compile(
    rf"(?<![\w.+\-])(?P<l>[A-Za-z0-9_%+\-]{{1,64}}(?:(?:{_SP_DOT}|[._+\-])[A-Za-z0-9_%+\-]{{1,64}}){{0,4}})"
    rf"{_SP_AT}(?P<d>[A-Za-z0-9\-]{{1,63}}(?:{_SP_DOT}[A-Za-z0-9\-]{{1,63}}){{0,3}}{_SP_DOT}[A-Za-z]{{2,12}})(?![\w\-])",
    re.IGNORECASE,
)
_SPELLED_DOT = re.compile(r"[\[({<][ \t]*dot[ \t]*[\])}>]|[ \t]dot[ \t]", re.IGNORECASE)
_SPELLED_AT = re.compile(r"[\[({<][ \t]*at[ \t]*[\])}>]|[ \t]@|@[ \t]", re.IGNORECASE)
# A phone number whose digit groups are set apart by a mark no grammar uses in a number ("415/555/0199",
# "415_555_0199", "415·555·0199", "415~555~0199"), or written as two groups ("415 5550199"), or digit
# by digit ("4 1 5 5 5 5 0 1 9 9"), or in words ("four one five five five five zero one nine nine").
_ODD_PHONE = re.compile(
    r"(?<![\w/#:.\-])\+?\d{1,4}(?P<s>[ \t]*[/_·~,][ \t]*)\d{2,5}(?:(?P=s)\d{2,5}){1,3}(?![\w/]|[.\-:,]\d)"
)
# (an area code of three or four digits, or a trunk 0 and four: the UK's "07700 900462", "01632 960983")
_TWO_GROUPS = re.compile(r"(?<![\w/#:.\-])\(?(?:\d{3,4}|0\d{4})\)?[ .\-]\d{6,8}(?![\w/]|[.\-:,]\d)")
_DIGIT_BY_DIGIT = re.compile(r"(?<![\w.\-])\d(?: \d){9,14}(?![\w.\-])")
# A number written in words, digits or both glued ("four15-555-01ninety-nine", "4one5 555 oh1nine9"): each
# group is up to four digit words or digit runs (a run read whole, so a group splits one way only).
_TENS = (
    r"ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen"
    r"|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
)
_UNITS = r"zero|oh|one|two|three|four|five|six|seven|eight|nine"
_DIGIT_WORD = rf"(?:{_TENS}|{_UNITS}|\d{{1,8}}(?!\d))"
_GROUP = rf"{_DIGIT_WORD}{{1,4}}"
_WORDS_PHONE = re.compile(rf"(?<![\w\-])(?:{_GROUP}[ \t,.()/\-]{{1,3}}){{2,14}}{_GROUP}(?![\w\-])", re.IGNORECASE)
_DIGITS_IN = re.compile(rf"\d|{_TENS}|{_UNITS}", re.IGNORECASE)
# A phone number as one run of digits ("4155550199", "14155550199", "02079460958") has an id's shape: it is
# read as a phone only in a national format (a North American number, with or without its country code
# 1, or a trunk 0 then an area) after words naming a person or a way to reach one.
_BARE_PHONE = re.compile(r"(?<![\w+.\-/#:])(?:1?[2-9]\d\d[2-9]\d{6}|0[1-9]\d{8,9})(?![\w/]|[.\-:,]\d)")
_REACH = re.compile(
    r"(?<![\w\-])(?:call(?:ed|ing|back)?|phone|tel|telephone|mobile|cell|contact|reach|reachable|unreachable|dial"
    r"|text|sms|whatsapp|fax|ring|recipient|customer|client|caller|subscriber|me|him|her|them|us|account)(?![\w\-])",
    re.IGNORECASE,
)
_REACH_WINDOW = 48
# A date named a person's birth date ("DOB: 1985-03-14", "born on March 14, 1985", "Geburtsdatum:
# 14.03.1985", '"birthdate": "03/14/1985"'): a date alone is a shipment's or a record's, after such a
# name it is who someone is. The name, then a quote, a mark or a linking word, then the date (numeric
# in any order, or a month's name). Bounded.
_BIRTH_NAMES = (
    "birth", "dob", "born", "geburt", "geboren", "nacimiento", "nacido", "nacida", "naissance", "né le", "née le",
    "nascimento", "nascita", "nato il", "nata il", "geboortedatum",
)  # fmt: skip
_BIRTH = re.compile(
    r"(?<![\w\-])(?:date[ \t_\-]?of[ \t_\-]?birth|birth[ \t_\-]?(?:date|day)|birthdate|birthday|d\.?o\.?b\.?|born"
    r"|geburtsdatum|geboren(?:[ \t]+am)?|fecha[ \t_]de[ \t_]nacimiento|nacid[oa](?:[ \t]+el)?"
    r"|date[ \t_]de[ \t_]naissance"
    r"|n[ée]e?[ \t]+le|data[ \t_]de[ \t_]nascimento|data[ \t_]di[ \t_]nascita|nat[oa][ \t]+il|geboortedatum)"
    r"(?![\w\-])[\"']?[ \t]*[:=]?[ \t]*[\"']?(?:(?:is|was|on|am|el|le|il)[ \t]+)?"
    r"(?P<v>\d{4}[\-./]\d{1,2}[\-./]\d{1,2}|\d{1,2}[\-./]\d{1,2}[\-./]\d{2,4}"
    r"|(?:\d{1,2}(?:st|nd|rd|th)?[ \t]+)?[^\W\d_]{3,10}\.?[ \t]+(?:\d{1,2}(?:st|nd|rd|th)?,?[ \t]+)?\d{4})(?![\w\-])",
    re.IGNORECASE,
)


def contact_hint(text: str) -> bool:
    """Whether `text` may hold a contact detail (cheap: an "@", a run of digits and separators, an
    address or a number written out)."""
    lower = text.lower()
    return (
        "@" in text or _HINT.search(text) is not None or " at " in lower or "at]" in lower or "at)" in lower
        or "at}" in lower or _ODD_PHONE.search(text) is not None or _DIGIT_BY_DIGIT.search(text) is not None
        or _WORDS_PHONE.search(text) is not None or _BARE_PHONE.search(text) is not None
        or any(name in lower for name in _BIRTH_NAMES)
    )  # fmt: skip


def _written_out(text: str) -> Iterator[tuple[int, int, str]]:
    pos = 0
    while (m := _SPELLED_EMAIL.search(text, pos)) is not None:
        spelled = _SPELLED_AT.search(m.group(0)) or _SPELLED_DOT.search(m.group(0))
        if spelled is not None or any(c in m.group("l") for c in "._+"):
            yield m.start(), m.end(), "email"
            pos = m.end()
        else:  # "unreachable at john.smith @ ...": the address may start in the part read as a domain
            pos = m.start("d")
    for regex in (_ODD_PHONE, _TWO_GROUPS, _DIGIT_BY_DIGIT):
        for m in regex.finditer(text):
            number = m.group(0)
            groups = re.findall(r"\d+", number)
            digits = sum(map(len, groups))
            if _DATE.fullmatch(number) or _DATE.match(number):  # "03/14/2025": a date
                continue
            if 7 <= digits <= 15 and not (len(groups) > 2 and len(set(map(len, groups))) == 1 and len(groups[0]) > 2):
                yield m.start(), m.end(), "phone"  # (equal groups of 3+: a list of ids, thousands)
    for m in _WORDS_PHONE.finditer(text):
        # a digit word counts one digit, a teen two ("fifteen"), a run its length
        digits = sum(2 if w[0].isalpha() and w.lower().endswith("teen") else len(w) if w.isdigit() else 1
                     for w in _DIGITS_IN.findall(m.group(0)) if w)  # fmt: skip
        if 7 <= digits <= 15 and any(c.isalpha() for c in m.group(0)):
            yield m.start(), m.end(), "phone"
    for m in _BARE_PHONE.finditer(text):
        # the words before it, in its sentence, name a person or a way to reach one
        lead = re.split(r"[.!?;\n]", text[max(0, m.start() - _REACH_WINDOW) : m.start()])[-1]
        if _REACH.search(lead) is not None:
            yield m.start(), m.end(), "phone"


def _is_phone(number: str) -> bool:
    digits = sum(c.isdigit() for c in number)
    if not 7 <= digits <= 15 or _DATE.fullmatch(number) or _IPV4.fullmatch(number):
        return False
    if number.startswith("+"):
        return digits >= 8
    if number.startswith("("):
        return _AREA.match(number) is not None and digits >= 9
    if "(" in number or ")" in number:
        return False
    groups = _GROUPS.split(number)
    if len(groups) < 3 or not all(2 <= len(g) <= 5 for g in groups):
        return False  # one separator is a range or a decimal; a one-digit group is a list or an ISBN
    return not all(len(g) == 3 for g in groups[1:])  # thousands separators ("12 500 000")


def contact_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """Spans of `text` holding an e-mail address or a phone number."""
    if "@" in text:
        for m in _EMAIL.finditer(text):
            yield m.start(), m.end(), "email"
    for m in _PHONE.finditer(text):
        number = m.group(0)
        if number.startswith("(") and ")" not in number:
            continue
        if _is_phone(number):
            yield m.start(), m.end(), "phone"
    yield from _written_out(text)
    lower = text.lower()
    if any(name in lower for name in _BIRTH_NAMES):
        for m in _BIRTH.finditer(text):
            yield m.start("v"), m.end("v"), "birth_date"
