"""Keys written with brackets or subscripts, and separators the pair rule did not read (2026-12-06,
eleventh attacker's pass). Each form below left its value in the redacted text before:

* form-encoded nested keys, as Rails, PHP and Laravel post them and log them: ``user[password]=``,
  ``params[api_key]=``, percent-encoded ``user%5Bpassword%5D=``; a subscript after the name:
  ``password[0]=``, ``password{0}=``;
* an arrow or a double colon between name and value: ``password -> ...``, ``password → ...``,
  LDIF's ``userPassword:: <base64>``; "password is: ...".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from skillevo import Evolver, SkillLibrary
from skillevo._redaction import redact_text

PW = "Br4-Bracket-Secret-8812"

FORMS = [
    f"POST /users user[email]=ana%40example.com&user[password]={PW}&commit=Save",
    f"params[api_key]={PW}",
    f"user%5Bpassword%5D={PW}&user%5Bname%5D=ana",
    f"data[user][password]={PW}",
    f"password[0]={PW}",
    f"password{{0}}={PW}",
    f"password -> {PW}",
    f"password → {PW}",
    f"dn: uid=ana,ou=people\nuserPassword:: {PW}",
    f"your new password is: {PW}",
]


@pytest.mark.parametrize("text", FORMS)
def test_a_bracketed_key_or_another_separator_hides_its_value(text: str) -> None:
    out = redact_text(text)
    assert PW not in out, out
    assert redact_text(out) == out


@pytest.mark.parametrize(
    "text",
    [
        "user[email]=ana&user[name]=Ana&commit=Save",
        "items[0]=lamp&items[1]=desk",
        "see [password](https://docs.example.com/reset) for help",
        "password -> required",
        "the password is: too short",
        "status:: ok",
    ],
)
def test_bracketed_keys_naming_no_secret_keep_their_values(text: str) -> None:
    assert redact_text(text) == text


def test_a_form_post_reaches_no_file(tmp_path: Path) -> None:
    body = f"user[email]=ana&user[password]={PW}&commit=Save"
    with SkillLibrary(str(tmp_path / "lib.db")) as lib:
        evo = Evolver(lib, seed=0)
        for _ in range(2):
            with evo.episode(task="sign up") as ep:
                sent = ep.before_tool("http_post", {"url": "https://shop.example.com/users", "body": body})
                ep.on_tool_error("http_post", sent, RuntimeError(f"422 for body {body}"))
                ep.finish(reward=0.0)
        lib.flush()
        data = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert PW.encode() not in data
