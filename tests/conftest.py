"""Shared fixtures: a `store` fixture that runs the conformance suite on every backend."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from skillevo import ProcessSandbox, SkillLibrary

PG_URL = os.environ.get("SKILLEVO_TEST_PG", "postgresql://127.0.0.1:5432/test")


def _pg_available() -> str | None:
    """None if a PostgreSQL server answers, else the reason it does not."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed (pip install 'skillevo[postgres]')"
    try:
        with psycopg.connect(PG_URL, connect_timeout=3):
            return None
    except Exception as exc:  # any connection failure means: skip, and say why
        return f"no PostgreSQL server answers at {PG_URL}: {' '.join(str(exc).split())[:120]}"


PG_SKIP_REASON = _pg_available()


def drop_pg_schema(schema: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL with a fresh schema, dropped afterwards; skipped with a reason without a server."""
    if PG_SKIP_REASON:
        pytest.skip(PG_SKIP_REASON)
    schema = "skillevo_test_" + uuid.uuid4().hex[:10]
    yield f"{PG_URL}?schema={schema}"
    drop_pg_schema(schema)


@pytest.fixture(params=["sqlite-file", "sqlite-memory", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SkillLibrary]:
    """Every backend, behind the same interface."""
    if request.param == "sqlite-file":
        lib = SkillLibrary(tmp_path / "lib.db")
    elif request.param == "sqlite-memory":
        lib = SkillLibrary(":memory:")
    else:
        url = request.getfixturevalue("pg_url")
        lib = SkillLibrary(url)
    try:
        yield lib
    finally:
        lib.close()


@pytest.fixture(scope="session")
def sandbox_unavailable() -> str | None:
    """Why code skills cannot run here: only bubblewrap or libseccomp missing; None if they are installed.

    An installed bubblewrap that cannot start the jail is not a reason to skip: those tests fail.
    """
    from skillevo._sandbox_jail import missing_software

    return missing_software()


@pytest.fixture
def needs_sandbox(sandbox_unavailable: str | None) -> None:
    """Skip, with the reason, only where the jail cannot be built (no bwrap or libseccomp); CI has both."""
    if sandbox_unavailable:
        pytest.skip(sandbox_unavailable)


@pytest.fixture(scope="module")
def sandbox(sandbox_unavailable: str | None) -> Iterator[ProcessSandbox]:
    """A code sandbox shared by a module's tests; skipped, with the reason, where the jail cannot be built."""
    if sandbox_unavailable:
        pytest.skip(sandbox_unavailable)
    with ProcessSandbox() as sb:
        yield sb
