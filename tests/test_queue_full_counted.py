"""Records the write-behind queue refuses because it is full (the store has refused writes for
1,000 records: a full disk, PostgreSQL away) are counted and reported as lost.

The world: a process records episodes through the adapter contract (`finish_with`, which logs a
store error and lets the run go on) on a library whose disk is full (`RLIMIT_FSIZE` at the file's
size, so every write fails with EFBIG), the queue capped at 10. Before 2026-12-07 the episodes
refused once the queue was full were noted nowhere an operator looks: `record_error` counts store
errors after the first at DEBUG, and the exit report counted only what was still queued. Of 30
episodes 30 were lost and stderr said "10 queued records were lost at exit": 20 of 30 lost without
a word. Now the refusals are counted per library: the first of a run of refusals is logged at
ERROR, the count is logged when the store takes writes again, and what no log told is on stderr at
exit, so the numbers an operator reads add up to every record lost.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from skillevo import Episode, LibraryError, SkillLibrary

SCRIPT = textwrap.dedent(
    """
    import os, resource, signal, sys
    from skillevo import Evolver, SkillLibrary
    from skillevo.adapters import finish_with
    path = sys.argv[1]
    lib = SkillLibrary(path)
    lib._behind.max_pending = 10
    evo = Evolver(lib, miner=None, sandbox=None)
    lib.flush()
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) instead
    limit = max(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
    for i in range(30):
        ep = evo.episode(task=f"t{i}")
        ep.on_tool_result("lookup", {"q": i}, {"rows": [i]})
        finish_with(ep, None, None)
        print("ID", ep.id, flush=True)
    """
)


def _reported_lost(stderr: str) -> int:
    """Every record stderr reports lost: queued at exit, or refused while the queue was full."""
    queued = sum(int(n) for n in re.findall(r"skillevo: (\d+) queued records were lost at exit", stderr))
    refused = sum(int(n) for n in re.findall(r"(\d+) [a-z ]+? were not recorded \(the queue was full", stderr))
    return queued + refused


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_every_record_lost_to_a_full_disk_is_reported_with_its_count(tmp_path: Path) -> None:
    path = tmp_path / "lib.db"
    # The spill journal would keep them (`test_spill_outage`): here it cannot be made either (its
    # folder's place is a plain file), so the records are refused and counted.
    blocked = tmp_path / "no-journal"
    blocked.write_text("")
    env = {**os.environ, "SKILLEVO_JOURNAL_DIR": str(blocked)}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(path)], capture_output=True, text=True, timeout=300, check=False, env=env
    )
    assert done.returncode == 0, done.stderr[-2000:]
    ids = {line.split()[1] for line in done.stdout.splitlines() if line.startswith("ID ")}
    assert len(ids) == 30  # every run finished
    with SkillLibrary(path) as lib:
        lost = ids - {e.id for e in lib.episodes()}
    assert lost, "the disk took writes: the fault was not made"
    assert _reported_lost(done.stderr) == len(lost), done.stderr[-3000:]


def test_refusals_are_logged_once_then_counted_when_the_store_takes_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    lib = SkillLibrary(tmp_path / "lib.db")
    behind = lib._behind
    behind.linger_s = 3600.0  # written by the callers below, not by the thread
    behind.max_pending = 3
    # The fallback when no journal takes them (it cannot be written, or is full: `test_spill_journal`).
    behind._journal = None
    real = lib._write_recorded
    away = [True]

    def write(batch: list[Any], **kwargs: Any) -> None:
        if away[0]:
            raise LibraryError("database or disk is full")
        real(batch, **kwargs)

    monkeypatch.setattr(behind, "_write", write)
    monkeypatch.setattr(behind, "_probe", write)
    monkeypatch.setattr(behind, "_background", write)
    refused = 0
    with caplog.at_level(logging.WARNING, logger="skillevo"):
        for i in range(8):
            try:
                lib.record_episode(Episode(id=f"e{i}", task="t"))
            except LibraryError as exc:
                refused += "not recorded" in str(exc)
        assert refused == 5
        first = [r for r in caplog.records if "not recorded" in r.getMessage()]
        assert len(first) == 1 and first[0].levelno == logging.ERROR  # the first refusal of the run
        away[0] = False
        lib.flush()
    counted = [r.getMessage() for r in caplog.records if "were not recorded" in r.getMessage()]
    assert len(counted) == 1 and "5 recorded episodes were not recorded" in counted[0], counted
    assert {e.id for e in lib.episodes()} == {"e0", "e1", "e2"}
    lib.close()
