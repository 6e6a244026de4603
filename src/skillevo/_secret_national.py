"""National identity numbers recognised by their own structure and check characters, in any text.

A national id proves who a person is (it opens accounts, files taxes, passes a bank's checks), so
like a card number or an IBAN it is hidden wherever it appears, with no name before it: an agent's
tool sees "my social is 412-67-3098" or an id quoted in a validation error far more often than a
labelled field. Only ids whose format is specific enough to be told from order numbers, versions
and timestamps are read here, each with the validation its issuer publishes (the same rules as
python-stdnum's ``gb.nino``, ``us.ssn``, ``es.dni``/``es.nie``, ``it.codicefiscale``, ``ca.sin``
and ``in_.pan``):

* a UK National Insurance number: two prefix letters from the allowed sets (never ``BG``, ``GB``,
  ``NK``, ``KN``, ``TN``, ``NT``, ``ZZ``), six digits, a suffix ``A``-``D``; compact or in the
  spaced pairs HMRC prints (``AB 12 34 56 C``), one spacing and one case throughout;
* a US social security number written in its 3-2-4 groups (dashes or spaces, the same both
  times), area not ``000``, ``666`` or ``9xx``, group not ``00``, serial not ``0000``;
* a Spanish DNI or NIE: its control letter is the number modulo 23;
* an Italian codice fiscale: its sixteenth character checks the first fifteen;
* a Canadian SIN in its 3-3-3 groups: Luhn-valid, first digit not 0 or 8;
* an Indian PAN of a person: five letters (the fourth ``P``, the holder's type), four digits, a letter
  (with no check character, other holder types read like ordinary codes: "BATCH2024A").

Ids with no check character and no distinctive shape (a passport number, an EIN, a bare nine-digit
BSN) are hidden only after their name (`_secret_keys`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["national_hint", "national_id_spans"]

_NINO = re.compile(
    r"(?<![A-Za-z0-9])(?P<p>[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z])"
    r"(?P<s> ?)\d\d(?P=s)\d\d(?P=s)\d\d(?P=s)[A-D](?![A-Za-z0-9])",
    re.IGNORECASE,  # typed in lower case too ("ni: ab 12 34 56 c"), one case throughout
)
_NINO_BANNED = frozenset({"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"})
_SSN = re.compile(r"(?<![\d\-/.])(?P<a>\d{3})(?P<s>[- ])(?P<g>\d\d)(?P=s)(?P<n>\d{4})(?![\d\-/.]|\s\d)")
_DNI = re.compile(r"(?<![A-Za-z0-9])(?P<x>[XYZ]-?)?(?P<d>\d{7,8})-?(?P<c>[A-Z])(?![A-Za-z0-9])")
_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
_CF = re.compile(r"(?<![A-Za-z0-9])[A-Z]{6}\d\d[A-EHLMPR-T]\d\d[A-Z]\d{3}[A-Z](?![A-Za-z0-9])")
# Values of a codice fiscale's characters in odd positions (1st, 3rd, ...); even positions count
# their digit or their letter's place in the alphabet.
_CF_ODD = dict(zip("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", (
    1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10,
    22, 25, 24, 23), strict=True))  # fmt: skip
_SIN = re.compile(r"(?<![\d\-/.])(?P<a>[1-79]\d\d)(?P<s>[- ])\d{3}(?P=s)\d{3}(?![\d\-/.]|\s\d)")
# A PAN has no check character: only a person's (holder type P) is read by shape. A company's, a
# trust's or a firm's is no person's secret, and the shape is that of ordinary codes ("BATCH2024A").
_PAN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{3}P[A-Z]\d{4}[A-Z](?![A-Za-z0-9])")
# Any holder type after the number's own name ("PAN: AAACB1234F", "pan no. AAACB1234F").
_PAN_NAMED = re.compile(
    r"(?<![A-Za-z0-9])(?i:pan)(?:[ \t]*(?i:no\.?|number|#))?[ \t]*[:=#-]?[ \t]*"
    r"(?P<v>[A-Z]{3}[ABCFGHJLPT][A-Z]\d{4}[A-Z])(?![A-Za-z0-9])"
)
# One search that any of the shapes above needs to pass (the redaction pre-filter).
_HINT = re.compile(
    r"(?i:[A-Z]{2} ?\d\d ?\d\d ?\d\d ?[A-D])\b|\d{3}[- ]\d\d[- ]\d{4}|\d{7}-?[A-Z]\b|[A-Z]\d\d[A-Z]\d{3}[A-Z]"
    r"|\d{3}[- ]\d{3}[- ]\d{3}|[A-Z]{5}\d{4}[A-Z]"
)


def national_hint(text: str) -> bool:
    """Whether `text` may hold a national id (cheap: one search; False means none is there)."""
    return _HINT.search(text) is not None


def _luhn(digits: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _ssn_valid(m: re.Match[str]) -> bool:
    area = m.group("a")
    return area not in ("000", "666") and area[0] != "9" and m.group("g") != "00" and m.group("n") != "0000"


def _dni_valid(m: re.Match[str]) -> bool:
    prefix = (m.group("x") or "").rstrip("-")
    digits = m.group("d")
    if prefix:  # an NIE: X, Y or Z for 0, 1, 2 before seven digits
        if len(digits) != 7:
            return False
        digits = str("XYZ".index(prefix)) + digits
    elif len(digits) != 8:
        return False
    return _DNI_LETTERS[int(digits) % 23] == m.group("c")


def _cf_valid(code: str) -> bool:
    total = sum(_CF_ODD[c] if i % 2 == 0 else (int(c) if c.isdigit() else ord(c) - 65) for i, c in enumerate(code[:15]))
    return chr(65 + total % 26) == code[15]


def national_id_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """Spans of `text` holding a national id that passes its issuer's validation (module docstring)."""
    for m in _NINO.finditer(text):
        letters = m.group("p") + m.group(0)[-1]
        if (letters.isupper() or letters.islower()) and letters[:2].upper() not in _NINO_BANNED:
            yield m.start(), m.end(), "national_id"
    for m in _SSN.finditer(text):
        if _ssn_valid(m):
            yield m.start(), m.end(), "national_id"
    for m in _DNI.finditer(text):
        if _dni_valid(m):
            yield m.start(), m.end(), "national_id"
    for m in _CF.finditer(text):
        if _cf_valid(m.group(0)):
            yield m.start(), m.end(), "national_id"
    for m in _SIN.finditer(text):
        if _luhn(re.sub(r"\D", "", m.group(0))):
            yield m.start(), m.end(), "national_id"
    for m in _PAN.finditer(text):
        yield m.start(), m.end(), "national_id"
    for m in _PAN_NAMED.finditer(text):
        yield m.start("v"), m.end("v"), "national_id"
