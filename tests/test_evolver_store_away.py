"""An Evolver made while its library does not answer (PostgreSQL stopped or failing over when the
application starts, or an Evolver made per request during an outage) starts without the stored
posteriors and reads them once the library answers.

Before 2026-12-07 `Evolver(lib)` raised the store's `LibraryError` (the selector read every stored
posterior in its constructor): the application could not build its agent, and every run it would
have served failed, although a run needs nothing from the library to go on.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from skillevo import Evolver, LibraryError, SkillLibrary, ThompsonSelector
from skillevo._sql_store import SQLStore


def _away(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    away = [True]
    real = SQLStore.posterior_snapshot

    def snapshot(self: SQLStore, key: str | None = None):  # type: ignore[no-untyped-def]
        if away[0]:
            raise LibraryError("PostgreSQL error at postgresql://db/x: the server does not answer: connection refused")
        return real(self, key)

    monkeypatch.setattr(SQLStore, "posterior_snapshot", snapshot)
    return away


def test_an_evolver_made_while_the_library_does_not_answer_runs_and_learns_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    lib = SkillLibrary(tmp_path / "lib.db")
    seeded = ThompsonSelector(seed=1)
    seeded.attach(lib)
    for _ in range(6):
        seeded.update("k", "a", 1.0)
    lib.flush()
    away = _away(monkeypatch)
    with caplog.at_level(logging.WARNING, logger="skillevo"):
        evo = Evolver(lib, sandbox=None)
    assert any("posteriors" in r.getMessage() for r in caplog.records)
    ep = evo.episode(task="t")
    ep.on_tool_result("lookup", {"q": 1}, {"rows": [1]})
    ep.finish(1.0)
    away[0] = False
    assert evo.selector.posterior("k", "a") == seeded.posterior("k", "a")
    lib.close()


def test_a_selector_attached_while_the_library_does_not_answer_keeps_the_stored_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lib = SkillLibrary(tmp_path / "lib.db")
    first = ThompsonSelector(seed=1)
    first.attach(lib)
    for r in (1.0, 0.0, 1.0, 1.0):
        first.update("k", "a", r)
    lib.flush()
    away = _away(monkeypatch)
    later = ThompsonSelector(seed=1)
    later.attach(lib)  # no error: the library is read when it answers
    with pytest.raises(LibraryError):
        later.posterior("k", "a")  # a read while it does not answer still says so (an adapter logs it)
    away[0] = False
    on_time = ThompsonSelector(seed=1)
    on_time.attach(lib)
    assert later.posterior("k", "a") == on_time.posterior("k", "a")
    # the arm's history, as at a first load
    assert list(later._keys["k"].count) == list(on_time._keys["k"].count) != [0]
    lib.close()
