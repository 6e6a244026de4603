"""Hostile or mistyped database URLs (``--db``, ``SKILLEVO_DB``, `SkillLibrary(url)`): each is one line
of skillevo's own error type, with the password masked, never a traceback of the URL parser's."""

from __future__ import annotations

import pytest

from skillevo import SkillLibrary
from skillevo._errors import SkillevoError
from skillevo.cli import main

URLS = [
    "postgresql://u:hunter2pw@[::1/x",  # an IPv6 bracket never closed
    "postgresql://u:hunter2pw@[zz]/x",  # brackets around no address
    "postgres://u:hunter2pw@[::1]]/x",
    "postgresql://u:hunter2pw@[v1.x]/x",
]


@pytest.mark.parametrize("url", URLS)
def test_a_malformed_url_is_one_line_of_skillevos_own_error(url: str) -> None:
    with pytest.raises(SkillevoError) as info:
        SkillLibrary(url)
    text = str(info.value)
    assert "\n" not in text and "hunter2pw" not in text


@pytest.mark.parametrize("url", URLS)
def test_the_cli_says_one_line_for_a_malformed_url(url: str, capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    for argv in (["ls", "--db", url], ["stats"]):
        monkeypatch.setenv("SKILLEVO_DB", url)
        assert main(argv) != 0
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err and "hunter2pw" not in out + err
        assert len(err.strip().splitlines()) == 1, err


@pytest.mark.parametrize("since", ["99999999999d", "9" * 400 + "w", "99999999999999999999s", "0001-01-01T00:00+01:00"])
def test_diff_since_an_age_older_than_any_clock_is_no_traceback(
    tmp_path: object, since: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """An age or date before the UNIX epoch (a typo, a script's overflow) means "since the library
    began": the report is written from an empty library, never a ValueError from `datetime`."""
    from pathlib import Path

    from skillevo.cli._train_cmds import parse_time

    db = Path(str(tmp_path)) / "lib.db"
    SkillLibrary(db).close()
    assert parse_time(since) == 0.0
    code = main(["diff", "--since", since, "--db", str(db)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and code == 0, err
