"""The caches on the agent's request path give exactly what the uncached code gives.

The redaction engine remembers short texts it found nothing in; a tool's observation patterns are
searched as one program. Neither may miss a secret or a trigger that the plain path would catch.
"""

from __future__ import annotations

import random
import sys
import threading
from collections.abc import Iterator

import pytest

from skillevo import Evolver, SkillLibrary, Strategy, Trigger, TriggerKind, VersionStatus, _redaction
from skillevo._redaction import redact, redact_text
from skillevo._regex import MAX_TEXT, any_of, found, usable

SECRET = "sk-ant-api03-" + "A" * 40


@pytest.fixture
def cold() -> Iterator[None]:
    """Empty clean-text and plain-key caches, before and after."""
    _redaction._clean.clear()
    _redaction._plain_keys.clear()
    yield
    _redaction._clean.clear()
    _redaction._plain_keys.clear()


def test_a_secret_after_clean_values_is_still_caught(cold: None) -> None:
    for _ in range(3):  # the clean values are remembered on the first pass
        assert redact({"text": "t0", "args": {"city": "Paris"}}) == {"text": "t0", "args": {"city": "Paris"}}
    assert "t0" in _redaction._clean
    out = redact({"text": f"key {SECRET}", "args": {"city": "Paris", "note": SECRET}})
    assert SECRET not in str(out)
    assert out["args"]["city"] == "Paris"
    # A text is remembered only when the rules left it unchanged: the secret never is.
    assert not any(SECRET in text for text in _redaction._clean)


def test_a_remembered_text_that_is_an_episodes_secret_is_hidden(cold: None) -> None:
    assert redact_text("hunter2-blue") == "hunter2-blue"  # no secret shape: remembered as clean
    known: set[str] = set()
    out = redact({"password": "hunter2-blue", "echo": "hunter2-blue"}, known=known)
    assert out == {"password": "[REDACTED:secret]", "echo": "[REDACTED:secret]"}


def test_remembered_keys_never_let_a_secret_through(cold: None) -> None:
    for _ in range(3):
        assert redact({"city": "Paris", "password": "x"}) == {"city": "Paris", "password": "[REDACTED:secret]"}
    assert "city" in _redaction._plain_keys and "password" not in _redaction._plain_keys
    # A secret sent as a key is hidden, remembered keys or not.
    assert SECRET not in str(redact({SECRET: 1, "city": "Rome"}))
    assert SECRET not in _redaction._plain_keys
    # An episode's own secret echoed as a key that was remembered as plain is still hidden.
    assert redact({"hunter2-blue": 1}) == {"hunter2-blue": 1}
    known = {"hunter2-blue"}
    assert redact({"hunter2-blue": 1, "city": "Rome"}, known=known) == {"[REDACTED:secret]": 1, "city": "Rome"}
    assert redact({"ana@example.com": 1}, emails=True) == {"[REDACTED:email]": 1}


def test_emails_are_hidden_after_the_same_text_was_remembered_without(cold: None) -> None:
    text = "write to ana@example.com"
    assert redact_text(text) == text
    assert redact_text(text, emails=True) == "write to [REDACTED:email]"


def test_cached_verdicts_equal_the_full_rules(cold: None) -> None:
    texts = ["t0", "args", "Paris", "token_type", "4111 1111 1111 1111", f"Bearer {'x' * 20}", SECRET, "ok"]
    first = [redact_text(t) for t in texts]
    again = [redact_text(t) for t in texts]
    assert first == again == [_redaction._redact_all_rules(t, False) for t in texts]


def test_the_clean_cache_is_bounded(cold: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_redaction, "_CLEAN_MAX", 8)
    for i in range(50):
        redact_text(f"value {i}")
    assert len(_redaction._clean) <= 8
    long = "word " * 100
    redact_text(long)
    assert long not in _redaction._clean


@pytest.mark.parametrize(
    "text",
    ["quota exceeded", "booked 2026-01-02", "nothing here", "Rate limit: 429", "x" * 9000 + "booked", ""],
)
def test_one_program_finds_what_one_of_the_patterns_finds(text: str) -> None:
    patterns = ("quota exceeded", r"booked \d{4}", "rate limit", "booked")
    gate = any_of(patterns, True)
    assert gate is not None
    each = any(p is not None and p.search(text) is not None for p in (usable(q, True) for q in patterns))
    assert (gate.search(text) is not None) == each
    assert found(gate, text) == each  # the gate's question, asked without a match object


@pytest.mark.parametrize("text", ["ÉTÉ x", "日本 x", "é" * 9000 + "x", "x" * 8191 + "é", "a\x00x", "y"])
def test_asking_whether_a_pattern_matches_agrees_with_search_on_any_text(text: str) -> None:
    for pattern in ("x", "été", "^日", "é+x$"):
        compiled = usable(pattern, True)
        assert compiled is not None
        assert found(compiled, text) == (compiled.search(text) is not None)


def test_patterns_that_cannot_share_a_program_are_searched_one_by_one() -> None:
    assert any_of((r"\Qa.b", "c"), True) is None
    assert any_of(("same", "same"), True) is usable("same", True)
    assert any_of((), True) is None


def _observe(evo: Evolver, result: str) -> str:
    with evo.episode(task="book") as ep:
        ep.guidance(["book"])
        args = ep.before_tool("book", {"day": "mon"})
        ep.on_tool_result("book", args, result)
        return ep.guidance(["book"])


def test_each_observation_pattern_still_fires_its_own_skill() -> None:
    with SkillLibrary(":memory:") as lib:
        for name, pattern, note in (("full", "fully booked", "Try another day."), ("late", "closes at", "Go early.")):
            lib.add_skill(name, Trigger(kind=TriggerKind.OBSERVATION, tool="*", pattern=pattern),
                          Strategy(guidance=note), status=VersionStatus.ACTIVE)  # fmt: skip
        evo = Evolver(lib, miner=None, seed=0, null_arm=False)
        assert _observe(evo, "booked") == ""
        assert "Go early." in _observe(evo, "it closes at 5") and "Try another" not in _observe(evo, "closes at 5")
        assert "Try another day." in _observe(evo, "monday is fully booked")
        # A changed library is seen once the cache is dropped: the new pattern fires.
        lib.add_skill("rain", Trigger(kind=TriggerKind.OBSERVATION, tool="*", pattern="rain"),
                      Strategy(guidance="Take an umbrella."), status=VersionStatus.ACTIVE)  # fmt: skip
        evo.invalidate()
        assert "Take an umbrella." in _observe(evo, "rain expected")


def test_plain_text_patterns_are_answered_exactly_as_re2_answers() -> None:
    rng = random.Random(7)
    alphabet = "abkKsS \x00:-_/\u212a\u017f\u00e9"  # Kelvin sign and long s fold to ASCII letters in RE2
    texts = ["", "QUOTA exceeded", "x" * MAX_TEXT + "quota exceeded", "\u212aey", "\u017fafe", "caf\u00e9 key"]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(300)]
    patterns = ["quota exceeded", "key", "safe", "k", "S", "a b", "-:_/", "", "\u00e9", "a\x00"]
    for fold in (True, False):
        gates = [usable(p, fold) for p in patterns] + [any_of(("key", "safe"), fold), any_of(("k", "\u00e9"), fold)]
        for gate in gates:
            assert gate is not None
            for text in texts:
                assert found(gate, text) == (gate.search(text) is not None), (text, fold)


def test_asking_a_plain_text_pattern_about_an_ascii_text_keeps_the_gil() -> None:
    # RE2's matcher releases the GIL: a thread waiting for it (LangGraph's agent thread, while a tool
    # thread it has just started reports the result) would run, costing two context switches.
    gate = any_of(("quota exceeded for tenant", "rate limit"), True)
    assert gate is not None
    go, ran = threading.Event(), []
    other = threading.Thread(target=lambda: (go.wait(), ran.append(1)))
    interval = sys.getswitchinterval()
    sys.setswitchinterval(100.0)  # no forced switch: only a release lets the other thread run
    try:
        other.start()
        go.set()
        results = [found(gate, f"echo t{i}") for i in range(2000)]
        assert not ran
    finally:
        sys.setswitchinterval(interval)
        other.join()
    assert not any(results) and ran == [1]


def test_an_observer_without_a_pattern_still_fires_when_the_others_patterns_reject_the_result() -> None:
    with SkillLibrary(":memory:") as lib:
        lib.add_skill("full", Trigger(kind=TriggerKind.OBSERVATION, tool="*", pattern="fully booked"),
                      Strategy(guidance="Try another day."), status=VersionStatus.ACTIVE)  # fmt: skip
        lib.add_skill("any", Trigger(kind=TriggerKind.OBSERVATION, tool="book"),
                      Strategy(guidance="Read the result."), status=VersionStatus.ACTIVE)  # fmt: skip
        evo = Evolver(lib, miner=None, seed=0, null_arm=False)
        assert evo.triggers.observer_gate("book") is not None
        shown = _observe(evo, "booked")  # the gate rejects it: only the pattern-less observer can fire
        assert "Read the result." in shown and "Try another day." not in shown
        assert "Try another day." in _observe(evo, "monday is fully booked")
