"""Every driver error of a read or a write is the library's `LibraryError` (one line), on both backends:
a dropped table, a permission refused, a statement timeout, not only a lost connection."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from skillevo import Episode, LibraryError, SkillLibrary, Strategy, Trigger

READS: dict[str, Callable[[SkillLibrary], object]] = {
    "posteriors": lambda lib: lib.posteriors(),
    "snapshot": lambda lib: lib.posterior_snapshot("k"),
    "skills": lambda lib: lib.skills(),
    "skill": lambda lib: lib.skill("s"),
    "episodes": lambda lib: lib.episodes(),
    "events": lambda lib: lib.events(),
    "count": lambda lib: lib.count_events(),
}


def _filled(lib: SkillLibrary) -> None:
    lib.add_skill("s", Trigger(tool="t"), Strategy(guidance="g"))
    lib.save_episode(Episode(id="e", task="t"))


@pytest.mark.parametrize("read", sorted(READS))
def test_sqlite_read_of_a_dropped_table_is_a_library_error(tmp_path: Path, read: str) -> None:
    path = tmp_path / "lib.db"
    with SkillLibrary(path) as lib:
        _filled(lib)
        other = sqlite3.connect(path)
        for table in ("events", "posteriors", "posterior_keys", "versions", "episodes", "skills"):
            other.execute(f"DROP TABLE {table}")
        other.commit()
        other.close()
        with pytest.raises(LibraryError, match="no such table") as info:
            READS[read](lib)
        assert "\n" not in str(info.value)


@pytest.mark.postgres
@pytest.mark.parametrize("read", sorted(READS))
def test_postgres_read_of_a_dropped_table_is_a_library_error(pg_url: str, read: str) -> None:
    import psycopg

    with SkillLibrary(pg_url) as lib:
        _filled(lib)
        with psycopg.connect(pg_url.split("?")[0], autocommit=True) as conn:
            conn.execute(f"DROP TABLE {lib.schema}.events, {lib.schema}.posteriors, {lib.schema}.posterior_keys, "
                         f"{lib.schema}.versions, {lib.schema}.episodes, {lib.schema}.skills CASCADE")
        with pytest.raises(LibraryError, match="PostgreSQL error") as info:
            READS[read](lib)
        assert "\n" not in str(info.value)


@pytest.mark.postgres
def test_postgres_permission_and_timeout_are_library_errors(pg_url: str) -> None:
    import psycopg
    from psycopg import sql

    role = "skillevo_ro_" + uuid.uuid4().hex[:8]
    base, schema = pg_url.split("?")[0], pg_url.split("schema=")[1]
    ident = sql.Identifier(role)
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN").format(ident))
        admin.execute(sql.SQL("GRANT CREATE ON DATABASE test TO {}").format(ident))
        try:
            url = base.replace("postgresql://", f"postgresql://{role}@") + f"?schema={schema}"
            with SkillLibrary(url) as lib:  # the role owns the schema and tables; superusers bypass grants
                _filled(lib)
                admin.execute(sql.SQL("REVOKE SELECT ON {}.posteriors, {}.episodes FROM {}").format(
                    sql.Identifier(schema), sql.Identifier(schema), ident))
                with pytest.raises(LibraryError, match="permission denied"):
                    lib.posteriors()
                with pytest.raises(LibraryError, match="permission denied"):
                    lib.episode("e")
                admin.execute(sql.SQL("ALTER ROLE {} SET statement_timeout = 100").format(ident))
            with SkillLibrary(url) as lib, psycopg.connect(base) as locker:
                locker.execute(sql.SQL("LOCK TABLE {}.skills IN ACCESS EXCLUSIVE MODE").format(sql.Identifier(schema)))
                with pytest.raises(LibraryError, match="statement timeout"):
                    lib.skills()
                locker.rollback()
        finally:
            admin.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
            admin.execute(sql.SQL("DROP OWNED BY {}").format(ident))
            admin.execute(sql.SQL("DROP ROLE {}").format(ident))
