"""A secret sent under an unrelated name when a secret field is missing (attack18).

A model that forbids extra inputs reports both halves of a misnamed argument: the secret field
``missing`` (quoting the whole input) and the name it was sent under ``extra_forbidden`` (quoting
that value alone). A name that respells the field (``pw``) was hidden; one that does not
(``value``, ``clave``, ``secreto``, ``phrase``, ``v``, ``data``) kept the value in both places:
before, 6 of 6. Where a secret field is missing, the inputs the same error reports as extra are the
secret under another name: their values are hidden in both places. An extra input beside a field
that is present, or beside a missing ordinary field, stays (the miner learns to drop it).
"""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

from skillevo._redaction import redact_text

SECRET = "hunter-Zq81"


class _Login(BaseModel):
    model_config = ConfigDict(extra="forbid")
    password: str
    user_id: str


class _Booking(BaseModel):
    model_config = ConfigDict(extra="forbid")
    flight: str
    user_id: str


def _error(model: type[BaseModel], data: dict[str, object]) -> str:
    try:
        model.model_validate(data)
    except ValidationError as exc:
        return str(exc)
    raise AssertionError("validated")


@pytest.mark.parametrize("key", ["value", "clave", "secreto", "phrase", "v", "data"])
def test_a_secret_under_an_extra_name_is_hidden_in_both_places(key: str) -> None:
    text = _error(_Login, {"user_id": "u_2108", key: SECRET})
    shown = redact_text(f"tool input rejected: {text}")
    assert SECRET not in shown, shown
    assert "u_2108" in shown and "Field required" in shown and "Extra inputs are not permitted" in shown


def test_an_extra_input_beside_present_or_ordinary_fields_stays() -> None:
    present = _error(_Login, {"user_id": "u_2108", "password": "x", "cabin": "economy"})
    assert "input_value='economy'" in redact_text(present)
    ordinary = _error(_Booking, {"user_id": "u_2108", "fligth": "LH-441"})
    assert redact_text(ordinary) == ordinary
