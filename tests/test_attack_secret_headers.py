"""Secrets in a table or a name/value entry whose names the table rules did not read: a column
header of three or four words ("Admin user password", "SMTP server password", "DB password
(prod)") was not read as naming a secret (only two words were), and a two-field entry whose label
field is not called ``name``/``key`` ("setting,value", ``{"option": "smtp_password", "value":
...}``) did not name its value. Each password reached the library file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from skillevo import Evolver, SkillLibrary
from skillevo._redaction import redact, redact_text

PW = "Zq8vLm3Tr9Wx"

LEAKED: dict[str, Any] = {
    "three-word header": f"host,Admin user password\nprod,{PW}\n",
    "four-word header": f"host | SMTP relay server password\n--- | ---\nprod | {PW}",
    "header with a note": f"host;DB password (prod)\nprod;{PW}",
    "setting,value rows": f"setting,value\ntimeout,30\nDB_PASSWORD,{PW}\n",
    "option entry": [{"option": "timeout", "value": 30}, {"option": "smtp_password", "value": PW}],
    "env entry": {"env": "API_TOKEN", "value": PW},
}
KEPT: dict[str, Any] = {
    "expiry column": "user,Password expires at\nana,2026-01-01",
    "setting,value of nothing secret": "setting,value\ntimeout,30\nretries,3",
    "option entry of nothing secret": {"option": "timeout", "value": 30},
    "a record of two fields": {"city": "Paris", "value": 12},
}


def _redacted(value: Any) -> Any:
    return redact_text(value) if isinstance(value, str) else redact(value)


@pytest.mark.parametrize("value", list(LEAKED.values()), ids=list(LEAKED))
def test_the_secret_is_hidden(value: Any) -> None:
    assert PW not in str(_redacted(value))


@pytest.mark.parametrize("value", list(KEPT.values()), ids=list(KEPT))
def test_other_values_are_kept(value: Any) -> None:
    assert _redacted(value) == value


@pytest.mark.parametrize("value", list(LEAKED.values()), ids=list(LEAKED))
def test_it_reaches_no_library_file(tmp_path: Path, value: Any) -> None:
    with SkillLibrary(str(tmp_path / "lib.db")) as lib:
        evo = Evolver(lib, seed=0)
        with evo.episode(task="read the config") as ep:
            sent = ep.before_tool("read_config", {"env": "prod"})
            ep.on_tool_result("read_config", sent, value)
            ep.finish(reward=1.0)
        lib.flush()
        data = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert PW.encode() not in data
