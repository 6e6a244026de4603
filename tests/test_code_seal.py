"""What a code skill is shown of a call: no secret in any form it could decode, and no cheap blow-up."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from skillevo import SandboxError
from skillevo._code_seal import run_sealed

PASSWORD = "Hunter2-S3cret!"
KEY = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"


def _shown(args: dict[str, Any], message: str = "") -> str:
    """Everything a skill is handed for `args` and `message`, as one text."""
    seen: list[str] = []

    def spy(code: str, tool: str, sealed: dict[str, Any], error: str) -> None:
        seen.append(json.dumps(sealed) + "\n" + error)

    run_sealed(spy, "", "t", args, message)
    return seen[0]


_B64 = base64.b64encode(PASSWORD.encode()).decode()
_B64_SHIFTED = base64.b64encode(b"xy" + PASSWORD.encode()).decode()


@pytest.mark.parametrize(
    ("args", "hidden"),
    [
        pytest.param({"password": PASSWORD, "url": "https://h/?p=Hunter2-S3cret%21"}, "Hunter2-S3cret%21",
                     id="percent-encoded copy"),
        pytest.param({"password": PASSWORD, "echo": PASSWORD.upper()}, PASSWORD.upper(), id="upper-case copy"),
        pytest.param({"password": PASSWORD, "blob": _B64}, _B64, id="base64 copy"),
        pytest.param({"password": PASSWORD, "blob": _B64_SHIFTED}, _B64_SHIFTED, id="base64 copy, shifted"),
        pytest.param({"password": PASSWORD, "index": {PASSWORD: 1}}, PASSWORD, id="copy as a dict key"),
        pytest.param({"url": f"https://api.example.com/v1/charges?api_key={KEY}"}, KEY, id="secret in a URL query"),
        pytest.param({"cmd": f"mysql --password={PASSWORD} -u root"}, PASSWORD, id="secret in a command line"),
        pytest.param({"headers": [["X-Api-Key", "ab12"]]}, "ab12", id="short secret in a name/value pair"),
    ],
)
def test_a_secret_in_any_readable_form_is_sealed(args: dict[str, Any], hidden: str) -> None:
    assert hidden not in _shown(args)


def test_a_short_secret_echoed_as_another_argument_is_sealed() -> None:
    shown = _shown({"pin": "4821", "confirm_pin_again": "4821", "note": "my pin 4821"})
    assert "4821" not in shown


def test_sealed_forms_come_back_as_they_were() -> None:
    """What a skill passes through untouched is the call's own text again, in its own form."""
    args = {
        "password": PASSWORD,
        "url": f"https://h/?p=Hunter2-S3cret%21&api_key={KEY}",
        "echo": PASSWORD.upper(),
        "index": {PASSWORD: 1},
        "headers": [["X-Api-Key", "ab12"]],
        "date": "2024/01/02",
    }

    def identity(code: str, tool: str, sealed: dict[str, Any], error: str) -> dict[str, Any]:
        return dict(sealed, date=sealed["date"].replace("/", "-"))

    assert run_sealed(identity, "", "t", args, "") == dict(args, date="2024-01-02")


def test_an_answer_that_multiplies_a_secret_is_refused() -> None:
    """A placeholder is a few characters; the value it stands for may be large. An answer that
    repeats it thousands of times must not make the host build gigabytes."""
    big = {"private_key": "k" * 20_000}

    def repeat(code: str, tool: str, sealed: dict[str, Any], error: str) -> dict[str, Any]:
        return {"private_key": [sealed["private_key"]] * 5_000}

    def concat(code: str, tool: str, sealed: dict[str, Any], error: str) -> dict[str, Any]:
        return {"private_key": sealed["private_key"] * 5_000}

    for skill in (repeat, concat):
        with pytest.raises(SandboxError, match="expands"):
            run_sealed(skill, "", "t", big, "")

    def legit(code: str, tool: str, sealed: dict[str, Any], error: str) -> dict[str, Any]:
        return {"private_key": sealed["private_key"], "auth": "Bearer " + sealed["private_key"]}

    expected = {"private_key": big["private_key"], "auth": "Bearer " + big["private_key"]}
    assert run_sealed(legit, "", "t", big, "") == expected
