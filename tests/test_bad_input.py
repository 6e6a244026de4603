"""Bad input at the library / Evolver / CLI boundary: one line of skillevo's own error, bounded work."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from skillevo import ConfigError, Evolver, LibraryError, SkillLibrary, Strategy, Trigger, TriggerKind
from skillevo._config import config_from_dict
from skillevo._detect import CLASSIFY_CHARS, classify_error, error_signature, failure_from_exception
from skillevo.cli import main


@pytest.fixture
def evo() -> Evolver:
    return Evolver(SkillLibrary(":memory:"), miner=None, sandbox=None)


@pytest.mark.parametrize("reward", ["0.7", True, False, None, float("nan"), 1.5, -0.1, [1]])
def test_rewards_must_be_real_numbers_in_the_unit_interval(evo: Evolver, reward: object) -> None:
    ep = evo.episode("t")
    if reward is None:
        assert ep.finish(None).reward is None  # no reward is not a bad reward
        return
    with pytest.raises(ConfigError, match="reward must be") as info:
        ep.finish(reward)  # type: ignore[arg-type]
    assert "\n" not in str(info.value)


def test_a_path_instead_of_a_library_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"Evolver\(SkillLibrary") as info:
        Evolver(str(tmp_path / "skills.db"))  # type: ignore[arg-type]
    assert "\n" not in str(info.value)


def test_a_bad_skill_name_is_the_librarys_own_error() -> None:
    with SkillLibrary(":memory:") as lib, pytest.raises(ConfigError, match="invalid skill 'Bad Name!'") as info:
        lib.add_skill("Bad Name!", Trigger(kind=TriggerKind.TOOL_ERROR, tool="t"), Strategy(guidance="x"))
    assert "\n" not in str(info.value)


def test_three_thousand_deep_arguments_are_recorded_bounded(evo: Evolver) -> None:
    deep: dict[str, object] = {}
    node = deep
    for _ in range(3000):
        node["a"] = {}
        node = node["a"]  # type: ignore[assignment]
    ep = evo.episode("t")
    args = ep.before_tool("tool", {"a": deep})
    assert ep.on_tool_error("tool", args, ValueError("bad")) is None
    ep.on_tool_result("tool", {"a": deep}, deep)
    ep.finish(1.0)
    evo.store.flush()
    stored = evo.store.events(episode_id=ep.id)
    assert stored and "…" in str(stored[0].data)  # cut at a bounded depth, not a RecursionError


def test_a_ten_megabyte_error_is_read_only_up_to_a_bound(evo: Evolver) -> None:
    huge = "x" * 10_000_000 + " timed out"
    assert classify_error(huge) == classify_error(huge[:CLASSIFY_CHARS])  # the tail is never read
    assert len(failure_from_exception(ValueError(huge)).message) <= CLASSIFY_CHARS
    assert len(error_signature(huge)) <= 200
    ep = evo.episode("t")
    assert ep.on_tool_error("tool", {"q": 1}, ValueError(huge)) is None
    ep.finish(1.0)
    evo.store.flush()
    [error] = [e for e in evo.store.events(episode_id=ep.id) if e.kind == "tool_error"]
    assert len(str(error.data["error"])) <= CLASSIFY_CHARS


def test_classification_does_not_read_quoted_values() -> None:
    # The value a message quotes is the instance: it may say anything and must not change the class.
    template = "invalid status {!r}: must be one of 'open', 'closed'"
    classes = {classify_error(template.format(v)) for v in ("x", "busy", "timeout", "rate limited 429")}
    assert len(classes) == 1
    assert classify_error("can't parse the date, don't retry") == "format"  # apostrophes quote nothing


def test_sqlite_url_without_a_path_is_refused() -> None:
    with pytest.raises(LibraryError, match="names no file"):
        SkillLibrary("sqlite:///")


def test_a_home_relative_path_is_expanded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    with SkillLibrary("~/lib.db") as lib:
        lib.set_meta("k", "v")
    assert (tmp_path / "lib.db").exists()
    assert main(["stats", "--db", "~/lib.db"]) == 0


def test_export_grpo_of_an_empty_library_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    SkillLibrary(tmp_path / "lib.db").close()
    assert main(["export", "grpo", str(tmp_path / "out"), "--db", str(tmp_path / "lib.db")]) == 1
    err = capsys.readouterr().err
    assert "nothing to export" in err and "Traceback" not in err


def test_export_to_an_impossible_folder_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    SkillLibrary(tmp_path / "lib.db").close()
    assert main(["export", "/proc/skillevo-no/such", "--db", str(tmp_path / "lib.db")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error:") and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_durability_comes_from_the_config() -> None:
    config = config_from_dict({"library": {"db": ":memory:", "durability": "sync"}})
    with config.open_library() as lib:
        assert lib.durability == "sync"  # type: ignore[attr-defined]
    with pytest.raises(ConfigError, match=r"library\.durability"):
        config_from_dict({"library": {"durability": "fast"}})


@pytest.mark.parametrize(
    ("args", "recorded"),
    [
        ({1: "a"}, {"1": "a"}),
        ({(1, 2): "a"}, {"(1, 2)": "a"}),
        ({"x": {(1, "b"): [1, {2: 3}]}}, {"x": {"(1, 'b')": [1, {"2": 3}]}}),
        ({None: 1, 2.5: 2, True: 3, (0,): 4}, {"null": 1, "2.5": 2, "true": 3, "(0,)": 4}),
    ],
)
def test_arguments_with_keys_that_are_not_strings_are_recorded(
    evo: Evolver, args: dict[object, object], recorded: dict[str, object]
) -> None:
    ep = evo.episode("t")
    assert ep.before_tool("tool", args) is args  # nothing to repair: the call runs as it came
    assert ep.on_tool_error("tool", args, ValueError("bad")) is None
    ep.finish(1.0)
    evo.store.flush()
    kinds = {e.kind.value: e.data for e in evo.store.events(episode_id=ep.id)}
    assert kinds["tool_error"]["args"] == recorded  # keys as JSON would write them, the same every time


def test_a_tool_call_with_tuple_keys_runs_and_is_recorded(evo: Evolver) -> None:
    from skillevo.adapters import call_tool, record_error

    ran: list[object] = []
    ep = evo.episode("t")
    out = call_tool(ep, "tool", {"m": {(1, 2): "a"}}, lambda a: ran.append(a) or "ok")
    assert out == "ok" and ran == [{"m": {(1, 2): "a"}}]
    record_error(ep, "probe", RuntimeError("x"))  # the first skillevo error wins: there was none before
    assert ep.episode.metadata["skillevo_error"].startswith("probe")
    ep.finish(1.0)
    evo.store.flush()
    (event,) = [e for e in evo.store.events(episode_id=ep.id) if e.kind.value == "tool_call"]
    assert event.data["args"] == {"m": {"(1, 2)": "a"}}


class _Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("str fails")

    __repr__ = __str__


@pytest.mark.parametrize("durability", ["sync", "batched"])
def test_arguments_that_cannot_be_printed_are_recorded_and_never_raise(tmp_path: Path, durability: str) -> None:
    # An object whose __str__ raises, and an int too wide for Python to print (> 4,300 digits):
    # the call runs, and the episode is stored with markers in their place.
    with SkillLibrary(tmp_path / "lib.db", durability=durability) as lib:  # type: ignore[arg-type]
        evo = Evolver(lib, miner=None)
        ep = evo.episode("t")
        args = {"obj": _Unprintable(), "n": 10**5000, "ok": "fine"}
        assert ep.before_tool("tool", args) is args
        assert ep.on_tool_result("tool", args, "done") is False
        ep.finish(1.0)
        lib.flush()
        (stored,) = lib.episodes()
        assert stored.id == ep.id
        (call,) = [e for e in lib.events(episode_id=ep.id) if e.kind.value == "tool_call"]
        assert call.data["args"]["obj"] == "<_Unprintable>" and call.data["args"]["ok"] == "fine"
        assert call.data["args"]["n"].startswith("<int of ")


@pytest.mark.parametrize(
    ("start", "message"),
    [
        (lambda e: e.episode(None), "episode: task must be a string"),
        (lambda e: e.episode(5), "episode: task must be a string"),
        (lambda e: e.episode("t", 7), "episode: group must be a string"),
        (lambda e: e.episode("t", metadata=[1, 2]), "episode: metadata must be a mapping"),
        (lambda e: e.group(None), "group: task must be a string"),
        (lambda e: e.group("t", size="3"), "group size must be an int"),
    ],
)
def test_an_episode_or_group_started_with_bad_input_is_a_config_error(evo: Evolver, start: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        start(evo)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "read",
    [
        lambda lib: lib.events(limit=-1),
        lambda lib: lib.events(limit=2**70),
        lambda lib: lib.events(after_id=-5),
        lambda lib: lib.events(kind="nope"),
        lambda lib: lib.episodes(limit=True),
        lambda lib: lib.count_events("nope"),
        lambda lib: list(lib.iter_events(after_id=2**64)),
    ],
)
def test_a_read_with_a_bad_count_or_kind_is_a_config_error_on_every_backend(store: SkillLibrary, read: Any) -> None:
    with pytest.raises(ConfigError) as info:
        read(store)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("seed", "a"), ("seed", -1), ("seed", 1.5), ("seed", True),
        ("guidance_budget_tokens", "x"), ("guidance_budget_tokens", 2.5),
        ("cache_ttl_s", "x"), ("cache_ttl_s", -1), ("cache_ttl_s", float("nan")),
        ("null_arm", "no"), ("is_failure", 3), ("sandbox", 3), ("selector", 3), ("lifecycle", 3),
    ],
)
def test_every_evolver_argument_of_the_wrong_kind_is_a_config_error(name: str, value: object) -> None:
    # Each would otherwise fail later, inside numpy or a tool call, with a foreign error (or not at all).
    with SkillLibrary(":memory:") as lib, pytest.raises(ConfigError, match=name) as info:
        Evolver(lib, miner=None, **{name: value})  # type: ignore[arg-type]
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("seed", ["a", -1, 1.5, True])
def test_a_selector_seed_of_the_wrong_kind_is_a_config_error(seed: object) -> None:
    from skillevo import ThompsonSelector

    with pytest.raises(ConfigError, match="seed"):
        ThompsonSelector(seed=seed)  # type: ignore[arg-type]


def test_a_negative_library_timeout_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="timeout"):
        SkillLibrary(tmp_path / "lib.db", timeout=-1)
    assert not (tmp_path / "lib.db").exists()


def test_an_option_of_the_other_backend_is_a_config_error_that_says_so(tmp_path: Path) -> None:
    # Code that passes PostgreSQL pool options to a SkillLibrary whose location (SKILLEVO_DB) turns
    # out to be a file gets one line naming the backend, not a TypeError from a private class.
    with pytest.raises(ConfigError, match=r"max_size: .*PostgreSQL") as info:
        SkillLibrary(tmp_path / "lib.db", max_size=8)  # type: ignore[call-arg]
    assert "\n" not in str(info.value) and "SQLiteLibrary" not in str(info.value)
    with pytest.raises(ConfigError, match=r"bogus: not an option of SkillLibrary"):
        SkillLibrary(tmp_path / "lib.db", bogus=1)  # type: ignore[call-arg]
    assert not (tmp_path / "lib.db").exists()
