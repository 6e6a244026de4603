"""Durability under faults: processes killed mid-run, a full disk, a poisoned record, damaged pages.

The kill tests run a child that finishes up to 3,000 episodes through an `Evolver`, printing each
id once `finish()` has returned; the parent kills it at a random moment (seeded per test) and
compares what the child was told was recorded with what the file holds.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from skillevo import ConfigError, Episode, Event, EventKind, Evolver, LibraryError, SkillLibrary
from skillevo._sqlite import SQLiteLibrary
from skillevo.cli import main

CHILD = textwrap.dedent(
    """
    import sys, time
    from skillevo import Evolver, SkillLibrary
    path, mode, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    lib = SkillLibrary(path, durability=mode)
    evo = Evolver(lib, miner=None, sandbox=None)
    print("ready", flush=True)
    for i in range(n):
        ep = evo.episode(task=f"task {i}")
        ep.on_tool_result("lookup", {"q": i}, {"rows": [i]})
        ep.finish(1.0)
        sys.stdout.write(ep.id + "\\n")
        sys.stdout.flush()
    print("all", flush=True)
    time.sleep(600)  # waits for the signal: it always lands on a live process
    """
)


FORKS = textwrap.dedent(
    """
    import multiprocessing, os, sys
    from skillevo import Evolver, SkillLibrary
    lib = SkillLibrary(sys.argv[1], durability=sys.argv[2])
    evo = Evolver(lib, miner=None, sandbox=None)

    def work(tag):
        for i in range(20):
            evo.episode(task=f"{tag} {i}").finish(1.0)

    work("parent")
    child = multiprocessing.get_context("fork").Process(target=work, args=("process",))
    child.start()
    child.join()
    pid = os.fork()
    if pid == 0:
        work("forked")
        os._exit(0)  # no atexit, no daemon thread finishing: nothing but what finish() wrote
    os.waitpid(pid, 0)
    lib.close()
    """
)


@pytest.mark.parametrize("mode", ["batched", "sync"])
def test_a_forked_child_loses_nothing_it_finished(tmp_path: Path, mode: str) -> None:
    path = tmp_path / "lib.db"
    out = subprocess.run([sys.executable, "-c", FORKS, str(path), mode], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    with SkillLibrary(path) as lib:
        tasks = {e.task.split()[0] for e in lib.episodes()}
        assert lib.count_episodes() == 60 and tasks == {"parent", "process", "forked"}


def _kill_mid_run(path: Path, mode: str, sig: signal.Signals, seed: int) -> tuple[list[str], int]:
    """Run the child, send `sig` at a random moment after it has started finishing episodes."""
    SkillLibrary(path).close()
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), mode, "3000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready", proc.stderr.read() if proc.stderr else ""
    finished: list[str] = []
    at = random.Random(seed).randrange(1, 3000)  # the signal goes when this many ids were read
    reached = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:  # every id the child printed after finish() returned
            if line.strip() == "all":
                reached.set()
            elif line.strip():
                finished.append(line.strip())
                if len(finished) >= at:
                    reached.set()

    reader = threading.Thread(target=read)
    reader.start()
    assert reached.wait(300)
    proc.send_signal(sig)
    proc.wait(timeout=120)
    reader.join(timeout=60)
    return finished, proc.returncode


def _stored(path: Path) -> set[str]:
    with SkillLibrary(path) as lib:
        return {e.id for e in lib.episodes()}


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["sigkill", "sigterm"])
@pytest.mark.parametrize("seed", [1, 2])
def test_sync_durability_loses_nothing_finish_returned_for(tmp_path: Path, sig: signal.Signals, seed: int) -> None:
    path = tmp_path / "lib.db"
    finished, rc = _kill_mid_run(path, "sync", sig, seed)
    assert rc == -sig
    assert finished
    assert set(finished) - _stored(path) == set()


@pytest.mark.parametrize("seed", [1, 2])
def test_batched_durability_loses_nothing_on_sigterm(tmp_path: Path, seed: int) -> None:
    path = tmp_path / "lib.db"
    finished, rc = _kill_mid_run(path, "batched", signal.SIGTERM, seed)
    assert rc == -signal.SIGTERM  # the queue is written, then the signal ends the process as before
    assert finished
    assert set(finished) - _stored(path) == set()


@pytest.mark.parametrize("seed", [1, 2])
def test_batched_durability_loses_at_most_the_queue_on_sigkill(tmp_path: Path, seed: int) -> None:
    path = tmp_path / "lib.db"
    finished, rc = _kill_mid_run(path, "batched", signal.SIGKILL, seed)
    assert rc == -signal.SIGKILL
    lost = set(finished) - _stored(path)
    assert len(lost) <= 1000  # the documented window: at most the queue's cap (max_pending)


def test_sigterm_handler_of_the_application_is_kept(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import signal, sys
        from skillevo import Episode, SkillLibrary
        def mine(signum, frame):
            print("application handler", flush=True)
        signal.signal(signal.SIGTERM, mine)
        lib = SkillLibrary(sys.argv[1])
        lib.record_episode(Episode(task="t"))
        print(signal.getsignal(signal.SIGTERM) is mine)
        lib.close()
        """
    )
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "a.db")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"


def test_sigterm_handler_is_installed_only_from_the_main_thread(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import signal, sys, threading
        from skillevo import SkillLibrary
        t = threading.Thread(target=lambda: SkillLibrary(sys.argv[1]).close())
        t.start(); t.join()
        print(signal.getsignal(signal.SIGTERM) is signal.SIG_DFL)
        SkillLibrary(sys.argv[1]).close()
        print(signal.getsignal(signal.SIGTERM) is signal.SIG_DFL)
        SkillLibrary(":memory:", durability="sync").close()
        """
    )
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "a.db")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "False"]


def test_durability_is_checked_and_read_from_the_library(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="durability: must be 'batched' or 'sync'"):
        SkillLibrary(tmp_path / "a.db", durability="fast")  # type: ignore[arg-type]
    with SkillLibrary(tmp_path / "b.db", durability="sync") as lib:
        assert lib.durability == "sync"  # type: ignore[attr-defined]
        lib.record_episode(Episode(id="e1", task="t"))
        assert len(lib._behind) == 0  # type: ignore[attr-defined]  # written before record_episode returned
        other = sqlite3.connect(tmp_path / "b.db")
        assert other.execute("SELECT id FROM episodes").fetchall() == [("e1",)]
        other.close()


# ----------------------------------------------------------------------------- disk full


def _fill_up(lib: SkillLibrary) -> None:
    """Make the file 'full' the way a full disk does (SQLITE_FULL): no page may be added."""
    conn = lib._conn  # type: ignore[attr-defined]
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")


def _room(lib: SkillLibrary) -> None:
    lib._conn.execute("PRAGMA max_page_count = 1073741823")  # type: ignore[attr-defined]


def _finish_many(evo: Evolver, n: int, start: int = 0) -> tuple[list[str], list[str]]:
    """Finish `n` episodes with sizeable events; the ids finish() returned for, and the errors raised."""
    returned: list[str] = []
    errors: list[str] = []
    for i in range(start, start + n):
        ep = evo.episode(task=f"task {i}")
        ep.on_tool_result("lookup", {"q": i}, {"rows": ["x" * 400] * 4})
        try:
            ep.finish(1.0)
        except LibraryError as exc:
            errors.append(str(exc))
        else:
            returned.append(ep.id)
    return returned, errors


def test_disk_full_with_sync_durability_raises_in_finish_and_keeps_what_returned(tmp_path: Path) -> None:
    path = tmp_path / "lib.db"
    lib = SkillLibrary(path, durability="sync")
    evo = Evolver(lib, miner=None, sandbox=None)
    before, _ = _finish_many(evo, 5)
    _fill_up(lib)
    returned, errors = _finish_many(evo, 200, start=5)
    assert errors, "the full disk was never reported"
    assert all("full" in e and "\n" not in e and "no transaction" not in e for e in errors)
    _room(lib)
    after, more = _finish_many(evo, 5, start=205)
    assert not more
    lib.close()
    assert set(before + returned + after) <= _stored(path)


def test_disk_full_with_batched_durability_surfaces_every_loss_and_keeps_the_queue(tmp_path: Path) -> None:
    path = tmp_path / "lib.db"
    lib = SkillLibrary(path)
    lib._behind.max_pending = 50  # type: ignore[attr-defined]
    evo = Evolver(lib, miner=None, sandbox=None)
    _fill_up(lib)
    returned, errors = _finish_many(evo, 300)
    assert errors and all("full" in e and "no transaction" not in e for e in errors)
    assert len(lib._behind) <= 50  # type: ignore[attr-defined]  # never past its cap
    with pytest.raises(LibraryError, match="full"):
        lib.close()  # what is still queued is not silently dropped
    _room(lib)
    lib.close()  # the disk has room again: the queue is written
    stored = _stored(path)
    unwritten = set(returned) - stored
    assert not unwritten  # every episode finish() returned for is on disk
    # Past the cap they went to the spill journal, not away (before 2026-12-07: refused and lost,
    # told "was not recorded"); the refusal path is `test_spill_journal` / `test_queue_full_counted`.
    assert not any("was not recorded" in e for e in errors)


def test_a_real_full_filesystem_is_reported(tmp_path: Path) -> None:
    mount = tmp_path / "tiny"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(mount)], capture_output=True
    ).returncode:
        pytest.skip("needs root and mount to make a tiny filesystem (the PRAGMA tests cover the same path)")
    try:
        lib = SkillLibrary(mount / "lib.db", durability="sync")
        evo = Evolver(lib, miner=None, sandbox=None)
        returned, errors = _finish_many(evo, 400)
        assert errors and all("full" in e for e in errors)
        try:
            lib.close()
        except LibraryError:
            pass
        assert set(returned) <= _stored(mount / "lib.db")
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


# ----------------------------------------------------------------------------- poison records


def test_a_poison_record_is_dropped_alone_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "lib.db"
    lib = SkillLibrary(path)
    lib._behind.linger_s = 3600.0  # type: ignore[attr-defined]  # one batch, written by the flush below
    for i in range(81):
        # A lone surrogate SQLite cannot bind, in a field no run fills (a run's text is mended).
        version = "bad\udc80version" if i == 0 else None
        events = [Event(kind=EventKind.TOOL_CALL, version_id=version, data={})]
        lib.record_episode(Episode(id=f"e{i}", task="t"), events)
    with pytest.raises(LibraryError, match="refused by the store and dropped") as info:
        lib.flush()
    assert "\n" not in str(info.value)
    assert lib.count_episodes() == 80 and "e0" not in {e.id for e in lib.episodes()}
    lib.record_episode(Episode(id="later", task="t"))  # the queue is not blocked
    lib.close()
    assert "later" in _stored(path)


def test_nul_nan_and_surrogates_in_text_are_mended_not_lost(tmp_path: Path) -> None:
    with SkillLibrary(tmp_path / "lib.db") as lib:
        lib.record_episode(Episode(id="x", task="a\x00b \ud800", metadata={"v": float("nan")}))
        lib.flush()
        stored = lib.episode("x")
    assert stored.task == "a\ufffdb \ufffd"


# ----------------------------------------------------------------------------- damaged and read-only files


def _damaged_copy(tmp_path: Path) -> Path:
    path = tmp_path / "lib.db"
    with SkillLibrary(path) as lib:
        for i in range(400):
            lib.record_episode(Episode(id=f"e{i:04}", task="t" * 200),
                               [Event(kind=EventKind.TOOL_CALL, tool="lookup", data={"i": i, "pad": "p" * 300})])
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.close()
    rng = random.Random(6)
    with path.open("r+b") as fh:
        for n in range(pages // 2 - 3, pages // 2 + 3):  # six pages in the middle
            fh.seek(n * page)
            fh.write(bytes(rng.randrange(256) for _ in range(page)))
    return path


def test_corrupted_pages_are_refused_at_open(tmp_path: Path) -> None:
    path = _damaged_copy(tmp_path)
    before = path.read_bytes()
    with pytest.raises(LibraryError, match="damaged") as info:
        SkillLibrary(path)
    assert "\n" not in str(info.value)
    assert path.read_bytes() == before  # left untouched


def test_stats_on_a_damaged_file_exits_non_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _damaged_copy(tmp_path)
    assert main(["stats", "--db", str(path)]) == 1
    assert "damaged" in capsys.readouterr().err


def test_a_library_that_cannot_be_written_opens_read_only(tmp_path: Path) -> None:
    path = tmp_path / "lib.db"
    with SkillLibrary(path) as lib:
        lib.record_episode(Episode(id="e1", task="t"))
    with SQLiteLibrary(path, read_only=True) as ro:
        assert [e.id for e in ro.episodes()] == ["e1"]
        with pytest.raises(LibraryError, match="read-only"):
            ro.record_episode(Episode(id="e2", task="t"))
        with pytest.raises(LibraryError, match="read-only"):
            ro.set_meta("k", "v")


def test_a_library_on_a_read_only_mount_is_read_not_called_damaged(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    with SkillLibrary(folder / "lib.db") as lib:
        lib.record_episode(Episode(id="e1", task="t"))
    os.chmod(folder / "lib.db", 0o444)
    os.chmod(folder, 0o555)
    mounted = False
    try:
        if os.access(folder / "lib.db", os.W_OK):  # root: permissions do not stop it, a read-only mount does
            mounted = not subprocess.run(["mount", "--bind", "-o", "ro", str(folder), str(folder)],
                                         capture_output=True).returncode
            if mounted:
                mounted = not subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)],
                                             capture_output=True).returncode or True
            if os.access(folder / "lib.db", os.W_OK):
                pytest.skip("cannot make a read-only file here (root without mount)")
        with SkillLibrary(folder / "lib.db") as lib:
            assert [e.id for e in lib.episodes()] == ["e1"]
            with pytest.raises(LibraryError, match="read-only"):
                lib.set_meta("k", "v")
        assert main(["stats", "--db", str(folder / "lib.db")]) == 0
    finally:
        if mounted:
            subprocess.run(["umount", str(folder)], capture_output=True)
        os.chmod(folder, 0o755)


# ----------------------------------------------------------------------------- PostgreSQL


def _pg_app(pg_url: str) -> tuple[str, str]:
    """`pg_url` with an application name of its own (so only this test's connections are killed)."""
    name = "skillevo_fault_" + os.urandom(5).hex()
    return f"{pg_url}&application_name={name}", name


def _terminate(name: str) -> int:
    import psycopg

    from .conftest import PG_URL

    with psycopg.connect(PG_URL, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s", (name,)
        ).fetchall()
    return len(rows)


@pytest.mark.postgres
def test_postgres_mends_nul_nan_inf_and_surrogates(pg_url: str) -> None:
    with SkillLibrary(pg_url) as lib:
        bad = ["nul \x00 here", "lone \ud800 surrogate", "fine"]
        for i in range(81):
            text = bad[i % 3]
            lib.record_episode(
                Episode(id=f"e{i}", task=text, metadata={"x": float("nan"), "y": float("inf"), "t": text}),
                [Event(kind=EventKind.TOOL_ERROR, tool=f"t{text}", data={"error": text, "v": float("-inf")})],
            )
        lib.flush()
        assert lib.count_episodes() == 81
        stored = lib.episode("e0")
        assert stored.task == "nul \ufffd here" and stored.metadata == {"x": None, "y": None, "t": "nul \ufffd here"}
        assert lib.episode("e1").task == "lone \ufffd surrogate"
        assert lib.count_events() == 81


@pytest.mark.postgres
def test_postgres_a_refused_record_is_dropped_alone(pg_url: str) -> None:
    import psycopg

    from .conftest import PG_URL

    lib = SkillLibrary(pg_url)
    schema = lib.schema  # type: ignore[attr-defined]
    with psycopg.connect(PG_URL, autocommit=True) as conn:  # an operator's rule the record breaks
        conn.execute(f"ALTER TABLE {schema}.events ADD CONSTRAINT no_poison CHECK (tool <> 'poison')")
    lib._behind.linger_s = 3600.0  # type: ignore[attr-defined]  # one batch
    for i in range(81):
        tool = "poison" if i == 0 else "lookup"
        lib.record_episode(Episode(id=f"e{i}", task="t"), [Event(kind=EventKind.TOOL_CALL, tool=tool, data={})])
    with pytest.raises(LibraryError, match="no_poison") as info:
        lib.flush()
    assert "\n" not in str(info.value)
    assert lib.count_episodes() == 80
    lib.close()


@pytest.mark.postgres
def test_postgres_a_record_over_a_database_limit_is_dropped_alone(pg_url: str) -> None:
    import random

    lib = SkillLibrary(pg_url)
    lib._behind.linger_s = 3600.0  # type: ignore[attr-defined]  # one batch
    # A tool name too long for an index row (incompressible): the database's limit, not the connection.
    huge = "".join(random.Random(0).choices("abcdefghijklmnopqrstuvwxyz0123456789", k=12_000))
    for i in range(11):
        tool = huge if i == 0 else "lookup"
        lib.record_episode(Episode(id=f"e{i}", task="t"), [Event(kind=EventKind.TOOL_CALL, tool=tool, data={})])
    with pytest.raises(LibraryError, match="refused by the store and dropped"):
        lib.flush()
    assert lib.count_episodes() == 10
    lib.close()


@pytest.mark.postgres
@pytest.mark.parametrize("mode", ["sync", "batched"])
def test_postgres_backend_kills_surface_every_loss(pg_url: str, mode: str) -> None:
    url, name = _pg_app(pg_url)
    lib = SkillLibrary(url, durability=mode)
    evo = Evolver(lib, miner=None, sandbox=None)
    stop = threading.Event()
    kills = 0

    def killer() -> None:
        nonlocal kills
        while not stop.wait(0.05):
            kills += _terminate(name)

    thread = threading.Thread(target=killer)
    thread.start()
    returned: list[str] = []
    errors: list[str] = []
    try:
        i = 0
        while i < 300 or (kills < 3 and i < 20_000):  # until the killer has struck a few times
            i += 1
            ep = evo.episode(task=f"t{i}")
            try:
                ep.on_tool_result("lookup", {"q": i}, "ok")  # reads the library: may fail too
                ep.finish(1.0)
            except LibraryError as exc:
                errors.append(str(exc))
            else:
                returned.append(ep.id)
    finally:
        stop.set()
        thread.join()
    assert kills, "no backend was killed: nothing was tested"
    assert all("\n" not in e for e in errors)
    for _ in range(5):  # the queue is kept: once the server answers again, close writes it
        try:
            lib.close()
            break
        except LibraryError as exc:
            errors.append(str(exc))
    with SkillLibrary(pg_url) as check:
        stored = {e.id for e in check.episodes()}
    lost = set(returned) - stored
    assert not lost or errors  # nothing lost silently
    if mode == "sync":
        assert not lost  # sync: what finish() returned for was committed


@pytest.mark.postgres
def test_postgres_connection_killed_during_migration_is_one_line(pg_url: str) -> None:
    import psycopg

    from .conftest import PG_URL

    url, name = _pg_app(pg_url)
    schema = pg_url.rsplit("schema=", 1)[1]
    holder = psycopg.connect(PG_URL, autocommit=True)
    holder.execute("SELECT pg_advisory_lock(hashtext(%s))", (f"skillevo-migrate:{schema}",))
    outcome: list[BaseException] = []

    def open_it() -> None:
        try:
            SkillLibrary(url, timeout=5).close()
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=open_it)
    thread.start()
    deadline = time.monotonic() + 60
    with psycopg.connect(PG_URL, autocommit=True) as conn:  # wait until it waits on the migration lock
        while time.monotonic() < deadline:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s AND wait_event_type = 'Lock'",
                (name,),
            ).fetchone()
            if row and row[0]:
                break
            time.sleep(0.05)
    assert _terminate(name)
    thread.join(60)
    holder.close()
    assert len(outcome) == 1 and isinstance(outcome[0], LibraryError), outcome
    assert "\n" not in str(outcome[0]) and "cannot prepare the library" in str(outcome[0])
