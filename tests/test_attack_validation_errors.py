"""The input a pydantic ``ValidationError`` quotes for a secret field (2026-12-07, attack16's pass).

Pydantic writes a field's location alone on a line and the refused input two lines below it, after
``input_value=``, which names nothing; as JSON (``e.json()``) it names the field under ``loc`` and
the value under ``input``. Before: a token that failed a settings model's validation (not one of
the call's arguments, so no known-echo hid it) stayed in the text in both forms, and a long one
stayed as pydantic's truncation of it (its first and last characters, which no shape rule knows).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from pydantic import BaseModel, Field, ValidationError

from skillevo._redaction import redact_text

sys.path.insert(0, str(Path(__file__).parent))
from leak_harness import db_bytes

TOKEN = "hT6kQw9Zr3Xv5Nb"
LONG = "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z" * 3  # pydantic shows its first and last 24 characters


class _Settings(BaseModel):
    api_token: str = Field(pattern=r"^tok_")
    region: str = Field(pattern=r"^[a-z]{2}-\d$")


class _Nested(BaseModel):
    store: _Settings


class _Keys(BaseModel):
    client_secret: str = Field(min_length=200)


def _error(model: type[BaseModel], **data: object) -> ValidationError:
    try:
        model.model_validate(data)
    except ValidationError as exc:
        return exc
    raise AssertionError("validated")


ERRORS = {
    "a top-level field": _error(_Settings, api_token=TOKEN, region="EU1"),
    "a nested field": _error(_Nested, store={"api_token": TOKEN, "region": "eu-1"}),
    "a long value pydantic truncates": _error(_Keys, client_secret=LONG),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_a_secret_fields_input_is_hidden_in_the_errors_text(name: str) -> None:
    exc = ERRORS[name]
    for text in (str(exc), f"cannot connect: {exc}", exc.json(), json.dumps(exc.errors(include_url=False))):
        shown = redact_text(text)
        for piece in (TOKEN, LONG[:24], LONG[-24:]):
            assert piece not in shown, shown
        assert "validation error" in shown or '"loc"' in shown  # the reason stays


def test_an_ordinary_fields_input_stays() -> None:
    exc = ERRORS["a top-level field"]
    assert "input_value='EU1'" in redact_text(str(exc))
    assert '"input": "EU1"' in redact_text(exc.json()).replace('":"', '": "')


def test_a_wrapped_validation_error_reaches_no_file(tmp_path: Path) -> None:
    from skillevo import Evolver, SkillLibrary

    db = tmp_path / "lib.db"
    with SkillLibrary(str(db)) as lib:
        evo = Evolver(lib, seed=0, mining="inline")
        for _ in range(2):
            with evo.episode(task="connect") as ep:
                sent = ep.before_tool("connect_store", {"store": "eu-1"})
                ep.on_tool_error("connect_store", sent, RuntimeError(f"cannot connect: {ERRORS['a top-level field']}"))
                ep.finish(reward=0.0)
        lib.flush()
    data = db_bytes(db)
    assert TOKEN.encode() not in data and b"connect_store" in data


def test_a_missing_secret_field_hides_only_the_secrets_of_the_input_it_quotes() -> None:
    """For a missing field pydantic quotes the model's whole input (the call's other arguments), not
    the field's value: those stay readable for the miner, and a secret among them is still hidden."""
    from pydantic import BaseModel, ValidationError

    from skillevo._redaction import redact_text

    class Booking(BaseModel):
        access_token: str
        card_id: str
        token: str | None = None

    try:
        Booking.model_validate({"card_id": "card_2108", "token": "Zq81mx0Qa7rT"})
    except ValidationError as exc:
        text = str(exc)
    out = redact_text(text)
    assert "card_2108" in out and "access_token" in out and "Field required" in out
    assert "Zq81mx0Qa7rT" not in out


@pytest.mark.parametrize("key", ["pw", "p", "passwd", "pwd", "accessTok", "tok", "access"])
def test_a_secret_sent_under_a_respelling_of_the_missing_field_stays_hidden(key: str) -> None:
    """The field is missing because the model sent it under another name: that value is the secret."""
    from pydantic import BaseModel, ValidationError

    from skillevo._redaction import redact_text

    class Login(BaseModel):
        password: str
        card_id: str

    class Booking(BaseModel):
        access_token: str
        card_id: str

    model = Booking if key.startswith(("a", "t")) else Login
    try:
        model.model_validate({"card_id": "card_2108", key: "Zq81mx0Qa7rT"})
    except ValidationError as exc:
        out = redact_text(str(exc))
    else:
        raise AssertionError("validated")
    assert "Zq81mx0Qa7rT" not in out and "card_2108" in out
