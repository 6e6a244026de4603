"""Huge tool results and errors cost the agent's thread what their kept part costs."""

from __future__ import annotations

import pytest

from skillevo import Evolver, SkillLibrary, _redaction
from skillevo._recording import RESULT_MAX_CHARS, snapshot


def test_a_twenty_megabyte_result_is_redacted_only_around_what_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    real = _redaction.redact_text

    def measured(text: str, **kwargs: object) -> str:
        seen.append(len(text))
        return real(text, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(_redaction, "redact_text", measured)
    huge = "x" * 20_000_000 + " password=hunter2hunter2"
    evo = Evolver(SkillLibrary(":memory:"), miner=None, sandbox=None)
    with evo.episode("t") as ep:
        ep.on_tool_result("tool", {}, huge)
        ep.finish(1.0)
    assert seen and max(seen) <= RESULT_MAX_CHARS + _redaction.REDACT_PAST_CUT  # not 20 MB
    (result,) = [e for e in evo.store.events(episode_id=ep.id) if e.data.get("result")]
    assert len(str(result.data["result"])) <= RESULT_MAX_CHARS + 1


def test_a_secret_across_the_cut_is_still_redacted() -> None:
    key = "-----BEGIN RSA PRIVATE KEY-----\n" + "Q" * 300_000  # unterminated, far past the read window
    text = "a" * 100 + key
    kept = _redaction.capped_text(text, 2000)
    assert "QQQQ" not in kept and "REDACTED" in kept
    token = "sk-" + "A1b2C3d4" * 6
    kept = _redaction.capped_text("b" * 1989 + " " + token + " " + "c" * 10_000_000, 2000)
    assert token[:10] not in kept


def _old_jsonable(value: object, max_chars: int) -> object:
    """The snapshot as it was taken before containers and strings were cut first."""
    import json

    text = json.dumps(value, ensure_ascii=False)
    return _redaction.capped_text(json.dumps(_redaction.redact(json.loads(text)), ensure_ascii=False), max_chars)


@pytest.mark.parametrize(
    "value",
    [
        {f"k{i}": i for i in range(100_000)},
        {"a": list(range(1_000_000))},
        {"a": "x" * 3_000_000, "password": "hunter2hunter2"},
        [{"token": "t" * 10, "rows": [[i, str(i)] for i in range(5000)]}],
    ],
)
def test_a_huge_argument_is_snapshot_from_what_is_kept_and_reads_the_same(
    monkeypatch: pytest.MonkeyPatch, value: object
) -> None:
    expected = _old_jsonable(value, RESULT_MAX_CHARS)
    seen: list[int] = []
    real = _redaction.redact

    def measured(v: object, **kwargs: object) -> object:
        import json

        seen.append(len(json.dumps(v)))
        return real(v, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("skillevo._recording.redact", measured)
    assert snapshot(value) == expected  # the kept text is the same
    assert seen and max(seen) <= 2 * (RESULT_MAX_CHARS + _redaction.REDACT_PAST_CUT) * 8  # not the whole value


class _Report:
    """A tool's own result object whose text is huge (a report, a table's repr)."""

    def __str__(self) -> str:
        return "x" * 20_000_000 + " password=hunter2hunter2"


@pytest.mark.parametrize(
    "wrap", [lambda o: o, lambda o: {"report": o}, lambda o: [1, o]], ids=["bare", "in dict", "in list"]
)
def test_an_object_with_a_huge_text_is_redacted_only_around_what_is_kept(
    monkeypatch: pytest.MonkeyPatch, wrap: object
) -> None:
    seen: list[int] = []
    real = _redaction.redact

    def measured(v: object, **kwargs: object) -> object:
        seen.append(len(str(v)))
        return real(v, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("skillevo._recording.redact", measured)
    kept = snapshot(wrap(_Report()))  # type: ignore[operator]
    assert "x" * 100 in str(kept) and len(str(kept)) <= RESULT_MAX_CHARS + 100
    assert not seen or max(seen) <= 2 * (RESULT_MAX_CHARS + _redaction.REDACT_PAST_CUT)  # not 20 MB
