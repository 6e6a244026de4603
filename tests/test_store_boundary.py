"""Bad input at the store's public boundary: one line of the library's own type, nothing lost, and
nothing queued that would keep every later write from going through."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from skillevo import (
    ConfigError,
    Episode,
    Event,
    EventKind,
    LibraryError,
    SkillevoError,
    SkillLibrary,
    Strategy,
    Trigger,
)
from skillevo._learning_sql import PosteriorIncrement
from skillevo._sql_conn import QueuedIncrement


@pytest.mark.parametrize("location", [123, b"/tmp/lib.db", "/tmp/a\x00b.db", ["lib.db"]])
def test_a_bad_location_is_a_config_error(location: Any) -> None:
    with pytest.raises(ConfigError, match="location"):
        SkillLibrary(location)


def test_a_bad_timeout_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="timeout"):
        SkillLibrary(tmp_path / "lib.db", timeout="soon")  # type: ignore[arg-type]


CALLS: dict[str, Callable[[SkillLibrary], Any]] = {
    "set_reward(str)": lambda lib: lib.set_reward("e", "high"),  # type: ignore[arg-type]
    "set_status(bogus)": lambda lib: lib.set_status("s@1", "bogus", reason="r"),  # type: ignore[arg-type]
    "skills(bogus)": lambda lib: lib.skills("bogus"),
    "match(bogus)": lambda lib: lib.match("bogus"),  # type: ignore[arg-type]
    "add_skill(str strategy)": lambda lib: lib.add_skill("s2", Trigger(tool="t"), "g"),  # type: ignore[arg-type]
    "add_skill(str trigger)": lambda lib: lib.add_skill("s2", "t", Strategy(guidance="g")),  # type: ignore[arg-type]
    "add_version(None)": lambda lib: lib.add_version("s", None),  # type: ignore[arg-type]
    "save_episode(dict)": lambda lib: lib.save_episode({"id": "x"}),  # type: ignore[arg-type]
    "save_episode(bad events)": lambda lib: lib.save_episode(Episode(id="x", task="t"), [1]),  # type: ignore[list-item]
    "record_episode(dict)": lambda lib: lib.record_episode({"id": "x"}),  # type: ignore[arg-type]
    "record_episode(bad events)": lambda lib: lib.record_episode(Episode(id="y", task="t"), [None]),  # type: ignore[list-item]
    "log_events(None)": lambda lib: lib.log_events([None]),  # type: ignore[list-item]
    "log_events(str)": lambda lib: lib.log_events("abc"),  # type: ignore[arg-type]
    "put_posterior(dict)": lambda lib: lib.put_posterior({"key": "k"}),  # type: ignore[arg-type]
    "increment(dict)": lambda lib: lib.increment_posterior({"key": "k"}),  # type: ignore[arg-type]
    "increment(nan)": lambda lib: lib.increment_posterior(PosteriorIncrement("k", "a", float("nan"))),
    "increment(str reward)": lambda lib: lib.increment_posterior(PosteriorIncrement("k", "a", "x")),  # type: ignore[arg-type]
    "increment(int key)": lambda lib: lib.increment_posterior(PosteriorIncrement(5, "a", 1.0)),  # type: ignore[arg-type]
    "load(no tuple)": lambda lib: SkillLibrary(":memory:").load([1]),  # type: ignore[list-item]
    "load(skill without trigger)": lambda lib: SkillLibrary(":memory:").load([("skill", {"name": "n"})]),
    "load(version without strategy)": lambda lib: SkillLibrary(":memory:").load([("version", {})]),
    "load(posterior without extra)": lambda lib: SkillLibrary(":memory:").load([("posterior", {"key": "k"})]),
    "load(posterior_key bad)": lambda lib: SkillLibrary(":memory:").load(
        [("posterior_key", {"key": "k", "steps": "x", "detections": 0, "epoch": 0})]),
    "load(meta without value)": lambda lib: SkillLibrary(":memory:").load([("meta", {"key": "k"})]),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_bad_input_is_one_line_and_blocks_nothing(tmp_path: Path, name: str) -> None:
    with SkillLibrary(tmp_path / "lib.db") as lib:
        lib.add_skill("s", Trigger(tool="t"), Strategy(guidance="g"))
        lib.save_episode(Episode(id="e", task="t"))
        with pytest.raises(SkillevoError) as info:
            CALLS[name](lib)
            lib.flush()
        assert "\n" not in str(info.value)
        # Nothing bad stays queued: every later read and write goes through.
        lib.record_episode(Episode(id="after", task="t"), [Event(kind=EventKind.TOOL_CALL, tool="t")])
        lib.increment_posterior(PosteriorIncrement("k", "a", 1.0))
        lib.reset_posteriors("other")
        assert lib.episode("after").task == "t" and lib.posteriors("k")[0].alpha == 2.0


def test_a_queued_record_that_fails_for_no_store_reason_is_dropped_alone(tmp_path: Path) -> None:
    with SkillLibrary(tmp_path / "lib.db") as lib:
        lib._behind.linger_s = 3600.0  # type: ignore[attr-defined]
        lib.record_episode(Episode(id="a", task="t"))
        # What no writer can write, failing with an error that is no store's (AttributeError): it was
        # kept queued ahead of every later record, and every later write failed with it.
        lib._behind._queue.append(QueuedIncrement(object(), 0.0))  # type: ignore[attr-defined, arg-type]
        lib.record_episode(Episode(id="b", task="t"))
        with pytest.raises(LibraryError, match="refused by the store and dropped"):
            lib.flush()
        assert {e.id for e in lib.episodes()} == {"a", "b"}
        lib.save_episode(Episode(id="c", task="t"))  # the queue is not blocked


@pytest.mark.parametrize("write", ["save_episode", "record_episode", "log_events"])
def test_events_from_a_generator_are_all_written(tmp_path: Path, write: str) -> None:
    # The boundary's check read the generator; the writer then got it empty: the episode was stored
    # without its events, and nothing was said.
    with SkillLibrary(tmp_path / "lib.db") as lib:
        events = (Event(kind=EventKind.TOOL_CALL, episode_id="e", tool="book", data={"n": n}) for n in range(3))
        if write == "log_events":
            lib.save_episode(Episode(id="e", task="t"))
            lib.log_events(events)
        else:
            getattr(lib, write)(Episode(id="e", task="t"), events)
        lib.flush()
        assert [e.data["n"] for e in lib.events(episode_id="e")] == [0, 1, 2]
