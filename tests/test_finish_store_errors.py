"""`finish()` when the store refuses a write (a lost connection, a full disk): the caller hears the
library's error, and the episode is still recorded (queued, written when the store takes writes)."""

from __future__ import annotations

from typing import Any

import pytest

from skillevo import Evolver, LibraryError, SkillLibrary, Strategy, Trigger, TriggerKind, VersionStatus


def _refusing_once(monkeypatch: pytest.MonkeyPatch, lib: SkillLibrary, method: str) -> list[int]:
    real = getattr(lib, method)
    refused: list[int] = []

    def once(*args: Any, **kwargs: Any) -> Any:
        if not refused:
            refused.append(1)
            raise LibraryError("PostgreSQL error at URL: terminating connection due to administrator command")
        return real(*args, **kwargs)

    monkeypatch.setattr(lib, method, once)
    return refused


def test_a_refused_credit_write_keeps_the_episode(monkeypatch: pytest.MonkeyPatch) -> None:
    lib = SkillLibrary(":memory:")
    lib.add_skill("tip", Trigger(kind=TriggerKind.ALWAYS), Strategy(guidance="Be brief."), status=VersionStatus.ACTIVE)
    evo = Evolver(lib, miner=None, sandbox=None, null_arm=False)
    refused = _refusing_once(monkeypatch, lib, "increment_posterior")
    ep = evo.episode("t")
    assert "Be brief." in ep.guidance()
    with pytest.raises(LibraryError, match="terminating connection"):
        ep.finish(1.0)
    assert refused
    lib.flush()
    assert lib.episode(ep.id).reward == 1.0  # recorded, not lost with the credit


def test_a_refused_save_of_an_episode_to_mine_queues_it(monkeypatch: pytest.MonkeyPatch) -> None:
    lib = SkillLibrary(":memory:")
    evo = Evolver(lib, sandbox=None, mining="inline")
    refused = _refusing_once(monkeypatch, lib, "save_episode")
    ep = evo.episode("t")
    args = ep.before_tool("book", {"date": "03/04/2025"})
    ep.on_tool_error("book", args, ValueError("invalid date: expected YYYY-MM-DD"))
    with pytest.raises(LibraryError, match="terminating connection"):
        ep.finish(0.0)
    assert refused
    lib.flush()
    assert lib.episode(ep.id).reward == 0.0
    assert [e.kind.value for e in lib.events(episode_id=ep.id)] == ["tool_call", "tool_error"]
