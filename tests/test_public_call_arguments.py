"""Public calls given what a new user passes: a status as its text, a path where an object goes, a
pool size as text, the libpq URL of a local server. Each works, or is one line of skillevo's own
error; none is an AttributeError or TypeError from deep inside."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from skillevo import (
    ConfigError,
    SkillLibrary,
    Strategy,
    Trigger,
    TriggerKind,
    VersionStatus,
    library_diff,
    load_config,
    run_train,
)

TRIGGER = Trigger(kind=TriggerKind.TOOL_ERROR, tool="book")


def test_a_status_given_as_its_text_is_that_status() -> None:
    with SkillLibrary(":memory:") as lib:
        first = lib.add_skill("iso-dates", TRIGGER, Strategy(guidance="Write dates as YYYY-MM-DD."), status="active")  # type: ignore[arg-type]
        second = lib.add_version("iso-dates", Strategy(guidance="Dates are YYYY-MM-DD."), status="testing")  # type: ignore[arg-type]
        assert (first.status, second.status) == (VersionStatus.ACTIVE, VersionStatus.TESTING)
        assert [s.name for s in lib.skills(status="active")] == ["iso-dates"]


@pytest.mark.parametrize("status", ["bogus", 3, None])
def test_an_unknown_status_is_one_config_error_and_writes_nothing(status: object) -> None:
    with SkillLibrary(":memory:") as lib:
        with pytest.raises(ConfigError, match="status: expected one of") as info:
            lib.add_skill("iso-dates", TRIGGER, Strategy(guidance="x"), status=status)  # type: ignore[arg-type]
        assert "\n" not in str(info.value)
        assert lib.skills() == []


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda lib, p: library_diff(p, lib), id="diff-old-path"),
        pytest.param(lambda lib, p: library_diff(None, p), id="diff-new-path"),
        pytest.param(lambda lib, p: library_diff(5, lib), id="diff-old-int"),
        pytest.param(lambda lib, p: run_train(p), id="train-path"),
        pytest.param(lambda lib, p: run_train({"library": {"db": p}}), id="train-dict"),
        pytest.param(lambda lib, p: load_config(5), id="config-int"),
        pytest.param(lambda lib, p: load_config(None), id="config-none"),
    ],
)
def test_the_wrong_kind_of_argument_to_a_public_function_is_one_config_error(call: Any, tmp_path: Path) -> None:
    path = str(tmp_path / "skills.db")
    with SkillLibrary(path) as lib:
        with pytest.raises(ConfigError) as info:
            call(lib, path)
    assert "\n" not in str(info.value)
    assert "expected" in str(info.value)


@pytest.mark.parametrize("size", [0, -1, "8", 2.5, True])
def test_a_bad_pool_size_is_one_config_error(pg_url: str, size: object) -> None:
    with pytest.raises(ConfigError, match="max_size") as info:
        SkillLibrary(pg_url, max_size=size)
    assert "\n" not in str(info.value)


def test_a_pool_smaller_than_its_minimum_is_one_config_error(pg_url: str) -> None:
    with pytest.raises(ConfigError, match="min_size"):
        SkillLibrary(pg_url, min_size=4, max_size=2)


def test_the_local_server_url_with_an_empty_host_opens(pg_url: str) -> None:
    # postgresql:///db is libpq's URL for the local server (host and port from the query or the
    # environment); taking skillevo's schema= out of it once rewrote it as postgresql:/db.
    rest = pg_url.split("://", 1)[1]
    hostport, _, tail = rest.partition("/")
    host, _, port = hostport.partition(":")
    db, _, query = tail.partition("?")
    url = f"postgresql:///{db}?host={host}&port={port or 5432}&{query}"
    with SkillLibrary(url) as lib:
        lib.add_skill("iso-dates", TRIGGER, Strategy(guidance="Write dates as YYYY-MM-DD."))
    with SkillLibrary(pg_url) as lib:
        assert [s.name for s in lib.skills()] == ["iso-dates"]


@pytest.mark.parametrize("complete", ["gpt-4o", None, 5])
def test_an_llm_miner_without_a_callable_is_one_config_error(complete: object) -> None:
    # LLMMiner("gpt-4o") was accepted; every mining call then failed inside ("'str' object is not
    # callable"), was logged as a model failure and spent the call budget, and nothing was mined.
    from skillevo import LLMMiner

    with pytest.raises(ConfigError, match="LLMMiner") as info:
        LLMMiner(complete)  # type: ignore[arg-type]
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("options", [{"max_calls": "100"}, {"max_calls": -1}, {"max_failures_per_episode": 0}])
def test_an_llm_miner_budget_of_the_wrong_kind_is_one_config_error(options: dict[str, Any]) -> None:
    from skillevo import LLMMiner

    with pytest.raises(ConfigError):
        LLMMiner(lambda prompt: "", **options)
