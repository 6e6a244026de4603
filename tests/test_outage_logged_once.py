"""One store outage is said once, by whichever part of skillevo meets it first.

The adapters log a store error (`LibraryError`) in full once, then count those of the next minute
(`_repeats`). Before 2026-12-07 the Evolver's background work did not: with PostgreSQL away for
5 s under 600 asyncio runs of a LangGraph agent (20 at a time), background mining logged
"mining an episode failed" 274 times and the transfer of learned repairs "offering learned repairs
to other tools failed" 247 times, each with a full traceback, for one outage whose first line the
adapter had already logged. Now they share the adapters' count: one traceback for the outage.
Errors that are no store's are still logged in full, each.
"""

from __future__ import annotations

import logging

import pytest

import skillevo._evolver as evolver_module
from skillevo import Evolver, LibraryError, SkillLibrary
from skillevo._mine_worker import MiningWorker
from skillevo._repeats import STORE_ERRORS


def _away() -> None:
    raise LibraryError("PostgreSQL error at postgresql://db/x: the server does not answer: connection refused")


def _loud(records: list[logging.LogRecord]) -> list[logging.LogRecord]:
    return [r for r in records if r.levelno >= logging.ERROR]


@pytest.fixture(autouse=True)
def _fresh_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(STORE_ERRORS, "_logged_at", None)
    monkeypatch.setattr(STORE_ERRORS, "_counted", 0)


def test_background_mining_logs_one_store_outage_once(caplog: pytest.LogCaptureFixture) -> None:
    worker = MiningWorker()
    with caplog.at_level(logging.DEBUG, logger="skillevo"):
        for _ in range(20):
            worker.submit(_away)
        assert worker.flush(timeout=10)
        worker.submit(lambda: 1 / 0)  # a fault of its own: logged in full
        assert worker.flush(timeout=10)
    worker.close()
    loud = _loud(caplog.records)
    assert len(loud) == 2, [r.getMessage() for r in loud]
    # skillevo's log filter keeps the traceback as redacted text (exc_text)
    assert "LibraryError" in (loud[0].exc_text or "") and "store errors of the next" in loud[0].getMessage()
    assert "ZeroDivisionError" in (loud[1].exc_text or "")


def test_transfer_logs_one_store_outage_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    evo = Evolver(SkillLibrary(":memory:"), sandbox=None)
    monkeypatch.setattr(evolver_module, "sync_transfers", lambda *a, **k: _away())
    with caplog.at_level(logging.DEBUG, logger="skillevo"):
        for _ in range(20):
            assert evo._transfer([]) == []
    assert len(_loud(caplog.records)) == 1


def test_waking_imported_candidates_logs_one_store_outage_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The look at imported candidates after an episode with a failed call (`_wake_imports`).
    Before 2026-12-07 it logged a WARNING per episode, its own count: 36 in 40 episodes of a
    PostgreSQL whose connections were terminated every 50 ms; 20 of 20 here."""
    from skillevo import Event, EventKind

    lib = SkillLibrary(":memory:")
    evo = Evolver(lib, sandbox=None)
    monkeypatch.setattr(lib, "match", lambda *a, **k: _away())
    failed = [Event(kind=EventKind.TOOL_ERROR, tool="book", data={"error": "ValueError: bad date"})]
    with caplog.at_level(logging.DEBUG, logger="skillevo"):
        for _ in range(20):
            evo._wake_imports(failed)
    said = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(said) == 1, [r.getMessage() for r in said]
