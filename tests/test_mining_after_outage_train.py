"""An episode stored while its mining met an outage, in a process that then ended (nothing noted
survives it), is mined by the nightly `skillevo train`: its mine stage mines every stored episode
with a failure since its last run, whether the online miner reached it or not."""

from __future__ import annotations

from pathlib import Path

from skillevo import Evolver, LibraryError, SkillLibrary, run_train

from .train_world import _book_flight, train_config


class _StoreAway:
    name = "away"

    def mine(self, events: object, store: object) -> list[object]:
        raise LibraryError("PostgreSQL error at postgresql://db/x: the server does not answer: connection refused")


def test_the_nightly_job_mines_what_the_process_could_not(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    with SkillLibrary(db) as lib:
        evo = Evolver(lib, sandbox=None, mining="inline", miner=_StoreAway())  # type: ignore[arg-type]
        for day in range(10, 14):
            ep = evo.episode(task="book")
            args = ep.before_tool("book_flight", {"date": f"{day}/11/2026"})
            try:
                _book_flight(args)
            except ValueError as exc:
                ep.on_tool_error("book_flight", args, exc)
            fixed = ep.before_tool("book_flight", {"date": f"2026-11-{day}"})
            ep.on_tool_result("book_flight", fixed, _book_flight(fixed))
            try:
                ep.finish(1.0)
            except LibraryError:
                pass
        assert not lib.skills()  # nothing learned online
    report = run_train(train_config(db))
    assert report.episodes_mined == 4 and report.created
