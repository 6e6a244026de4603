"""SIGTERM while the writer builds a slow batch keeps every record built before the process ends.

World: a busy process queues many finished episodes at once; the writer thread builds (redacts,
serialises) them in one batch before its transaction, the library's lock held, and the build is
slow (large events, a loaded machine). SIGTERM arrives meanwhile. Before 2026-12-08 the whole
batch was built before anything was written: the SIGTERM flush waited its grace period for the
lock, gave up, and the process ended with the batch (12 of 12 here) lost, however many of its
records had long been built. Now a batch commits what it has built every `BUILD_CHUNK_S` and
lets the lock go between those chunks: what the process had built is on disk, at most the one
record being built when it ended is lost.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from skillevo import Evolver, SkillLibrary, _sql_batch

RECORDS = 12
BUILD_S = 0.5  # each record's build: past `BUILD_CHUNK_S`, so each chunk holds one
GRACE_S = 2.0  # (the watchdog ends the process 2 s later) well short of the batch's 6 s build


def test_sigterm_during_a_slow_batch_keeps_what_was_built(tmp_path: Path) -> None:
    path, built = str(tmp_path / "lib.db"), tmp_path / "built.txt"
    script = f"""
import os, signal, sys, time
sys.path[:0] = {sys.path!r}
from skillevo import Evolver, SkillLibrary, _durability
_durability.SIGTERM_GRACE_S = {GRACE_S}
lib = SkillLibrary({path!r})
lib._behind.linger_s = 2.0  # every episode below in one batch
build = lib._deferred_rows
out = os.open({str(built)!r}, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
def slow(record):
    rows = build(record)
    time.sleep({BUILD_S})  # a slow build (large events, a loaded machine)
    os.write(out, (record.episode_id + "\\n").encode())
    return rows
lib._deferred_rows = slow
evo = Evolver(lib, miner=None, sandbox=None)
for i in range({RECORDS}):
    ep = evo.episode(task=f"run {{i}}")
    ep.on_tool_result("fetch", {{"page": i}}, "body")
    ep.finish(1.0)
while not os.path.getsize({str(built)!r}):
    time.sleep(0.01)
os.kill(os.getpid(), signal.SIGTERM)
time.sleep(60)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == -signal.SIGTERM, done.stderr
    finished_builds = built.read_text().split()
    with SkillLibrary(path, read_only=True) as lib:
        stored = {e.id for e in lib.episodes()}
    assert stored <= set(finished_builds)
    assert len(finished_builds) >= 2
    # Every record whose build ended is stored, but the last built, whose commit the end may have cut.
    assert set(finished_builds[:-1]) <= stored, (len(stored), len(finished_builds), done.stderr)  # before: 0 of 4


@pytest.mark.parametrize("durability", ["batched", "sync"])
def test_a_batch_written_in_chunks_writes_each_record_once_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, durability: str
) -> None:
    """Every chunk of a batch commits its records, each built once; ``flush`` writes them all."""
    monkeypatch.setattr(_sql_batch, "BUILD_CHUNK_S", 0.0)  # every record a chunk of its own
    with SkillLibrary(tmp_path / "lib.db", durability=durability) as lib:
        lib._behind.linger_s = 3600.0  # written by the flush below
        build = lib._deferred_rows
        builds: list[str] = []

        def counted(record: Any) -> Any:
            builds.append(record.episode_id)
            return build(record)

        lib._deferred_rows = counted  # type: ignore[method-assign]
        evo = Evolver(lib, miner=None, sandbox=None)
        ids = []
        for i in range(5):
            ep = evo.episode(task=f"run {i}")
            ep.on_tool_result("fetch", {"page": i}, "body")
            ep.finish(1.0)
            ids.append(ep.id)
        lib.flush()
        assert builds == ids  # each built once, in the order recorded
        assert {e.id for e in lib.episodes()} == set(ids)
        for episode_id in ids:
            assert [e.tool for e in lib.events(episode_id=episode_id) if e.tool] == ["fetch"]
