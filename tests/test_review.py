"""`skillevo review`: a human decides on versions that won their test under ``review="required"``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from skillevo import EventKind, Evolver, SkillLibrary, VersionStatus
from skillevo._lifecycle import LifecycleConfig
from skillevo.cli import main as cli_main

CFG = LifecycleConfig(min_updates=3, min_episodes=3)


def _book(args: dict[str, Any]) -> str:
    date = str(args["date"])
    if len(date) != 10 or date[4] != "-":
        raise ValueError(f"invalid date {date!r}: expected format YYYY-MM-DD")
    return "booked"


def _run_agent(evo: Evolver, n: int) -> list[dict[str, Any]]:
    """A scripted agent that writes DD/MM/YYYY and corrects itself when told; returns the first calls."""
    first_calls = []
    for i in range(n):
        day = f"{i % 28 + 1:02d}"
        with evo.episode(task="book a flight") as ep:
            args = ep.before_tool("book_flight", {"date": f"{day}/11/2026"})
            first_calls.append(args)
            try:
                ep.on_tool_result("book_flight", args, _book(args))
            except ValueError as exc:
                retry = ep.on_tool_error("book_flight", args, exc)
                fixed = retry if retry is not None else ep.before_tool("book_flight", {"date": f"2026-11-{day}"})
                ep.on_tool_result("book_flight", fixed, _book(fixed))
            ep.finish(1.0)
    return first_calls


@pytest.fixture
def pending_db(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "lib.db"
    with SkillLibrary(path) as lib:
        evo = Evolver(lib, seed=0, lifecycle=CFG, review="required")
        _run_agent(evo, 40)
        pending = evo.lifecycle.pending()
        assert len(pending) == 1
        # Under review="required" the Evolver never promotes by itself.
        assert pending[0].status is VersionStatus.TESTING
    return path, pending[0].id


def test_list_then_approve_and_the_evolver_applies_it(
    pending_db: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    path, vid = pending_db
    assert cli_main(["review", "--db", str(path)]) == 0
    listed = capsys.readouterr().out
    assert vid in listed
    assert cli_main(["review", "--db", str(path), "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)["pending"]
    assert row["version_id"] == vid and row["against"] == "null"  # compared against doing nothing
    assert cli_main(["review", "approve", vid, "--reason", "checked three bookings", "--actor", "alice",
                     "--db", str(path)]) == 0
    assert "testing -> active" in capsys.readouterr().out
    with SkillLibrary(path) as lib:
        assert lib.version(vid).status is VersionStatus.ACTIVE
        review = lib.events(kind=EventKind.REVIEW, version_id=vid)[-1]
        assert review.data["actor"] == "alice" and review.data["reason"] == "approved: checked three bookings"
        assert (review.data["from"], review.data["to"]) == ("testing", "active")
        # The approved repair now fixes the date before the call, in a fresh process's Evolver too.
        evo = Evolver(lib, miner=None, seed=1, lifecycle=CFG, review="required")
        calls = _run_agent(evo, 10)
    assert sum(c["date"].startswith("2026-11-") for c in calls) >= 8
    assert cli_main(["review", "list", "--db", str(path)]) == 0
    # The approved version no longer awaits; what may is its re-format widened to the other date
    # orders (`_transfer_dates.other_orders`), a new candidate of its own.
    waiting = capsys.readouterr().out
    assert "nothing awaits review" in waiting or (vid not in waiting and "other-order" in waiting)


def test_reject_keeps_the_version_for_audit_and_never_applies_it(
    pending_db: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    path, vid = pending_db
    assert cli_main(["review", "reject", vid, "-r", "repairs the wrong field", "--db", str(path)]) == 0
    with SkillLibrary(path) as lib:
        version = lib.version(vid)
        assert version.status is VersionStatus.REJECTED
        review = lib.events(kind=EventKind.REVIEW, version_id=vid)[-1]
        assert review.data["reason"] == "rejected: repairs the wrong field"
        evo = Evolver(lib, seed=1, lifecycle=CFG, review="required")
        calls = _run_agent(evo, 5)
        # never applied, and the miner does not bring the rejected idea back
        assert all("/" in c["date"] for c in calls)
        assert lib.version(vid).status is VersionStatus.REJECTED
        assert [v.id for s in lib.skills() for v in s.versions] == [vid]


def test_review_errors_are_one_line(pending_db: tuple[Path, str], capsys: pytest.CaptureFixture[str]) -> None:
    path, vid = pending_db
    assert cli_main(["review", "approve", "no-such@1", "--reason", "x", "--db", str(path)]) == 1
    assert "no skill version 'no-such@1'" in capsys.readouterr().err
    assert cli_main(["review", "approve", vid, "--db", str(path)]) == 2  # --reason is required
    capsys.readouterr()
    assert cli_main(["review", "approve", vid, "--reason", "  ", "--db", str(path)]) == 2  # as a missing one
    assert "--reason must say why" in capsys.readouterr().err
    assert cli_main(["review", "reject", vid, "--reason", "no", "--db", str(path)]) == 0
    assert cli_main(["review", "approve", vid, "--reason", "changed my mind", "--db", str(path)]) == 1
    assert "is rejected: only a version under test can be approved" in capsys.readouterr().err
    assert cli_main(["review", "--db", str(path.parent / "missing.db")]) == 1
    assert not (path.parent / "missing.db").exists()


def test_options_given_to_review_itself_reach_its_subcommands(
    pending_db: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # `skillevo review --db PROD list` must read PROD, and `review --db PROD approve` decide there,
    # not in ./skillevo.db (which may be another library).
    path, vid = pending_db
    other = tmp_path / "cwd"
    other.mkdir()
    monkeypatch.chdir(other)
    monkeypatch.delenv("SKILLEVO_DB", raising=False)
    SkillLibrary("skillevo.db").close()  # the default library: empty, must stay untouched
    assert cli_main(["review", "--db", str(path), "--json", "list"]) == 0
    assert [r["version_id"] for r in json.loads(capsys.readouterr().out)["pending"]] == [vid]
    assert cli_main(["review", "--db", str(path), "approve", vid, "--reason", "ok"]) == 0
    assert "testing -> active" in capsys.readouterr().out
    with SkillLibrary(path) as lib:
        assert lib.version(vid).status is VersionStatus.ACTIVE
    with SkillLibrary(other / "skillevo.db") as lib:
        assert lib.skills() == []
