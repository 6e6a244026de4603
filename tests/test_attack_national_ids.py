"""National ids written without a name a key rule reads, and IBANs grouped by dashes, reach no disk
(secrets7's held-out pass, 2026-12-07).

An agent's tools see a customer's national id in prose ("my social is ..."), a validation error or
a pasted record far more often than under a field named ``ssn``. Before: a US social security number
after "my social is", a UK National Insurance number (spaced or compact, after "NI no."), a Spanish
DNI and NIE, an Italian codice fiscale, a Canadian SIN in its groups, an Indian PAN and an IBAN
grouped by dashes were stored as sent in the episode's task, arguments, error and result. Each is
now read by its issuer's structure and check character (`skillevo._secret_national`); an IBAN's
groups may be set apart by dashes or dots as by spaces.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from leak_harness import db_bytes, echo_episodes

from skillevo._redaction import redact_text

IDS = {
    "a US SSN in prose": ("my social is 412-67-3098, please update it", "412-67-3098"),
    "a US SSN spaced": ("social 412 67 3098", "412 67 3098"),
    "a UK NI number spaced": ("NI: WL 48 20 19 A", "WL 48 20 19 A"),
    "a UK NI number compact": ("NI no. TE731942C for payroll", "TE731942C"),
    "a UK NI number in lower case": ("ni: wl 48 20 19 a", "wl 48 20 19 a"),
    "a Spanish DNI": ("DNI 48213576X del titular", "48213576X"),
    "a Spanish NIE": ("NIE X-7351924-C", "X-7351924-C"),
    "an Italian codice fiscale": ("codice fiscale BNCGNN72C45H501O", "BNCGNN72C45H501O"),
    "a Canadian SIN": ("SIN 281 364 919 on the T4", "281 364 919"),
    "an Indian PAN": ("PAN AFZPK7190K linked", "AFZPK7190K"),
}
# (an IBAN's middle digits may pass a card's Luhn check: its country, check digits and last groups must go too)
IBANS = ["send it to PL61-1090-1014-0000-0712-1981-2874", "konto PL61.1090.1014.0000.0712.1981.2874"]


@pytest.mark.parametrize("name", list(IDS))
def test_a_national_id_is_hidden_in_text(name: str) -> None:
    text, value = IDS[name]
    assert value not in redact_text(text)


@pytest.mark.parametrize("name", list(IDS))
def test_a_national_id_reaches_no_library_file(name: str, tmp_path: Path) -> None:
    text, value = IDS[name]
    data = echo_episodes(tmp_path / "lib.db", {"query": text}, text, raw=True)
    assert data == db_bytes(tmp_path / "lib.db")
    assert value.encode() not in data


@pytest.mark.parametrize("text", IBANS)
def test_an_iban_grouped_by_dashes_or_dots_is_hidden_whole(text: str, tmp_path: Path) -> None:
    out = redact_text(text)
    assert "PL61" not in out and "2874" not in out and "1090" not in out, out
    data = echo_episodes(tmp_path / "lib.db", {"query": text}, text, raw=True)
    assert b"2874" not in data and b"PL61" not in data


BENIGN = [
    "ISBN 978-0-306-40615-7 is out of stock",
    "call (415) 555-0199 or 415-555-0199",
    "upgraded numpy 1.26.4 -> 2.0.1 on 2026-12-07",
    "order 123-45-67890 shipped",
    "build 000-12-3456 and 666-12-3456 and 912-34-5678",
    "SKU AB123456Z and part AB 12 34 56 E",
    "invoice 12345678 total 12.50",
    "ticket QQ-2026-1187 and run 20261207T140322Z",
    "3 200 450 units over 12 months",
    "release ABCDE1234 and code ABCDE12345",
    "12345678A is not a valid DNI",
    "gb 12 34 56 a and Bg123456C are no NI numbers",
]


@pytest.mark.parametrize("text", BENIGN)
def test_ordinary_numbers_and_codes_stay(text: str) -> None:
    assert redact_text(text) == text
