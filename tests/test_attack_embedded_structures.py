"""A secret inside a structure written as text (2026-12-07, attack16's pass).

The structural rules (a secret's value under its key, ``{"name": "DB_PASSWORD", "value": ...}``, a
header pair ``["X-Api-Key", ...]``, a table's secret column) read dicts and lists. A LangGraph
``ToolMessage`` carries its result as a *string*, and errors quote what they refused as JSON or as a
Python ``repr``: there only the text rules ran, which see ``"value": "..."`` beside no secret's name.
Before: 5 of 5 structural forms, returned as a JSON string and quoted by an error, reached the
library file; now each bracketed span that parses is redacted as the structure it spells.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from skillevo import Evolver, SkillLibrary
from skillevo._redaction import redact, redact_text

sys.path.insert(0, str(Path(__file__).parent))
from embedded_work import count_embedded_work
from leak_harness import db_bytes

PW = "Zq8vLw3Kp0Xy"

FORMS: dict[str, Any] = {
    "a sibling naming the secret (Kubernetes env)": {"env": [{"name": "DB_PASSWORD", "value": PW}]},
    "a header as a pair": {"headers": [["Accept", "json"], ["X-Api-Key", PW]]},
    "a secret key holding pairs": {"creds": [["user", "bob"], ["pass", PW]]},
    "a field and its value": {"field": "api_key", "value": PW},
    "a table's secret column": {"columns": ["user", "password"], "rows": [["bob", PW]]},
}


def _episodes(db: Path, result: str, error: str) -> bytes:
    with SkillLibrary(str(db)) as lib:
        evo = Evolver(lib, seed=0, mining="inline")
        for _ in range(2):
            with evo.episode(task="read the service config") as ep:
                sent = ep.before_tool("get_config", {"service": "shop"})
                ep.on_tool_result("get_config", sent, result)
                ep.on_tool_error("get_config", sent, ValueError(error))
                ep.finish(reward=0.0)
        lib.flush()
    return db_bytes(db)


@pytest.mark.parametrize("name", list(FORMS))
def test_a_structure_returned_or_quoted_as_text_keeps_no_secret(name: str, tmp_path: Path) -> None:
    text = json.dumps(FORMS[name])
    data = _episodes(tmp_path / "lib.db", text, f"config rejected: {text}")
    assert PW.encode() not in data
    assert b"get_config" in data


@pytest.mark.parametrize("name", list(FORMS))
def test_the_text_reads_as_the_structure_does(name: str) -> None:
    value = FORMS[name]
    for text in (json.dumps(value), json.dumps(value, indent=2), f"rejected: {value!r} (see the docs)"):
        shown = redact_text(text)
        assert PW not in shown, shown
        assert redact_text(shown) == shown  # a second pass (the store boundary, an export) changes nothing
    assert json.loads(redact_text(json.dumps(value))) == redact(value)


@pytest.mark.parametrize(
    "text",
    [
        '{"user": "bob", "rows": [1, 2, 3], "token_count": 12}',
        "keep [1, 2] and {'a': 'b'} and [don't] {x} token",
        "a list [password, token] of words, and {braces}",
        '{"name": "password_policy", "value": "at least 12 characters"}',
        "[" * 300 + " token",
    ],
)
def test_structures_without_a_secret_keep_their_exact_spelling(text: str) -> None:
    assert redact_text(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + " password",
        "{'" * 50_000 + "password",
        '{"a": 1} password ' * 5_000,
        "[" * 50_000 + "]" * 50_000 + " token",
    ],
)
def test_hostile_brackets_cost_no_more_than_a_bounded_read(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    # Counted, not timed (benchmarks/bench_redos.py times these families against prose).
    work = count_embedded_work(monkeypatch)
    redact_text(text)
    assert work.looked > 0  # the structural reading ran
    work.assert_bounded(len(text))


@pytest.mark.parametrize("name", list(FORMS))
def test_a_code_skill_is_never_handed_a_secret_in_a_structure_written_as_text(name: str) -> None:
    """A code skill handed the text could return the secret reversed under an ordinary argument:
    what the structural reading hides is sealed from it, and put back in what it returns."""
    from skillevo._code_seal import run_sealed

    seen: list[str] = []

    def skill(code: str, tool: str, sealed: dict[str, Any], error: str) -> dict[str, Any]:
        seen.append(json.dumps(sealed))
        return sealed

    for text in (json.dumps(FORMS[name]), repr(FORMS[name])):
        args = {"n": 1, "config": text}
        assert run_sealed(skill, "", "t", dict(args), "") == args
        assert PW not in seen[-1] and PW[::-1] not in seen[-1], seen[-1]


def test_many_bracket_runs_in_a_code_skills_answer_cost_a_bounded_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """A code skill's 1 MiB answer of 900 strings of 1,000 brackets took 30 s to redact while each
    opening was handed to the JSON parser (its depth error costs ~0.6 ms); the span's end is now found
    first, within a budget shared by the text's openings."""
    strings = ["[" * 1000 + " password"] * 300
    work = count_embedded_work(monkeypatch)
    redact({"a": strings})
    assert work.looked > 0  # the structural reading ran
    # Counted, not timed: one opening of each string handed on, its span's end found within the budget.
    assert work.parses <= len(strings), work
    work.assert_bounded(sum(map(len, strings)), texts=len(strings))
