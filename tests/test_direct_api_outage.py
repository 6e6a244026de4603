"""An agent written against the direct episode API (``with evo.episode() as ep``, `guidance`,
`before_tool`, `on_tool_result`, `on_tool_error`; no adapter) while the library does not answer
(every read and write of the store refused: PostgreSQL away, a file gone unreadable).

The adapters log a store error and let the run go on; the direct API raised it from every hook,
and from the ``with`` block's exit, where it also replaced the agent's own exception. Before
2026-12-07: 6 of 6 runs broken (each ended in `LibraryError` instead of its tool's answer), and a
run that raised its own error surfaced `LibraryError` instead. Now the hooks a run calls on its
way answer as a library with no skills would (no guidance, the arguments unchanged, no retry),
log the error once a minute with the adapters' count and record it on the episode
(``metadata["skillevo_error"]``); leaving the ``with`` block keeps the episode queued and records the
error. An explicit ``ep.finish()`` still raises it (docs/library.md). Every episode is in the
library once it answers again, whatever the backend.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from skillevo import Evolver, LibraryError, Repair, SetArg, SkillLibrary, Strategy, Trigger, TriggerKind, VersionStatus
from skillevo._repeats import STORE_ERRORS
from skillevo._sql_conn import SQLConnections
from skillevo._writebehind import WriteBehind


@pytest.fixture(autouse=True)
def _fresh_count(monkeypatch: pytest.MonkeyPatch) -> None:
    """The outage logged here leaves the process-wide count of store errors as it found it."""
    monkeypatch.setattr(STORE_ERRORS, "_logged_at", None)
    monkeypatch.setattr(STORE_ERRORS, "_counted", 0)


def _book(date: str, **_: Any) -> str:
    return "booked" if "-" in date else "Error: ValueError: date must be YYYY-MM-DD"


def _run(evo: Evolver, i: int) -> str:
    """One agent run, written against the direct API."""
    with evo.episode(task=f"book {i}") as ep:
        ep.guidance(["book"])
        args = ep.before_tool("book", {"date": "03/04/2025"})
        result = _book(**args)
        if ep.on_tool_result("book", args, result):
            retry = ep.on_tool_error("book", args, result)
            if retry is not None:
                result = _book(**retry)
                ep.on_tool_result("book", retry, result)
    return result


def _library(path: str) -> SkillLibrary:
    lib = SkillLibrary(path)
    lib.add_skill(
        "iso-date", Trigger(kind=TriggerKind.TOOL_ERROR, tool="book", pattern="YYYY-MM-DD"),
        Strategy(guidance="Dates are YYYY-MM-DD.", repair=Repair(ops=[SetArg(arg="date", value="2025-04-03")])),
        status=VersionStatus.ACTIVE,
    )
    return lib


@contextmanager
def _away(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every read and write of every SQL store refused, as a server that does not answer."""
    with monkeypatch.context() as m:

        @contextmanager
        def refused(self: SQLConnections, **_: Any) -> Iterator[None]:
            raise LibraryError(f"PostgreSQL error at {self.location}: the server does not answer: connection refused")
            yield

        m.setattr(SQLConnections, "_outermost", refused)
        m.setattr(WriteBehind, "_write_tried", _refuse_write)
        yield


def _refuse_write(self: object, records: list[Any], background: bool = False) -> None:
    raise LibraryError("PostgreSQL error: the server does not answer: connection refused")


def test_runs_on_the_direct_api_finish_as_without_skillevo_while_the_store_is_away(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    without = Evolver(SkillLibrary(":memory:"), miner=None, sandbox=None, seed=3)
    expected = [_run(without, i) for i in range(6)]
    lib = _library(str(tmp_path / "lib.db"))
    evo = Evolver(lib, miner=None, sandbox=None, seed=3, cache_ttl_s=0.0)
    results: list[str] = []
    broken = 0
    with _away(monkeypatch):
        for i in range(6):
            try:
                results.append(_run(evo, i))
            except LibraryError:
                broken += 1
    assert broken == 0, f"{broken} of 6 runs broken"
    assert results == expected
    lib.flush()  # the store answers again
    stored = lib.episodes()
    assert len(stored) == 6, f"{6 - len(stored)} of 6 episodes lost"
    assert all("does not answer" in str(e.metadata.get("skillevo_error")) for e in stored)
    assert _run(evo, 9) == "booked"  # the skill applies again
    lib.close()


def test_the_agents_own_error_is_not_replaced_by_the_stores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lib = _library(str(tmp_path / "lib.db"))
    evo = Evolver(lib, miner=None, sandbox=None, seed=3, cache_ttl_s=0.0)
    with _away(monkeypatch), pytest.raises(KeyError, match="the agent's own"):
        with evo.episode(task="t") as ep:
            ep.before_tool("book", {"date": "2025-04-03"})
            raise KeyError("the agent's own")
    lib.flush()
    assert [e.metadata.get("exception") for e in lib.episodes()] == ["KeyError"]
    lib.close()


def test_an_explicit_finish_still_tells_its_caller(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lib = _library(str(tmp_path / "lib.db"))
    evo = Evolver(lib, miner=None, sandbox=None, seed=3, cache_ttl_s=0.0)
    with _away(monkeypatch):
        ep = evo.episode(task="t")
        ep.guidance()
        first = evo.episode(task="queued first")
        first.finish(1.0)  # queued; the background write is refused
        lib._behind._failed = True  # as after the thread's refused write
        with pytest.raises(LibraryError, match="does not answer"):
            ep.finish(1.0)
    lib.flush()
    assert lib.count_episodes() == 2
    lib.close()


def test_a_group_left_during_an_outage_keeps_every_rollout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`with evo.group()` finishes the rollouts nobody finished as it is left. Before 2026-12-07 the
    first refused `finish` ended the group's exit with `LibraryError`: the rollouts after it were
    never finished nor recorded (3 of 4 lost) and the error went into the run."""
    lib = _library(str(tmp_path / "lib.db"))
    evo = Evolver(lib, miner=None, sandbox=None, seed=3, cache_ttl_s=0.0)
    with _away(monkeypatch):
        lib._behind._failed = True  # as after the thread's refused write: every record hears it
        with evo.group(task="g", size=4) as group:
            rollouts = [group.episode() for _ in range(4)]
            for ep in rollouts:
                ep.before_tool("book", {"date": "2025-04-03"})
    assert all(ep.finished for ep in rollouts)
    lib.flush()
    assert lib.count_episodes() == 4, f"{4 - lib.count_episodes()} of 4 rollouts lost"
    lib.close()
