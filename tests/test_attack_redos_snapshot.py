"""A tool result that is a list (or dict) of many long strings: the snapshot an event keeps is 2,000
characters of its JSON, but every string in it was redacted in full first (each cut to 67,536
characters, up to 2,000 of them per container): 30 strings of ``password=...`` (54 KB each) held the
agent's thread 11 s in `on_tool_result`. The characters read are now bounded for the whole value: the
strings past that budget are not read and show as the cut mark, never as their text."""

from __future__ import annotations

import pytest

from skillevo import _redaction
from skillevo._recording import RESULT_MAX_CHARS, snapshot
from skillevo._redaction import REDACT_PAST_CUT

BUDGET = RESULT_MAX_CHARS + REDACT_PAST_CUT


@pytest.fixture
def redacted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    sizes: list[int] = []
    real = _redaction.redact_text

    def counting(text: str, **kw: object) -> str:
        sizes.append(len(text))
        return real(text, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(_redaction, "redact_text", counting)
    return sizes


@pytest.mark.parametrize(
    "value",
    [
        ["password=" * 6000] * 30,
        {f"k{i}": "x" * 50_000 for i in range(40)},
        [["token: " * 1000] * 50] * 50,
        [{"a": "y" * 60_000, "b": ["z" * 60_000]}] * 20,
    ],
    ids=["list of runs", "dict of long strings", "nested lists", "records"],
)
def test_a_result_of_many_long_strings_reads_a_bounded_total(redacted: list[int], value: object) -> None:
    out = snapshot(value)
    assert sum(redacted) <= 3 * BUDGET
    assert isinstance(out, str) and len(out) <= RESULT_MAX_CHARS + 1


def test_what_is_kept_is_still_redacted_and_unread_strings_never_show() -> None:
    pw = "Zq8w-Kp3m-Lq7v"
    value = [f"password={pw} " + "a" * 40_000, *["b" * 40_000] * 10, f"token: {pw}"]
    out = snapshot(value)
    assert pw not in out and out.startswith('["password=[REDACTED')
    shrunk = [f"api_key={'s' * 60_000}", *[f"note {i}" for i in range(3)], "c" * 70_000, f"password={pw}"]
    out = snapshot(shrunk)  # the first string redacts to a few characters: later ones come into view
    assert pw not in out and "note 2" in out


def test_a_small_result_is_kept_as_it_was() -> None:
    value = {"rows": [{"id": i, "name": f"product {i}"} for i in range(300)]}
    assert snapshot(value).startswith('{"rows": [{"id": 0, "name": "product 0"}')


def _chars(value: object) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return sum(_chars(k) + _chars(v) for k, v in value.items())
    if isinstance(value, list):
        return sum(_chars(v) for v in value)
    return 0


@pytest.mark.parametrize(
    "value",
    [
        {("password=" * 6000) + str(i): 1 for i in range(30)},
        {"rows": [{("k" * 70_000) + str(i): i} for i in range(30)]},
        {("a" * 100_000) + str(i): "v" for i in range(3)},
    ],
    ids=["flat dict of long keys", "records with long keys", "colliding cut keys"],
)
def test_long_keys_are_cut_and_budgeted_like_values(redacted: list[int], value: object) -> None:
    # A small flat dict was kept whole, whatever its keys' length, and redacted when the event was built.
    out = snapshot(value)
    assert _chars(out) <= RESULT_MAX_CHARS + 1
    assert sum(redacted) <= 3 * BUDGET
