"""What the write-behind queue holds while the store is down reaches the spill journal as it is
queued, so a process killed (SIGKILL) during the outage loses none of it; the journal is synced
to disk; a record replayed twice counts once; a journal another process leaves later is found by a
long-lived one; a set-aside ``.unread`` file is tried again by each process, or reported.

Real faults: another connection holds the SQLite file's write lock (``BEGIN IMMEDIATE``); the
recording process is a real subprocess killed with SIGKILL, and a fresh process opens the library;
for PostgreSQL, a real TCP proxy in front of the server is killed (connections refused).
Before 2026-12-07 all 21 episodes and 21 posterior updates queued after the store was found
refusing were lost to the kill (the queue holds up to 1,000 in memory).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from skillevo import SkillLibrary, _sql_batch
from skillevo._spill import Journal

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and flock are POSIX")

CHILD = textwrap.dedent(
    """
    import sys, time
    from skillevo import Evolver, LibraryError, SkillLibrary, _sql_batch
    from skillevo._learning_sql import PosteriorIncrement
    _sql_batch.QUEUE_WAIT_S = 0.2
    lib = SkillLibrary(sys.argv[1], timeout=3600.0)
    evo = Evolver(lib, miner=None, sandbox=None)
    lib.flush()
    print("READY", flush=True)
    sys.stdin.readline()  # the test holds the lock now

    def run(i):
        ep = evo.episode(task=f"task {i}")
        ep.on_tool_result("lookup", {"q": i}, "rows")
        try:
            ep.finish(1.0)
        except LibraryError:
            pass
        lib.increment_posterior(PosteriorIncrement("site", "arm", 1.0))
        print("ID", ep.id, flush=True)

    run(0)
    try:
        lib.flush()
    except LibraryError:
        print("REFUSED", flush=True)  # the store is known to refuse writes from here on
    for i in range(1, int(sys.argv[2])):
        run(i)
    print("DONE", flush=True)
    time.sleep(3600)
    """
)


@pytest.fixture(autouse=True)
def short_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_sql_batch, "QUEUE_WAIT_S", 0.2)


def _killed_during_outage(db: Path, n: int) -> list[str]:
    """A child records `n` episodes and updates while another connection holds the write lock,
    then is killed with SIGKILL; the ids its `finish()` returned for."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db), str(n)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None and child.stdin is not None
    try:
        assert child.stdout.readline().startswith("READY")
        holder = sqlite3.connect(db, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            child.stdin.write("go\n")
            child.stdin.flush()
            ids, refused = [], False
            for line in child.stdout:
                refused = refused or line.startswith("REFUSED")
                if line.startswith("ID "):
                    ids.append(line.split()[1])
                if line.startswith("DONE"):
                    break
            assert refused, "the store never refused the write: the fault was not made"
        finally:
            os.kill(child.pid, signal.SIGKILL)
            child.wait(timeout=60)
            holder.execute("ROLLBACK")
            holder.close()
    finally:
        child.stdout.close()
        child.stdin.close()
    return ids


def _observations(db: Path) -> float:
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT observations, alpha FROM posteriors WHERE key = 'site' AND arm = 'arm'").fetchone()
    return 0 if row is None else row[0]


def _events(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])


def test_what_is_queued_during_an_outage_survives_sigkill(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    SkillLibrary(db).close()
    ids = _killed_during_outage(db, 21)
    assert len(ids) == 21
    with SkillLibrary(db) as lib:
        stored = {e.id for e in lib.episodes()}
    assert set(ids[1:]) <= stored  # 20 of 20 queued after the refusal kept (0 before)
    assert ids[0] in stored  # queued before it: journaled when the refusal came
    assert _observations(db) == 21  # every posterior update once (0 before)
    assert not list(Path(f"{db}.journal").glob("*.jsonl"))


def test_a_journal_replayed_twice_counts_once(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    SkillLibrary(db).close()
    ids = _killed_during_outage(db, 6)
    folder = Path(f"{db}.journal")
    files = list(folder.glob("*.jsonl"))
    assert files
    copies = {f: f.read_bytes() for f in files}
    with SkillLibrary(db) as lib:  # replays the dead process's journal
        assert set(ids) <= {e.id for e in lib.episodes()}
    assert _observations(db) == 6
    events = _events(db)
    for f, data in copies.items():  # a replay cut short before its progress was marked
        f.with_name("copy-" + f.name).write_bytes(data)
        f.with_name("copy-" + f.name).chmod(0o600)
    with SkillLibrary(db) as lib:
        assert len(lib.episodes()) == 6
    assert _observations(db) == 6  # each update once (12 if replayed twice)
    assert _events(db) == events == 6  # each episode's event once


def test_the_journal_is_synced_to_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[str] = []
    real = os.fsync

    def fsync(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}") if os.path.exists("/proc/self/fd") else str(fd))
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    folder = tmp_path / "j"
    journal: Journal[str] = Journal(folder, lambda r: r, lambda r: str(r))
    assert journal.append("a") and journal.append("b")
    own = next(folder.glob("*.jsonl"))
    if os.path.exists("/proc/self/fd"):
        assert synced.count(str(own)) >= 2  # each acknowledged record on disk before append returns
        assert str(folder) in synced  # its name in the folder, made on create
    else:
        assert len(synced) >= 3
    before = len(synced)
    assert journal.append("c", sync=False)  # "batched": written through (a kill loses nothing) ...
    assert len(synced) == before
    journal.sync()  # ... and on disk once the writer thread's linger ends
    assert len(synced) == before + 1
    synced.clear()
    assert journal.replay(lambda part: None) == 3
    assert synced  # progress and the deletion reach the disk too


def test_a_long_lived_process_finds_a_journal_left_after_it_opened(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    with SkillLibrary(db) as lib:
        lib._behind._journal.rescan_s = 0.0  # type: ignore[union-attr]
        lib.episodes()
        ids = _killed_during_outage(db, 4)  # another process's journal, written after this one opened
        assert list(Path(f"{db}.journal").glob("*.jsonl"))
        stored = {e.id for e in lib.episodes()}
        assert set(ids) <= stored
    assert not list(Path(f"{db}.journal").glob("*.jsonl"))


def _record_line(episode_id: str, kind: str = "tool_result") -> bytes:
    episode = [episode_id, "t", None, None, 1.0, 1.0, 0.0, "[]", "{}"]
    event = [1.0, kind, episode_id, None, None, "{}"]
    return json.dumps({"r": {"e": episode, "v": [event], "k": f"key-{episode_id}"}}).encode() + b"\n"


def test_an_unread_file_is_tried_again_or_reported(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    db = tmp_path / "lib.db"
    SkillLibrary(db).close()
    folder = Path(f"{db}.journal")
    folder.mkdir(mode=0o700)
    readable = folder / "111-aa.jsonl.unread"  # set aside by an older skillevo that could not read it
    readable.write_bytes(_record_line("ep-now-readable"))
    readable.chmod(0o600)
    foreign = folder / "222-bb.jsonl.unread"  # still unreadable here (a newer skillevo's event kind)
    foreign.write_bytes(_record_line("ep-newer", kind="future_kind"))
    foreign.chmod(0o600)
    with caplog.at_level(logging.ERROR, logger="skillevo"), SkillLibrary(db) as lib:
        assert "ep-now-readable" in {e.id for e in lib.episodes()}
        lib.episodes()
    assert not readable.exists()
    assert foreign.exists()
    told = [r.getMessage() for r in caplog.records if "222-bb" in r.getMessage()]
    assert len(told) == 1, told  # one clear line, not one per read


PG_CHILD = CHILD.replace("SkillLibrary(sys.argv[1], timeout=3600.0)", "SkillLibrary(sys.argv[1], timeout=5)")


def test_postgres_away_behind_a_killed_proxy_loses_nothing_to_sigkill(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from urllib.parse import urlparse

    from .test_postgres_unreachable import Proxy

    proxy = Proxy(pg_url)
    proxy.start()
    via_proxy = urlparse(pg_url)._replace(netloc=f"127.0.0.1:{proxy.listen}").geturl()
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))  # this test's own journal folder
    child = subprocess.Popen(
        [sys.executable, "-c", PG_CHILD, via_proxy, "11"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None and child.stdin is not None
    try:
        assert child.stdout.readline().startswith("READY")
        proxy.kill()  # the server is away: connections refused
        child.stdin.write("go\n")
        child.stdin.flush()
        ids, refused = [], False
        for line in child.stdout:
            refused = refused or line.startswith("REFUSED")
            if line.startswith("ID "):
                ids.append(line.split()[1])
            if line.startswith("DONE"):
                break
        assert refused and len(ids) == 11
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=60)
        child.stdout.close()
        child.stdin.close()
    proxy.start()  # the server answers again, where the child reached it (the journal's key)
    try:
        with SkillLibrary(via_proxy) as lib:
            stored = {e.id for e in lib.episodes()}
            observations = sum(p.observations for p in lib.posteriors("site"))
    finally:
        proxy.kill()
    assert set(ids) <= stored  # 11 of 11 episodes (0 before)
    assert observations == 11  # and 11 of 11 updates, each once
