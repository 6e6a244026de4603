"""Opening a library at the current schema while another process holds SQLite's write lock.

An agent process that starts (a new worker, a restarted pod) while another process keeps a long
write transaction on the library (a maintenance script, `skillevo train`, a backup tool) must not
wait for that lock, nor fail: a library already at this skillevo's schema has nothing to migrate.
Before 2026-12-07 the open took the write lock to read the schema version: it waited the whole
busy timeout (60 s by default: 30 s for a lock held 30 s) and, with a lock held past it, raised
`LibraryError` ("cannot start a write (database is locked)") into the agent's start, 3 of 3 opens.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from skillevo import Evolver, SkillLibrary
from skillevo._sqlite import MIGRATIONS, content_hash


@contextmanager
def _held(path: Path) -> Iterator[None]:
    """Another connection (SQLite's locks are per connection: another process, as far as the file
    can tell) holding the write lock."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        yield
        conn.execute("ROLLBACK")
    finally:
        conn.close()


def test_a_library_at_the_current_schema_opens_and_runs_while_another_process_holds_the_lock(
    tmp_path: Path,
) -> None:
    path = tmp_path / "lib.db"
    SkillLibrary(path).close()
    ids = []
    with _held(path):
        for i in range(3):
            # A short timeout: the open must not need the lock at all (it waited 60 s by default).
            lib = SkillLibrary(path, timeout=0.05)
            assert lib.skills() == []
            evo = Evolver(lib, miner=None, sandbox=None)
            ep = evo.episode(task=f"task {i}")
            ep.before_tool("lookup", {"q": i})
            ep.on_tool_result("lookup", {"q": i}, {"rows": [i]})
            try:
                ep.finish(1.0)
            except Exception:  # a batched finish may hear the refusal: queued, not lost
                pass
            ids.append((lib, ep.id))
    for lib, _ in ids:
        lib.close()
    with SkillLibrary(path) as lib:
        stored = {e.id for e in lib.episodes()}
    assert {i for _, i in ids} <= stored


def test_a_library_to_migrate_still_migrates(tmp_path: Path) -> None:
    """The lock-free check only skips what is done: a file with an older schema is migrated."""
    path = tmp_path / "lib.db"
    conn = sqlite3.connect(path)
    conn.create_function("skillevo_content_hash", 1, content_hash, deterministic=True)
    with conn:  # the library as the previous skillevo left it
        conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        for number, statements in enumerate(MIGRATIONS[:-1], start=1):
            for statement in statements:
                conn.execute(statement)
            conn.execute("INSERT INTO schema_version (version) VALUES (?)", (number,))
    conn.close()
    with SkillLibrary(path) as lib:
        assert lib.schema_version == len(MIGRATIONS)
