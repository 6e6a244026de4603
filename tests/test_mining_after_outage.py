"""Learning from the episodes finished while the store was away. Before 2026-12-07 a background
mining job that met the outage (`LibraryError`) was logged and dropped: its episode was stored but
never mined again by that process (274 jobs in a 5 s PostgreSQL outage under 600 runs; here 5 of
10 episodes learned from). Now the Evolver keeps the ids of episodes whose learning the store
refused (bounded: `_unlearned.UNLEARNED_MAX`) and learns from them, read back from the store, once
a later learning succeeds; each episode is mined once. Past the bound they are left to the nightly
`skillevo train`, which mines every stored episode with a failure."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest

from skillevo import Event, Evolver, LibraryError, SkillLibrary, Strategy, Trigger
from skillevo._mining import Miner, Proposal
from skillevo._models import EventKind, TriggerKind
from skillevo._repeats import STORE_ERRORS
from skillevo._store import SkillStore


@pytest.fixture(autouse=True)
def _fresh_count(monkeypatch: pytest.MonkeyPatch) -> None:
    """The outage logged here leaves the process-wide count of store errors as it found it."""
    monkeypatch.setattr(STORE_ERRORS, "_logged_at", None)
    monkeypatch.setattr(STORE_ERRORS, "_counted", 0)


class _Away(Miner):
    """A skill per failed tool; while `away`, the store's error (what a miner's reads meet)."""

    name = "per-tool"

    def __init__(self) -> None:
        self.away = True

    def mine(self, events: Sequence[Event], store: SkillStore) -> list[Proposal]:
        if self.away:
            raise LibraryError("PostgreSQL error at postgresql://db/x: the server does not answer: connection refused")
        return [
            Proposal(
                name=f"fix-{e.tool}", description="add units",
                trigger=Trigger(kind=TriggerKind.TOOL_ERROR, tool=e.tool, pattern="missing units"),
                strategy=Strategy(guidance="Pass units."), evidence=[e.id or 0], episodes=[e.episode_id or ""],
            )
            for e in events if e.kind == EventKind.TOOL_ERROR
        ]


def _fail(evo: Evolver, i: int) -> None:
    ep = evo.episode(task=f"weather {i}")
    ep.on_tool_error(f"weather{i}", {"city": "Oslo"}, "ValueError: missing units")
    ep.finish(0.0)


def _learned(lib: SkillLibrary) -> Counter[str]:
    return Counter(e.episode_id for e in lib.events(kind=EventKind.PROPOSAL) if e.episode_id)


@pytest.mark.parametrize("mining", ["background", "inline"])
def test_episodes_mined_while_the_store_was_away_are_mined_when_it_answers(
    tmp_path: Path, mining: str
) -> None:
    lib = SkillLibrary(tmp_path / "lib.db")
    miner = _Away()
    evo = Evolver(lib, sandbox=None, mining=mining, miner=miner)  # type: ignore[arg-type]
    for i in range(5):
        try:
            _fail(evo, i)
        except LibraryError:
            pass  # inline: finish hears it (the episode is stored)
    assert evo.flush(10)
    assert len(_learned(lib)) == 0 and lib.count_episodes() == 5
    miner.away = False
    for i in range(5, 10):
        _fail(evo, i)
    assert evo.flush(10)
    learned = _learned(lib)
    assert len(learned) == 10  # before: 5
    assert set(learned.values()) == {1}  # each mined once
    _fail(evo, 10)
    assert evo.flush(10)
    assert len(_learned(lib)) == 11 and set(_learned(lib).values()) == {1}
    evo.close()
    lib.close()


def test_an_episode_whose_save_the_store_refused_is_mined_when_it_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lib = SkillLibrary(tmp_path / "lib.db")
    miner = _Away()
    miner.away = False
    evo = Evolver(lib, sandbox=None, mining="inline", miner=miner)
    real = lib.save_episode

    def refused(*args: object, **kwargs: object) -> list[int]:
        raise LibraryError("PostgreSQL error at postgresql://db/x: the server does not answer: connection refused")

    real_record = lib.record_episode

    def queued_then_refused(*args: object, **kwargs: object) -> None:
        real_record(*args, **kwargs)  # type: ignore[arg-type]
        raise LibraryError("the recorded episodes stay queued: the server does not answer")

    monkeypatch.setattr(lib, "save_episode", refused)
    monkeypatch.setattr(lib, "record_episode", queued_then_refused)  # the queue's write refused too
    with pytest.raises(LibraryError):
        _fail(evo, 0)  # queued, not mined
    monkeypatch.setattr(lib, "save_episode", real)
    monkeypatch.setattr(lib, "record_episode", real_record)
    _fail(evo, 1)
    learned = _learned(lib)
    assert len(learned) == 2 and set(learned.values()) == {1}  # before: 1
    lib.close()


def test_the_episodes_kept_to_learn_from_are_bounded() -> None:
    from skillevo._unlearned import ATTEMPTS, Unlearned

    kept = Unlearned(most=3)
    for i in range(5):
        kept.note(f"e{i}")
    kept.note("e4")  # noted again: still once
    assert [k for k, _, _ in kept.take()] == ["e2", "e3", "e4"] and kept.dropped == 2 and not len(kept)
    kept.note("x", tries=ATTEMPTS)  # tried often enough: left to the nightly job
    assert not len(kept) and kept.dropped == 3


def test_repairs_whose_offer_the_store_refused_are_offered_with_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import skillevo._evolver as evolver_module

    lib = SkillLibrary(tmp_path / "lib.db")
    evo = Evolver(lib, sandbox=None, mining="inline")
    offered: list[list[str]] = []

    def sync(evo: Evolver, created: list[str], **_: object) -> list[str]:
        offered.append(list(created))
        if len(offered) == 1:
            raise LibraryError("PostgreSQL error at postgresql://db/x: the server does not answer: connection refused")
        return []

    monkeypatch.setattr(evolver_module, "sync_transfers", sync)
    assert evo._transfer(["v1"]) == []  # (the tools it refused to look at: tests/test_transfer_call_path.py)
    evo._transfer(["v2"])
    assert offered == [["v1"], ["v1", "v2"]]  # before: [["v1"], ["v2"]]
    evo._transfer([])
    assert offered[-1] == []
    lib.close()
