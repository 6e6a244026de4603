"""A batch written in chunks on PostgreSQL keeps each record once when its connection is dropped.

World: the server ends the library's connection (a restart, a failover, ``pg_terminate_backend``
by a DBA) while the queue writes a slow batch in chunks (`skillevo._sql_batch.BUILD_CHUNK_S`):
some chunks committed, one in flight, the rest still queued. The queue writes what is left again
once the server answers; each record is written once (its write key), none lost, no event twice.
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from skillevo import Evolver, LibraryError, SkillLibrary, _sql_batch

RECORDS = 8


def _terminate_others(url: str, application_name: str) -> int:
    """End the server's connections of the library named `application_name`: how many."""
    with psycopg.connect(url.split("?")[0], autocommit=True) as conn:
        rows = conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
                            (application_name,)).fetchall()
    return sum(1 for (ended,) in rows if ended)


def test_a_connection_dropped_between_chunks_loses_and_repeats_nothing(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_sql_batch, "BUILD_CHUNK_S", 0.0)  # every record a chunk of its own
    name = "skillevo-chunk-drop"
    with SkillLibrary(f"{pg_url}&application_name={name}") as lib:
        lib._behind.linger_s = 3600.0  # one batch, written by the flush below
        build = lib._deferred_rows
        builds: list[str] = []
        ended: list[int] = []

        def dropping(record: Any) -> Any:
            builds.append(record.episode_id)
            if len(builds) == 3:  # two chunks committed, the third's connection ended under it
                ended.append(_terminate_others(pg_url, name))
            return build(record)

        lib._deferred_rows = dropping  # type: ignore[method-assign]
        evo = Evolver(lib, miner=None, sandbox=None)
        ids = []
        for i in range(RECORDS):
            ep = evo.episode(task=f"run {i}")
            ep.on_tool_result("fetch", {"page": i}, "body")
            ep.finish(1.0)
            ids.append(ep.id)
        for _ in range(3):  # the server answers again: what the drop refused is written
            try:
                lib.flush()
                break
            except LibraryError:
                continue
        assert ended and ended[0] >= 1  # the library's connection was ended mid-batch
        stored = [e.id for e in lib.episodes()]
        assert sorted(stored) == sorted(ids)
        for episode_id in ids:
            assert [e.tool for e in lib.events(episode_id=episode_id) if e.tool] == ["fetch"]
