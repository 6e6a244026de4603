"""An episode's events are built (redacted, validated, serialised) by the thread that writes them.

With ``durability="batched"`` that is the write-behind queue's thread, not the agent's; with
``"sync"`` it is `finish()` itself. Either way nothing unredacted is written, and an episode whose
events cannot be built is refused alone.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from skillevo import EventKind, Evolver, LibraryError, SkillLibrary, _recording

SECRET = "sk-live-51HxQmZ2eZvKYlo2C0aBcDeFgHiJkLmNoP"


def _run(evo: Evolver, task: str, *, unbuildable: bool = False) -> str:
    ep = evo.episode(task=task)
    args = ep.before_tool("lookup", {"q": task, "api_key": SECRET})
    ep.on_tool_result("lookup", args, f"echo {SECRET}")
    if unbuildable:
        ep._rec.log(EventKind.TOOL_CALL, "lookup", None, value=object())  # no JSON value
    ep.finish(1.0)
    return ep.id


def test_batched_events_are_built_by_the_writer_thread_and_redacted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built_in: list[str] = []
    build = _recording._build

    def spy(*args: object, **kwargs: object) -> object:
        built_in.append(threading.current_thread().name)
        return build(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(_recording, "_build", spy)
    lib = SkillLibrary(tmp_path / "lib.db")
    lib._behind.linger_s = 0.0  # type: ignore[attr-defined]
    # Its own name: the writers of libraries earlier tests left open may still be building theirs.
    writer = lib._behind._name = "skillevo-writer-of-this-test"  # type: ignore[attr-defined]
    evo = Evolver(lib, miner=None, sandbox=None)
    ids = []
    for i in range(3):
        ids.append(_run(evo, f"task {i}"))
        assert threading.current_thread().name not in built_in  # finish() left the building
        deadline = time.monotonic() + 60
        while len(lib._behind) and time.monotonic() < deadline:  # type: ignore[attr-defined]
            time.sleep(0.01)  # the writer thread writes it (else this thread's next write would)
    assert built_in.count(writer) == 3 and threading.current_thread().name not in built_in
    lib.close()
    with SkillLibrary(tmp_path / "lib.db") as again:
        events = [e for i in ids for e in again.events(episode_id=i)]
    assert len(events) >= 6 and SECRET not in repr([e.data for e in events])


def test_the_finished_episode_reads_its_events_redacted(tmp_path: Path) -> None:
    with SkillLibrary(tmp_path / "lib.db") as lib:
        ep = Evolver(lib, miner=None, sandbox=None).episode(task="t")
        ep.on_tool_result("lookup", {"api_key": SECRET}, f"echo {SECRET}")
        ep.finish(1.0)
        events = ep.events
    assert {e.kind for e in events} >= {EventKind.TOOL_RESULT} and SECRET not in repr([e.data for e in events])


def test_an_episode_whose_events_cannot_be_built_is_dropped_alone(tmp_path: Path) -> None:
    lib = SkillLibrary(tmp_path / "lib.db")
    lib._behind.linger_s = 3600.0  # type: ignore[attr-defined]  # one batch, written by the flush below
    evo = Evolver(lib, miner=None, sandbox=None)
    good = [_run(evo, "a"), _run(evo, "b")]
    bad = _run(evo, "c", unbuildable=True)  # finish() returns: the record is refused where it is written
    good.append(_run(evo, "d"))
    with pytest.raises(LibraryError, match="dropped") as info:
        lib.flush()
    assert "\n" not in str(info.value)
    stored = {e.id for e in lib.episodes()}
    assert set(good) <= stored and bad not in stored
    lib.close()


def test_sync_durability_builds_in_finish_and_refuses_an_unbuildable_episode(tmp_path: Path) -> None:
    lib = SkillLibrary(tmp_path / "lib.db", durability="sync")
    evo = Evolver(lib, miner=None, sandbox=None)
    first = _run(evo, "a")
    assert first in {e.id for e in lib.episodes()}
    with pytest.raises(LibraryError, match="could not be written"):
        _run(evo, "c", unbuildable=True)
    later = _run(evo, "d")
    assert later in {e.id for e in lib.episodes()}
    lib.close()


@pytest.mark.parametrize("durability", ["sync", "batched"])
def test_a_secret_echoed_before_it_is_sent_under_its_name_never_reaches_disk(tmp_path: Path, durability: str) -> None:
    # A tool prints a one-time code (no secret shape), and only later does the agent send it as
    # `password`: the earlier result is hidden too, whatever order the events were logged in.
    code = "correcthorse-battery-77x"
    db = tmp_path / "lib.db"
    with SkillLibrary(db, durability=durability) as lib:  # type: ignore[arg-type]
        evo = Evolver(lib, miner=None)
        ep = evo.episode(task="login")
        args = ep.before_tool("otp", {"user": "ana"})
        ep.on_tool_result("otp", args, f"your one-time code is {code}")
        args = ep.before_tool("login", {"user": "ana", "password": code})
        ep.on_tool_result("login", args, "welcome")
        ep.finish(1.0)
        lib.flush()
        assert all(code not in str(e.data) for e in lib.events(episode_id=ep.id))
    assert code.encode() not in db.read_bytes()


def test_the_episode_row_is_redacted_by_the_writer_thread_as_of_finish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from skillevo import _sql_store

    made_in: list[str] = []
    made = _sql_store.recorded_row

    def spy(*args: object, **kwargs: object) -> object:
        made_in.append(threading.current_thread().name)
        return made(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(_sql_store, "recorded_row", spy)
    db = tmp_path / "lib.db"
    lib = SkillLibrary(db)
    lib._behind.linger_s = 0.0  # type: ignore[attr-defined]
    evo = Evolver(lib, miner=None, sandbox=None)
    ep = evo.episode(task=f"log in with {SECRET}", metadata={"run": "r1", "key": SECRET})
    ep.finish(1.0)
    ep.episode.metadata["later"] = "after finish"  # not part of the recorded row
    deadline = time.monotonic() + 60
    while len(lib._behind) and time.monotonic() < deadline:  # type: ignore[attr-defined]
        time.sleep(0.01)
    assert made_in and threading.current_thread().name not in made_in
    stored = lib.episode(ep.id)
    assert SECRET not in stored.task and SECRET not in repr(stored.metadata)
    assert stored.metadata["run"] == "r1" and "later" not in stored.metadata and stored.reward == 1.0
    lib.close()
    assert SECRET.encode() not in db.read_bytes()


@pytest.mark.parametrize("durability", ["sync", "batched"])
def test_nested_metadata_is_recorded_as_of_finish_and_redacted(tmp_path: Path, durability: str) -> None:
    db = tmp_path / "lib.db"
    with SkillLibrary(db, durability=durability) as lib:  # type: ignore[arg-type]
        lib._behind.linger_s = 3600.0  # type: ignore[attr-defined]  # written by the read below
        evo = Evolver(lib, miner=None, sandbox=None)
        ep = evo.episode(task="t", metadata={"tags": ["a"], "auth": {"token": SECRET}})
        ep.finish()
        ep.episode.metadata["tags"].append("after finish")  # type: ignore[union-attr]
        stored = lib.episode(ep.id)
        assert stored.metadata["tags"] == ["a"] and SECRET not in repr(stored.metadata)
    assert SECRET.encode() not in db.read_bytes()
