"""A secret whose key pydantic's truncation cut, in a validation error's quoted input (attack18).

Pydantic writes a long ``input_value`` as its first and last bytes around ``...``
(``{'host': 'dbxxx', 'passwo...: 'Quokka7731plumZebra'}``). The cut falls anywhere: inside a key
(``'cr...tial': ...``), just after one (``'passwo...: ...``), or takes the key whole (``...: ...``), and
the value after it keeps no name a pair rule could judge. Any field's error quotes an input (a
settings model's missing ``user`` quotes the whole dict, ``password`` included), so the location
proves nothing either. Before: 132 of 280 errors (7 secret keys x 10 cut points x a top-level and a
nested model x 2 orders of the dict) showed the secret, 6 of 6 missing ``password`` errors whose
input was cut, and the error wrapped in a tool's exception reached the library file. A value after
a cut is judged by no key: it is hidden, whatever the location; the values before the cut, judged
by their own keys, stay.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from skillevo._redaction import redact_text

sys.path.insert(0, str(Path(__file__).parent))
from leak_harness import db_bytes

SECRET = "Quokka7731plumZebra"
KEYS = ["password", "api_key", "credential", "access_token", "client_secret", "passwd", "private_key"]


class _DB(BaseModel):
    host: str
    user: str


class _Outer(BaseModel):
    db: _DB


def _error(model: type[BaseModel], data: dict[str, object]) -> ValidationError:
    try:
        model.model_validate(data)
    except ValidationError as exc:
        return exc
    raise AssertionError("validated")


def _leaks(text: str) -> bool:
    """Whether any 6 characters of the secret are still in `text` (a truncation shows halves)."""
    return any(SECRET[i : i + 6] in text for i in range(len(SECRET) - 5))


def _errors(key: str) -> list[ValidationError]:
    out = []
    for pad in range(0, 30, 3):
        for data in ({"host": "db" + "x" * pad, key: SECRET}, {key: SECRET, "host": "db" + "x" * pad}):
            out += [_error(_DB, data), _error(_Outer, {"db": data})]
    return out


@pytest.mark.parametrize("key", KEYS)
def test_a_value_after_pydantics_cut_is_hidden_wherever_the_cut_falls(key: str) -> None:
    leaked = [str(e) for e in _errors(key) if _leaks(redact_text(f"settings refused: {e}"))]
    assert not leaked, f"{len(leaked)} of 40 leaked: {leaked[0]}"


def test_the_values_before_the_cut_stay() -> None:
    exc = _error(_DB, {"host": "db1", "region": "eu-west-1", "password": SECRET})
    shown = redact_text(str(exc))
    assert "'host': 'db1'" in shown and "Field required" in shown and not _leaks(shown)


@pytest.mark.parametrize("key", ["credential", "pass_phrase", "clave", "value", "pw_hash", "login"])
def test_a_missing_secret_fields_cut_input_keeps_no_secret(key: str) -> None:
    class Login(BaseModel):
        password: str
        user_id: str

    exc = _error(Login, {"user_id": "u_2108", "region": "eu-west-1", key: SECRET})
    shown = redact_text(str(exc))
    assert not _leaks(shown) and "u_2108" in shown, shown


def test_a_cut_secret_reaches_no_file(tmp_path: Path) -> None:
    from skillevo import Evolver, SkillLibrary

    db = tmp_path / "lib.db"
    with SkillLibrary(str(db)) as lib:
        evo = Evolver(lib, seed=0, mining="inline")
        for exc in _errors("credential")[:6]:
            with evo.episode(task="connect") as ep:
                sent = ep.before_tool("connect_store", {"store": "eu-1"})
                ep.on_tool_error("connect_store", sent, RuntimeError(f"cannot connect: {exc}"))
                ep.finish(reward=0.0)
        lib.flush()
    data = db_bytes(db).decode("utf-8", "replace")
    assert not _leaks(data) and "connect_store" in data
