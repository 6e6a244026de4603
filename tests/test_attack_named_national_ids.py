"""National ids with no check character a shape can tell apart are hidden after their own name
(secrets7's held-out pass, 2026-12-07).

A German Steuer-ID, a Dutch BSN, a Polish PESEL, a Nordic personal identity number, a Mexican CURP,
a Spanish DNI or a UK NINO named as such kept their value (as key names and in prose), while ``ssn``,
``tax id`` and ``aadhaar`` hid theirs: their names were not secret words (`skillevo._secret_keys`) nor
national-id names the prose rule reads digit groups after (`skillevo._secret_prose`).
"""

from __future__ import annotations

import pytest

from skillevo._redaction import redact, redact_text

# Ids with no check character a shape can tell apart, hidden after their name (as `ssn`, `tax id` were).
LABELLED = {
    "a German Steuer-ID": ("Steuer-ID: 65929970489", "65929970489"),
    "a German tax id as one word": ("Steueridentifikationsnummer 65929970489", "65929970489"),
    "a Dutch BSN": ("BSN 111222333 van de klant", "111222333"),
    "a Polish PESEL": ("PESEL: 44051401458", "44051401458"),
    "a Swedish personnummer": ("personnummer 811218-9876", "811218-9876"),
    "a Mexican CURP": ("CURP GOMC800101HDFRRL09", "GOMC800101HDFRRL09"),
}


@pytest.mark.parametrize("name", list(LABELLED))
def test_a_named_national_id_is_hidden(name: str) -> None:
    text, value = LABELLED[name]
    assert value not in redact_text(text)


KEYS = ["steuer_id", "SteuerId", "bsn", "burgerservicenummer", "pesel", "personnummer", "curp"]


@pytest.mark.parametrize("key", KEYS)
def test_a_national_id_key_hides_its_value(key: str) -> None:
    assert redact({key: "111222333", "city": "Utrecht"}) == {key: "[REDACTED:secret]", "city": "Utrecht"}


@pytest.mark.parametrize("text", ["DNI is required for Spanish residents", "the BSN field must have 9 digits",
                                  "steuer_rate: 19", "dnipro office"])
def test_names_without_a_value_stay(text: str) -> None:
    assert redact_text(text) == text
