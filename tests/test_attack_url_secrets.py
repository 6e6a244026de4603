"""Secrets a URL carries where the earlier rules did not read: a token as the URL's user name (how git
remotes carry a personal access token: ``https://<token>@host/repo.git``, ``https://<token>:x-oauth-basic@...``),
and a URL whose credentials are percent-encoded because it sits inside another URL's query
(``/login?next=https%3A%2F%2Fuser%3A<password>%40host``). Each secret is sent, echoed in the error
twice (so mining runs) and in a result; none of its bytes may reach the library file or anything
shown or exported. Ordinary user names and percent-encoded text keep their values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from skillevo import Evolver, SkillLibrary
from skillevo._redaction import redact_text
from skillevo.cli import main

TOKEN = "x9Kq2Lr7Mn0Pb5Vc8Wd1Ye6Zf3Gh4Tj"  # no vendor prefix: only its place says what it is
HEX_TOKEN = "3f9a1c0e7b2d4f6a8c1e3b5d7f9a2c4e6b8d0f1a"  # GitHub's older 40-hex tokens
PASSWORD = "Pa55word99x"

URL_FORMS = {
    "token as the user name": f"https://{TOKEN}@github.com/acme/app.git",
    "hex token as the user name": f"https://{HEX_TOKEN}@github.com/acme/app.git",
    "token beside GitHub's x-oauth-basic": f"https://{TOKEN}:x-oauth-basic@github.com/acme/app.git",
    "token with an empty password": f"https://{TOKEN}:@git.example.org/app.git",
    "user:password percent-encoded in a query": f"/login?next=https%3A%2F%2Fana%3A{PASSWORD}%40db.internal%2Fx",
    "user:password encoded twice": f"/a?u=https%253A%252F%252Fana%253A{PASSWORD}%2540db.internal",
    "token as user, percent-encoded": f"/go?to=https%3A%2F%2F{TOKEN}%40github.com%2Facme",
    "password=... percent-encoded inside a query value": f"/x?cb=%2Fhook%3Fpassword%3D{PASSWORD}",
}


def _secret_of(form: str) -> str:
    return PASSWORD if PASSWORD in URL_FORMS[form] else (HEX_TOKEN if HEX_TOKEN in URL_FORMS[form] else TOKEN)


@pytest.mark.parametrize("form", list(URL_FORMS))
def test_a_url_secret_is_redacted(form: str) -> None:
    text = URL_FORMS[form]
    out = redact_text(f"clone failed: {text} (exit 128)")
    assert _secret_of(form) not in out, out
    assert "[REDACTED:" in out
    assert "clone failed:" in out and "(exit 128)" in out


def _bytes_under(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def _drive(evo: Evolver, url: str) -> None:
    for _ in range(2):
        with evo.episode(task="sync the repository") as ep:
            args: dict[str, Any] = {"remote": url, "branch": "main"}
            sent = ep.before_tool("git_fetch", args)
            ep.on_tool_error("git_fetch", sent, RuntimeError(f"fatal: could not read from {url}"))
            ep.on_tool_result("git_fetch", sent, {"fetched": url})
            ep.finish(reward=1.0)


@pytest.mark.parametrize("form", list(URL_FORMS))
def test_a_url_secret_reaches_no_file_report_or_export(
    form: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "lib"
    folder.mkdir()
    db = str(folder / "lib.db")
    with SkillLibrary(db) as lib:
        _drive(Evolver(lib, seed=0), URL_FORMS[form])
        lib.flush()
        places = {"database (open)": _bytes_under(folder)}
    places["database (closed)"] = _bytes_under(folder)
    md, html = tmp_path / "r.md", tmp_path / "r.html"
    assert main(["diff", "--db", db, "--out", str(md), "--html", str(html)]) == 0
    assert main(["export", "grpo", str(tmp_path / "grpo"), "--db", db]) == 0
    assert main(["export", "skills", str(tmp_path / "skills"), "--db", db]) == 0
    main(["ls", "--db", db])
    places["cli"] = capsys.readouterr().out.encode()
    places["reports"] = md.read_bytes() + html.read_bytes()
    places["exports"] = _bytes_under(tmp_path / "grpo") + _bytes_under(tmp_path / "skills")
    secret = _secret_of(form).encode()
    assert [p for p, data in places.items() if secret in data] == []
    assert b"main" in places["database (closed)"]  # the call was recorded


@pytest.mark.parametrize(
    "text",
    [
        "ssh://git@github.com/acme/app.git",
        "postgresql://app_user@db.internal:5432/orders",
        "https://service-account-2024@registry.example.com/v2/",
        "https://ana.lima@example.com@host/x",
        "ftp://anonymous@ftp.example.org/pub",
        "/search?q=hello%20world%21&page=2",
        "/files/reports%2F2024%2Fq3.pdf",
        "/go?to=https%3A%2F%2Fdocs.example.com%2Fguide%3Fsection%3Dinstall",
        "/go?to=https%3A%2F%2Fana%40example.com",
    ],
)
def test_ordinary_urls_keep_their_values(text: str) -> None:
    assert redact_text(text) == text
