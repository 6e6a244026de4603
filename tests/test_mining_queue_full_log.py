"""A mining queue that overflows under load says so once a minute, with the count, not per episode.

World: runs finish faster than the miner keeps up (a slow `LLMMiner`, a burst of failing runs):
past `max_queue` waiting jobs, the oldest job's mining is skipped (its episode is stored; the
nightly `skillevo train` mines it). Before 2026-12-07 each skip logged its own WARNING: 6 threads
recording for 2 s logged 6,321 identical lines, burying whatever else the log said; here 48 of 50
submissions. Now the first is logged, the next minute's are counted, and the next line logged says
how many were held back.
"""

from __future__ import annotations

import logging
import threading

import pytest

from skillevo._mine_worker import MiningWorker


def test_an_overflowing_mining_queue_logs_once_and_counts_the_rest(caplog: pytest.LogCaptureFixture) -> None:
    release = threading.Event()
    started = threading.Event()
    worker = MiningWorker(max_queue=2)

    def blocking() -> None:
        started.set()
        release.wait(30)

    worker.submit(blocking)
    assert started.wait(30)  # the worker is busy: everything after waits in the queue
    with caplog.at_level(logging.WARNING, logger="skillevo"):
        for _ in range(50):
            worker.submit(lambda: None)
    release.set()
    assert worker.close(30)
    full = [r for r in caplog.records if "mining queue full" in r.getMessage()]
    assert worker.dropped == 48  # every skip is still counted
    assert len(full) == 1, len(full)
    assert "counted, not logged" in full[0].getMessage()
