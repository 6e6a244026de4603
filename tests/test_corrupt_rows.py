"""A corrupt stored row is the library's own one-line `LibraryError`, and the other rows stay readable."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from skillevo import Episode, Event, EventKind, LibraryError, SkillLibrary, Strategy, Trigger, VersionStatus
from skillevo._learning_sql import PosteriorIncrement


def _library(path: Path) -> None:
    with SkillLibrary(path) as lib:
        for name in ("a", "b"):
            v = lib.add_skill(name, Trigger(tool=name), Strategy(guidance="g"), status=VersionStatus.ACTIVE)
            lib.increment_posterior(PosteriorIncrement(key=name, arm=v.id, reward=1.0))
            lib.save_episode(Episode(id=f"e-{name}", task="t"), [Event(kind=EventKind.TOOL_CALL, tool=name)])


def _corrupt(path: Path, statement: str) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(statement)
    conn.close()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE posteriors SET alpha = 'many' WHERE key = 'a'",
        "UPDATE posteriors SET alpha = -1 WHERE key = 'a'",
        "UPDATE posteriors SET extra = '{not json' WHERE key = 'a'",
        "UPDATE posteriors SET extra = '[1, 2]' WHERE key = 'a'",
    ],
)
def test_a_corrupt_posterior_row_is_one_line(tmp_path: Path, statement: str) -> None:
    path = tmp_path / "lib.db"
    _library(path)
    _corrupt(path, statement)
    with SkillLibrary(path) as lib:
        reads = [lambda: lib.posteriors("a"), lambda: lib.posterior_snapshot("a")]
        if "alpha" in statement:  # a skill's versions carry their arm's alpha and beta (not its extra)
            reads.append(lambda: lib.skill("a"))
        for read in reads:
            with pytest.raises(LibraryError, match=r"corrupt posteriors row .*'a'") as info:
                read()
            assert "\n" not in str(info.value) and "many" not in str(info.value)  # the stored value is not echoed
        assert lib.posteriors("b")[0].alpha == 2.0  # the other skill reads as before
        assert lib.skill("b").versions[0].alpha == 2.0
        assert lib.posterior_snapshot("b")[0][0].alpha == 2.0


@pytest.mark.parametrize(
    ("statement", "read", "table"),
    [
        ("UPDATE episodes SET metadata = '{oops' WHERE id = 'e-a'", "episode", "episodes"),
        ("UPDATE events SET data = 'nope' WHERE tool = 'a'", "events", "events"),
        ("UPDATE versions SET strategy = '{' WHERE skill = 'a'", "skill", "versions"),
        ("UPDATE skills SET trigger = '[]' WHERE name = 'a'", "skill", "skills"),
        ("UPDATE versions SET status = 'zombie' WHERE skill = 'a'", "skill", "versions"),
    ],
)
def test_a_corrupt_json_column_is_one_line(tmp_path: Path, statement: str, read: str, table: str) -> None:
    path = tmp_path / "lib.db"
    _library(path)
    _corrupt(path, statement)
    with SkillLibrary(path) as lib:
        readers = {
            "episode": (lambda: lib.episode("e-a"), lambda: lib.episode("e-b")),
            "events": (lambda: lib.events(tool="a"), lambda: lib.events(tool="b")),
            "skill": (lambda: lib.skill("a"), lambda: lib.skill("b")),
        }
        bad, good = readers[read]
        with pytest.raises(LibraryError, match=f"corrupt {table} row"):
            bad()
        assert good()  # the other rows still read
        assert lib.match(lib.skill("b").trigger.kind, "b")[0].name == "b"


# ---------------------------------------------------------------- one unreadable skill among many
#
# A multi-skill read (trigger matching on the agent's path, the Evolver's passes, train) skips the
# skill it cannot read, warns once per row, and every other skill keeps working; nothing is
# changed. Reads of one named thing still raise; listings name it; export and migrate refuse.

_SECRET = "hunter2-SECRET-VALUE"
# Each leaves `shop-b` unreadable on both backends (a JSON column PostgreSQL types as jsonb takes
# valid JSON only: the models refuse it there).
_UNREADABLE = {
    "strategy-not-json": ("UPDATE versions SET strategy = '{\"guidance\": \"" + _SECRET + "' WHERE skill = 'shop-b'",
                          "versions"),
    "strategy-wrong-type": ("UPDATE versions SET strategy = '{\"guidance\": [\"" + _SECRET + "\"]}' "
                            "WHERE skill = 'shop-b'", "versions"),
    "status-unknown": ("UPDATE versions SET status = 'zombie' WHERE skill = 'shop-b'", "versions"),
    "trigger-not-object": ("UPDATE skills SET trigger = '[\"" + _SECRET + "\"]' WHERE name = 'shop-b'", "skills"),
    "posterior-negative": ("UPDATE posteriors SET alpha = -1 WHERE key = 'shop-b'", "posteriors"),
    # attack10: JSON nested past the decoder's recursion limit (json raises RecursionError, no ValueError)
    "strategy-nested-deep": ("UPDATE versions SET strategy = '{\"guidance\": " + "[" * 100_000 + "]" * 100_000 + "}' "
                             "WHERE skill = 'shop-b'", "versions"),
}
_PG_UNREADABLE = [k for k in _UNREADABLE if k not in ("strategy-not-json", "strategy-nested-deep")]


def _shop_library(location: str) -> None:
    with SkillLibrary(location) as lib:
        for name, guidance in (("shop-a", "use ISO dates"), ("shop-b", "b guidance"), ("shop-c", "c guidance")):
            v = lib.add_skill(name, Trigger(tool="shop" if name != "shop-c" else "*"), Strategy(guidance=guidance),
                              status=VersionStatus.ACTIVE)
            lib.increment_posterior(PosteriorIncrement(key=name, arm=v.id, reward=1.0))


def _corrupt_any(location: str, statement: str) -> None:
    if location.startswith("postgresql"):
        import psycopg

        url, schema = location.split("?schema=")
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'SET search_path TO "{schema}"')
            conn.execute(statement)  # type: ignore[arg-type]
    else:
        _corrupt(Path(location), statement)


def _raw(location: str) -> list[tuple[str, ...]]:
    """Every skills and versions row as text, read past the models (to show nothing was rewritten)."""
    with SkillLibrary(location) as lib, lib._read() as conn:
        skills = lib._x(conn, "SELECT name, trigger FROM skills ORDER BY name").fetchall()
        versions = lib._x(conn, "SELECT id, strategy, status FROM versions ORDER BY id").fetchall()
    return [tuple(str(v) for v in dict(r).values()) for r in [*skills, *versions]]


@pytest.fixture(params=["sqlite", "postgres"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "lib.db")
    return str(request.getfixturevalue("pg_url"))


@pytest.mark.parametrize("case", list(_UNREADABLE))
def test_an_unreadable_skill_is_skipped_by_every_multi_skill_read(
    location: str, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    from skillevo import Evolver, TriggerKind

    if location.startswith("postgresql") and case not in _PG_UNREADABLE:
        pytest.skip("PostgreSQL stores valid JSON only")
    statement, table = _UNREADABLE[case]
    _shop_library(location)
    _corrupt_any(location, statement)
    before = _raw(location)
    with SkillLibrary(location) as lib, caplog.at_level("WARNING", logger="skillevo"):
        evo = Evolver(lib, mining="inline")
        for _ in range(2):
            assert [s.name for s in lib.skills()] == ["shop-a", "shop-c"]
            assert [s.name for s in lib.skills(status=VersionStatus.ACTIVE)] == ["shop-a", "shop-c"]
            assert [s.name for s in lib.match(TriggerKind.TOOL_ERROR, "shop")] == ["shop-a", "shop-c"]
            assert [s.name for s in lib.match(TriggerKind.TOOL_ERROR, None)] == ["shop-c"]
            with evo.episode(task="t") as ep:
                text = ep.guidance(["shop"])
                assert ("use ISO dates" in text or "c guidance" in text) and "b guidance" not in text
                ep.before_tool("shop", {"date": "2024-01-01"})
        evo.register_tools({"shop": {"properties": {"date": {"type": "string"}}}})  # the transfer pass
        assert [v.id for v in evo.lifecycle.pending()] == []  # the lifecycle's passes read every skill
        evo.lifecycle.evaluate("shop-a")
        # The one named thing still raises its one-line error, naming the row.
        with pytest.raises(LibraryError, match=f"corrupt {table} row .*shop-b"):
            lib.skill("shop-b")
        for arms in ({p.arm for p in lib.posteriors()}, {p.arm for p in lib.posterior_snapshot()[0]}):
            assert {"shop-a@1", "shop-c@1"} <= arms and ("shop-b@1" in arms) is (table != "posteriors")
        assert lib.unreadable_skills().keys() == {"shop-b"}
        assert f"corrupt {table} row" in lib.unreadable_skills()["shop-b"]
    warnings = [r.getMessage() for r in caplog.records if "shop-b" in r.getMessage()]
    # once per row, however many reads (a posterior row: as an arm, and as the state of its version)
    assert len(warnings) == (2 if table == "posteriors" else 1), warnings
    assert f"corrupt {table} row" in warnings[0] and "\n" not in warnings[0]
    assert not any(_SECRET in r.getMessage() for r in caplog.records)  # the stored value is never echoed
    assert _raw(location) == before  # nothing deleted or rewritten


def test_an_unreadable_glob_trigger_is_left_out_of_the_match(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from skillevo import TriggerKind

    path = str(tmp_path / "lib.db")
    _shop_library(path)
    _corrupt_any(path, "UPDATE skills SET trigger = '[\"" + _SECRET + "\"]' WHERE name = 'shop-c'")  # tool '*'
    with SkillLibrary(path) as lib, caplog.at_level("WARNING", logger="skillevo"):
        assert [s.name for s in lib.match(TriggerKind.TOOL_ERROR, "shop")] == ["shop-a", "shop-b"]
        assert [s.name for s in lib.match(TriggerKind.TOOL_ERROR, "other")] == []
    assert any("corrupt skills row (name 'shop-c')" in r.getMessage() for r in caplog.records)
    assert not any(_SECRET in r.getMessage() for r in caplog.records)


def test_a_skill_with_an_unreadable_retired_version_is_left_out_of_the_match(tmp_path: Path) -> None:
    """Matched on its readable active version, it would be chosen and credited, and the lifecycle's
    read of the whole skill after the credit would fail the episode's `finish()`."""
    from skillevo import Evolver

    path = str(tmp_path / "lib.db")
    with SkillLibrary(path) as lib:
        lib.add_skill("shop-b", Trigger(tool="shop"), Strategy(guidance="b old"), status=VersionStatus.ACTIVE)
        lib.add_version("shop-b", Strategy(guidance="b new"), status=VersionStatus.TESTING)
        lib.set_status("shop-b@1", VersionStatus.RETIRED, reason="superseded")
        lib.set_status("shop-b@2", VersionStatus.ACTIVE, reason="won")
        lib.add_skill("shop-a", Trigger(tool="shop"), Strategy(guidance="use ISO dates"), status=VersionStatus.ACTIVE)
    _corrupt_any(path, "UPDATE versions SET strategy = '{' WHERE id = 'shop-b@1'")
    with SkillLibrary(path) as lib:
        evo = Evolver(lib, mining="inline")
        for _ in range(5):
            with evo.episode(task="t") as ep:
                assert "b new" not in ep.guidance(["shop"])
                ep.before_tool("shop", {"date": "2024-01-01"})
            evo.feedback(ep.id, 1.0)
        with pytest.raises(LibraryError, match=r"corrupt versions row \(id 'shop-b@1'\)"):
            lib.skill("shop-b")


def test_a_row_gone_unreadable_after_the_match_does_not_fail_the_episode(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The match is cached (`cache_ttl_s`): a skill chosen from it is credited, and the lifecycle's
    read of it after the credit meets the row gone unreadable meanwhile."""
    from skillevo import Evolver

    path = str(tmp_path / "lib.db")
    with SkillLibrary(path) as lib:
        lib.add_skill("shop-a", Trigger(tool="shop"), Strategy(guidance="use ISO dates"), status=VersionStatus.ACTIVE)
    with SkillLibrary(path) as lib, caplog.at_level("WARNING", logger="skillevo"):
        evo = Evolver(lib, mining="inline", cache_ttl_s=3600.0)
        for i in range(10):  # the seeded selector chooses the skill in some of them
            with evo.episode(task="t") as ep:
                ep.guidance(["shop"])
                ep.before_tool("shop", {"date": "2024-01-01"})
                if i == 0:
                    _corrupt_any(path, "UPDATE versions SET strategy = '{' WHERE id = 'shop-a@1'")
            evo.feedback(ep.id, 1.0)
    warnings = [r.getMessage() for r in caplog.records if "shop-a@1" in r.getMessage()]
    assert len(warnings) == 1 and "lifecycle" in warnings[0], warnings


def test_a_strict_read_of_one_version_still_raises(tmp_path: Path) -> None:
    path = str(tmp_path / "lib.db")
    _shop_library(path)
    _corrupt_any(path, _UNREADABLE["strategy-not-json"][0])
    with SkillLibrary(path) as lib:
        with pytest.raises(LibraryError, match=r"corrupt versions row \(id 'shop-b@1'\)"):
            lib.version("shop-b@1")
        assert lib.version("shop-a@1").strategy.guidance == "use ISO dates"


def _cli(*argv: str) -> int:
    from skillevo.cli import main

    return main(list(argv))


@pytest.mark.parametrize("command", [["ls"], ["ls", "--json"], ["stats"], ["stats", "--json"], ["diff"]])
def test_listings_show_the_readable_skills_and_name_the_unreadable(
    tmp_path: Path, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(tmp_path / "lib.db")
    _shop_library(path)
    _corrupt_any(path, _UNREADABLE["strategy-not-json"][0])
    assert _cli(*command, "--db", path) == 0
    out, err = capsys.readouterr()
    assert "shop-a" in out and "shop-c" in out
    assert "shop-b" not in out  # stdout stays what it was (JSON parses) ...
    lines = [line for line in err.splitlines() if "shop-b" in line]
    assert len(lines) == 1 and "unreadable" in lines[0] and "corrupt versions row" in lines[0]  # ... stderr names it
    assert _SECRET not in out + err


def test_show_of_the_unreadable_skill_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(tmp_path / "lib.db")
    _shop_library(path)
    _corrupt_any(path, _UNREADABLE["strategy-not-json"][0])
    assert _cli("show", "shop-b", "--db", path) == 1
    err = capsys.readouterr().err
    assert "corrupt versions row (id 'shop-b@1')" in err and _SECRET not in err
    assert _cli("show", "shop-a", "--db", path) == 0


def test_export_refuses_a_library_with_an_unreadable_skill(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(tmp_path / "lib.db")
    _shop_library(path)
    _corrupt_any(path, _UNREADABLE["strategy-not-json"][0])
    out = tmp_path / "out"
    assert _cli("export", str(out), "--db", path) == 1
    err = capsys.readouterr().err
    assert "shop-b" in err and "corrupt versions row" in err and len(err.strip().splitlines()) == 1
    assert not out.exists() or not any(out.iterdir())  # nothing half-exported
    with SkillLibrary(path) as lib:  # the skills asked for by name export when they read
        assert [p.name for p in lib.export_skills(out, ["shop-a"])] == ["shop-a"]
        with pytest.raises(LibraryError, match="shop-b"):
            lib.export_skills(out, ["shop-b"])


@pytest.mark.parametrize("case", [*_PG_UNREADABLE, "strategy-not-json"])
def test_migrate_refuses_a_library_with_an_unreadable_row(
    tmp_path: Path, case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    statement, table = _UNREADABLE[case]
    path, dst = str(tmp_path / "lib.db"), str(tmp_path / "copy.db")
    _shop_library(path)
    _corrupt_any(path, statement)
    before = _raw(path)
    assert _cli("migrate", path, dst) == 1
    err = capsys.readouterr().err
    assert f"corrupt {table} row" in err and "shop-b" in err and _SECRET not in err
    with SkillLibrary(dst) as copy:
        assert copy.skills() == [] and copy.count_events() == 0  # nothing copied, nothing rewritten
    assert _raw(path) == before
