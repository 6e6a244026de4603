"""Feedback by a recorded run id, and the episode listener adapters put in traces (core only)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from skillevo import (
    NULL_ARM,
    ConfigError,
    Event,
    EventKind,
    Evolver,
    NotFoundError,
    SkillLibrary,
    Strategy,
    Trigger,
    TriggerKind,
    VersionStatus,
)


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def _evo(lib: SkillLibrary) -> Evolver:
    lib.add_skill(
        "iso",
        Trigger(kind=TriggerKind.TOOL_ERROR, tool="book", pattern="YYYY"),
        Strategy(repair={"ops": [{"op": "set", "arg": "date", "value": "2025-03-04"}]}),  # type: ignore[arg-type]
        status=VersionStatus.ACTIVE,
    )
    lib.add_skill("tip", Trigger(kind=TriggerKind.ALWAYS), Strategy(guidance="Be brief."), status=VersionStatus.ACTIVE)
    evo = Evolver(lib, miner=None, seed=0)
    for key in ("iso", "tip"):
        for _ in range(30):
            evo.selector.update(key, f"{key}@1", 1.0)
            evo.selector.update(key, NULL_ARM, 0.0)
    return evo


def test_feedback_takes_a_linked_run_id_in_this_process_and_from_the_library(lib: SkillLibrary) -> None:
    evo = _evo(lib)
    with evo.episode("t") as ep:
        ep.guidance()
        ep.link_run("run-1")
    assert lib.episode(ep.id).metadata["run_id"] == "run-1"
    assert evo.episode_for("run-1") == ep.id == evo.episode_for(ep.id)
    before = {p.arm: p.beta for p in lib.posteriors("tip")}["tip@1"]
    assert evo.feedback("run-1", 0.0).id == ep.id
    assert {p.arm: p.beta for p in lib.posteriors("tip")}["tip@1"] == before + 1
    fresh = Evolver(lib, miner=None)  # another process: found in the stored metadata
    assert fresh.feedback("run-1", 1.0).id == ep.id and lib.episode(ep.id).reward == 1.0
    with pytest.raises(NotFoundError):
        fresh.feedback("run-2", 1.0)
    with pytest.raises(ConfigError):
        evo.feedback("", 1.0)
    ep.link_run(None)  # no id known: nothing recorded, nothing raised


def test_the_listener_hears_selections_guidance_and_redacted_repairs_as_they_happen(lib: SkillLibrary) -> None:
    evo = _evo(lib)
    heard: list[Event] = []
    with evo.episode("t") as ep:
        ep.listener = heard.append
        assert "Be brief." in ep.guidance()
        kinds = [e.kind for e in heard]
        assert kinds == [EventKind.SELECTION, EventKind.GUIDANCE] and heard[1].version_id == "tip@1"
        args = {"date": "03/04/2025", "api_key": "sk-live-abcdefghijklmnopqrstuvwx"}
        retry = ep.on_tool_error("book", args, ValueError("bad date, expected YYYY-MM-DD"))
        assert retry is not None and retry["date"] == "2025-03-04"
    (repair,) = [e for e in heard if e.kind is EventKind.REPAIR]
    assert repair.episode_id == ep.id and repair.version_id == "iso@1"
    assert repair.data["before"]["date"] == "03/04/2025" and repair.data["after"]["date"] == "2025-03-04"  # type: ignore[index,call-overload]
    assert "sk-live" not in str(repair.data)  # redacted before it leaves the library
    (stored,) = lib.events(episode_id=ep.id, kind=EventKind.REPAIR)
    assert stored.data == repair.data


def test_a_failing_listener_is_logged_and_never_breaks_the_episode(
    lib: SkillLibrary, caplog: pytest.LogCaptureFixture
) -> None:
    evo = _evo(lib)

    def broken(event: Event) -> None:
        raise RuntimeError("exporter down")

    with caplog.at_level(logging.ERROR, logger="skillevo"), evo.episode("t") as ep:
        ep.listener = broken
        assert "Be brief." in ep.guidance()
        ep.finish(1.0)
    assert "trace listener failed" in caplog.text and lib.episode(ep.id).reward == 1.0
