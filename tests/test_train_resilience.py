"""`skillevo train` under trouble: killed runs resume, an exception loses nothing, runs never overlap.

Over the scripted world of tests/train_world.py.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from skillevo import (
    SkillLibrary,
    TrainLockedError,
    run_train,
)
from skillevo._train import LOCK_KEY, lock_holder
from skillevo.cli import main as cli_main

sys.path.insert(0, str(Path(__file__).parent))  # the shared scripted world, train_world.py

import train_world
from train_world import (
    reference_state,
    state,
    statuses,
    train_config,
    write_config,
)

# The world's fixtures, in this module so pytest finds them: the filled library (built once per
# module) and a private copy of it per test.
scripted_db = train_world.scripted_db
db = train_world.db


@pytest.fixture(scope="module")
def reference(scripted_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return reference_state(scripted_db, tmp_path_factory)


_KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from skillevo import run_train
    from skillevo._config import load_config
    from skillevo._sqlite import SQLiteLibrary

    config, stage, how = sys.argv[1], sys.argv[2], sys.argv[3]
    current = []

    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    def progress(name, done, total):
        current[:] = [name]
        if how == "boundary" and name == stage and done == 0:
            die()  # the stage is about to start: everything before it has committed

    def trap(method, nth, when):
        # SIGKILL inside the nth call of `method` during `stage`: mid-stage, inside an open transaction.
        original = getattr(SQLiteLibrary, method)
        seen = []

        def wrapper(self, *args, **kwargs):
            if current == [stage] and when(*args):
                seen.append(1)
                if len(seen) == nth:
                    assert self._local.depth > 0, "not inside a transaction"
                    die()
            return original(self, *args, **kwargs)

        setattr(SQLiteLibrary, method, wrapper)

    if how == "mid-chunk":  # inside the third mining chunk's transaction, as its watermark is written
        trap("set_meta", 3, lambda key, value: key == "train.mined_upto")
    elif how == "mid-decisions":  # the second status change of the lifecycle stage's chunk
        trap("set_status", 2, lambda *args: True)
    run_train(load_config(config), progress=progress)
    """
)


@pytest.mark.parametrize(
    ("stage", "how"),
    [("lifecycle", "boundary"), ("report", "boundary"), ("mine", "mid-chunk"), ("lifecycle", "mid-decisions")],
)
def test_a_killed_run_restarts_cleanly_and_ends_in_the_same_state(
    scripted_db: Path, tmp_path: Path, reference: dict[str, Any], stage: str, how: str
) -> None:
    b = tmp_path / "lib.db"
    shutil.copy(scripted_db, b)
    config = write_config(tmp_path / "skillevo.toml", b, chunk_episodes=3)
    killed = subprocess.run(
        [sys.executable, "-c", _KILLER, str(config), stage, how], capture_output=True, text=True, timeout=180
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    with SkillLibrary(b) as lib:
        holder = lock_holder(lib)  # the dead run still "holds" the lock ...
        assert holder is not None and holder["host"] == socket.gethostname()
        unfinished = json.loads(lib.get_meta("train.state") or "{}")
        assert stage not in unfinished["done"]
        assert how == "mid-chunk" or "mine" in unfinished["done"]
        if how == "mid-chunk":  # killed between committed chunks: part of the log is mined, not all
            assert 0 < int(lib.get_meta("train.mined_upto") or 0) < int(unfinished["upto"])
    # ... which the restart recognises as stale (its pid is gone) and takes over.
    assert cli_main(["train", "--config", str(config), "--quiet"]) == 0
    sa, sb = reference, state(b)
    assert sb["versions"] == sa["versions"]
    assert sb["posteriors"] == sa["posteriors"]
    assert sb["transitions"] == sa["transitions"]
    assert sb["meta"]["train.mined_upto"] == sa["meta"]["train.mined_upto"]
    with SkillLibrary(b) as lib:
        runs = json.loads(lib.get_meta("train.runs") or "[]")
        assert len(runs) == 1 and runs[0]["run"] == unfinished["run"]  # the same run, finished
        assert lib.get_meta("train.state") == ""
        assert lib.get_meta(LOCK_KEY) == ""


def test_an_exception_in_the_middle_of_mining_loses_nothing(
    scripted_db: Path, tmp_path: Path, reference: dict[str, Any]
) -> None:
    b = tmp_path / "lib.db"
    shutil.copy(scripted_db, b)
    ticks = []

    def boom(stage: str, done: int, total: int | None) -> None:
        if stage == "mine" and done > 0:
            ticks.append(done)
            if len(ticks) == 2:
                raise RuntimeError("injected failure between two committed chunks")

    with pytest.raises(RuntimeError, match="injected"):
        run_train(train_config(b, chunk_episodes=3), progress=boom)
    with SkillLibrary(b) as lib:
        assert 0 < int(lib.get_meta("train.mined_upto") or 0) < int(json.loads(lib.get_meta("train.state") or "{}")
                                                                     ["upto"])
        assert lib.get_meta(LOCK_KEY) == ""  # an exception releases the lock
    resumed = run_train(train_config(b, chunk_episodes=3))
    assert resumed.resumed
    after = state(b)
    assert after["versions"] == reference["versions"] and after["transitions"] == reference["transitions"]
    assert after["posteriors"] == reference["posteriors"]


def test_two_runs_never_overlap(db: Path) -> None:
    now = time.time()
    with SkillLibrary(db) as lib:
        # A live holder: this very process, on this host, heard from just now.
        live = {"token": "x" * 32, "pid": os.getpid(), "host": socket.gethostname(), "since": now,
                "heartbeat": now, "run": "other"}
        lib.set_meta(LOCK_KEY, json.dumps(live))
    with pytest.raises(TrainLockedError, match=f"pid {os.getpid()} on host"):
        run_train(train_config(db))
    assert statuses(db)["iso-dates-hint@1"] == "testing"  # nothing ran
    assert cli_main(["train", "--db", str(db), "--quiet"]) == 3
    with SkillLibrary(db) as lib:
        # Another host's holder that stopped beating long ago is stale and taken over.
        lib.set_meta(LOCK_KEY, json.dumps({**live, "host": "elsewhere", "pid": 1, "heartbeat": now - 10 * 3600}))
    run_train(train_config(db))
    assert statuses(db)["iso-dates-hint@1"] == "active"


_HOLDER = textwrap.dedent(
    """
    import pathlib, sys, time
    from skillevo import run_train
    from skillevo._config import load_config

    def progress(name, done, total):
        if name == "lifecycle" and done == 0:
            pathlib.Path(sys.argv[2]).write_text("holding")
            time.sleep(120)  # a long stage: the parent tries to start a second run meanwhile

    run_train(load_config(sys.argv[1]), progress=progress)
    """
)


def test_a_second_process_is_refused_while_a_run_is_going(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path / "skillevo.toml", db)
    marker = tmp_path / "holding"
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(config), str(marker)])
    try:
        deadline = time.time() + 120
        while not marker.exists() and holder.poll() is None and time.time() < deadline:
            time.sleep(0.1)
        assert marker.exists(), "the first run never reached its lifecycle stage"
        capsys.readouterr()
        assert cli_main(["train", "--config", str(config), "--quiet"]) == 3
        err = capsys.readouterr().err
        assert f"pid {holder.pid} on host {socket.gethostname()}" in err
        assert statuses(db)["iso-dates-hint@1"] == "testing"  # the refused run did nothing
    finally:
        holder.kill()
        holder.wait(timeout=60)
    # The holder is gone (killed mid-run): the next run takes the lock over and finishes its work.
    assert cli_main(["train", "--config", str(config), "--quiet"]) == 0
    assert statuses(db)["iso-dates-hint@1"] == "active"


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_the_lock_admits_exactly_one_of_many_racing_runs(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    import threading

    from skillevo._train_lock import Lock as _Lock

    location = str(tmp_path / "lock.db") if backend == "sqlite" else request.getfixturevalue("pg_url")
    SkillLibrary(location).close()  # create the schema once
    libs = [SkillLibrary(location) for _ in range(6)]
    barrier = threading.Barrier(len(libs))
    won: list[int] = []
    lost: list[int] = []

    def race(i: int) -> None:
        barrier.wait()
        try:
            _Lock(libs[i], stale_after_s=3600).acquire(f"run-{i}")
            won.append(i)
        except TrainLockedError:
            lost.append(i)

    threads = [threading.Thread(target=race, args=(i,)) for i in range(len(libs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert len(won) == 1 and len(lost) == len(libs) - 1
        holder = lock_holder(libs[0])
        assert holder is not None and holder["run"] == f"run-{won[0]}"
    finally:
        for lib in libs:
            lib.close()
