"""An episode of thousands of tool calls is bounded: the first ones kept, the rest counted, said once.

World: a long-lived agent loop (a chat session, a crawler) makes tens of thousands of tool calls in
one episode. Before 2026-12-07 every call's event was held until the episode finished, ~3.7 KB a
call (20,000 calls: 74 MB), and its one queued write built (redacted) them all on the writer's
thread: 100 s for 20,000. Now an episode keeps its first `MAX_TOOL_EVENTS` tool events, counts
the rest in its metadata (``events_dropped``) and the first such episode of the process is logged
once; nothing is raised into the run and the episode itself is recorded.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest

from skillevo import Evolver, SkillLibrary, _recording
from skillevo._models import EventKind

_TOOL_KINDS = {EventKind.TOOL_CALL.value, EventKind.TOOL_RESULT.value, EventKind.TOOL_ERROR.value}


def test_an_episode_of_thousands_of_calls_is_bounded_and_said_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As in a fresh process (another test may have been the process's first over-cap episode).
    monkeypatch.setattr(_recording, "_said_dropped", threading.Event(), raising=False)
    calls = 2600  # past any cap an agent's ordinary run comes near, yet quick to record
    with SkillLibrary(tmp_path / "lib.db", durability="sync") as lib:
        evo = Evolver(lib, miner=None, sandbox=None)
        ids = []
        with caplog.at_level(logging.WARNING, logger="skillevo"):
            for run in range(2):
                ep = evo.episode(task=f"crawl {run}")
                for i in range(calls):
                    if i % 10 == 9:
                        ep.on_tool_error("fetch", {"page": i}, RuntimeError(f"page {i} timed out"))
                    else:
                        ep.on_tool_result("fetch", {"page": i}, f"page {i} body")
                ep.finish(1.0)
                ids.append(ep.id)
        for episode_id in ids:
            stored = lib.episode(episode_id)  # recorded, whatever its size
            kept = [e for e in lib.events(episode_id=episode_id) if e.kind in _TOOL_KINDS]
            dropped = stored.metadata.get("events_dropped")
            assert isinstance(dropped, int) and dropped > 0  # what was dropped is said on the episode
            assert len(kept) + dropped == calls  # ... exactly: each call is kept or counted
            assert len(kept) <= 2000  # bounded: the first ones kept
            assert [e.data["args"]["page"] for e in kept] == list(range(len(kept)))
    said = [r for r in caplog.records if "events_dropped" in r.getMessage()]
    assert len(said) == 1  # once per process, not once per episode (nor per call)
