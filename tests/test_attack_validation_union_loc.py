"""A validation error's location naming its secret field before the union member tried (attack17).

Pydantic writes a union field's errors once per member, the member's tag after the field's name:
``password.int``, ``api_key.list[int]``, ``token.function-after[check(), str]`` (a validator's tag
holds brackets). The secret-location rule read the location's *last* part and no bracket, so the
member's tag ("int", "float") named no secret and the refused token stayed in the text, in the JSON
form (``"loc": ["password", "int"]``) and in ``errors()``: 3 of 3 forms kept it before.
"""

from __future__ import annotations

import json
from typing import Annotated

import pytest
from pydantic import AfterValidator, BaseModel, ValidationError

from skillevo._redaction import redact_text

TOKEN = "hT6kQw9Zr3Xv5NbUnion"


def _refuse(value: str) -> str:
    raise ValueError("not accepted")


class _Union(BaseModel):
    password: int | float


class _Listed(BaseModel):
    api_key: int | list[int]


class _Tagged(BaseModel):
    token: Annotated[str, AfterValidator(_refuse)] | int


class _Plain(BaseModel):
    region: int | float


def _error(model: type[BaseModel], **data: object) -> ValidationError:
    try:
        model.model_validate(data)
    except ValidationError as exc:
        return exc
    raise AssertionError("validated")


@pytest.mark.parametrize("model,field", [(_Union, "password"), (_Listed, "api_key"), (_Tagged, "token")])
def test_a_union_secret_fields_input_is_hidden_in_every_form(model: type[BaseModel], field: str) -> None:
    exc = _error(model, **{field: TOKEN})
    errors = exc.errors(include_url=False, include_context=False)
    for text in (str(exc), f"settings refused: {exc}", exc.json(), json.dumps(errors), str(errors)):
        shown = redact_text(text)
        assert TOKEN not in shown, shown
        assert field in shown  # the reason stays


def test_a_union_ordinary_fields_input_stays() -> None:
    exc = _error(_Plain, region="eu-west-1")
    assert "input_value='eu-west-1'" in redact_text(str(exc))
    assert "eu-west-1" in redact_text(exc.json())
