"""Proposal admission: one rule, `skillevo._admission.admit`, for the online loop and the nightly job."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from skillevo import Event, EventKind, Evolver, SkillLibrary, SkillStore, Strategy, Trigger, TriggerKind, load_config
from skillevo._admission import AdmissionPolicy, admit
from skillevo._mining import Miner, Proposal

_TIMEOUT = Proposal(
    name="lookup-timeout",
    description="lookup times out",
    trigger=Trigger(kind=TriggerKind.TOOL_ERROR, tool="lookup", pattern="timeout"),
    strategy=Strategy(guidance="lookup can time out: narrow the query. DO: id=7 DON'T: everything"),
)


class _Fixed(Miner):
    """Proposes `_TIMEOUT` for every episode with a failure."""

    name = "fixed-test"

    def mine(self, events: Sequence[Event], store: SkillStore) -> list[Proposal]:
        return [_TIMEOUT.model_copy(update={"episodes": [events[0].episode_id or ""]})]


def _half_timeouts(evo: Evolver) -> list[str]:
    """One episode, two failures of `lookup`: the proposal's trigger fires on one of them (50%)."""
    with evo.episode(task="t") as ep:
        ep.on_tool_error("lookup", {"q": "a"}, "Error: timeout after 30 s")
        ep.on_tool_error("lookup", {"q": "b"}, "Error: no such record")
    return list(ep.episode.metadata.get("mined", []))


@pytest.mark.parametrize(("min_rate", "admitted"), [(0.5, True), (0.75, False)])
def test_the_online_loop_honours_min_trigger_rate(min_rate: float, admitted: bool) -> None:
    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, miner=_Fixed(), mining="inline")
        evo.admission = AdmissionPolicy(min_trigger_rate=min_rate)
        mined = _half_timeouts(evo)
        assert bool(mined) is admitted
        rejected = [e.data["reason"] for e in lib.events(kind=EventKind.PROPOSAL_REJECTED)]
        assert rejected == ([] if admitted else ["fires on 50% of the 2 failures it targets (minimum 75%)"])


def test_the_config_sets_the_same_policy_online_and_nightly(tmp_path: Path) -> None:
    path = tmp_path / "skillevo.toml"
    path.write_text("[miner]\nmin_trigger_rate = 0.75\n", encoding="utf-8")
    policy = load_config(path).miner.admission()
    assert policy == AdmissionPolicy(min_trigger_rate=0.75)
    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, miner=_Fixed(), mining="inline")
        evo.admission = policy
        assert _half_timeouts(evo) == []


def test_a_known_proposal_is_recorded_online_and_only_counted_nightly() -> None:
    with SkillLibrary(":memory:") as lib:
        first = admit([_TIMEOUT], lib, miner="m", episode_id=None, policy=AdmissionPolicy())
        assert [a.proposal for a in first.admitted] == [_TIMEOUT]
        assert [e.kind for e in first.events] == [EventKind.PROPOSAL]
        lib.log_events(first.events)
        online = admit([_TIMEOUT], lib, miner="m", episode_id=None, policy=AdmissionPolicy())
        nightly = admit(
            [_TIMEOUT], lib, miner="m", episode_id=None, policy=AdmissionPolicy(), record_known=False,
            data={"run": "r1"},
        )
        for result in (online, nightly):
            assert not result.admitted and not result.rejected
            assert [name for name, _ in result.known] == ["lookup-timeout"]
        assert [e.kind for e in online.events] == [EventKind.PROPOSAL_REJECTED]
        assert nightly.events == []


def test_a_new_version_of_a_named_skill_descends_from_its_latest() -> None:
    with SkillLibrary(":memory:") as lib:
        (v1,) = admit([_TIMEOUT], lib, miner="m", episode_id=None, policy=AdmissionPolicy()).admitted
        other = _TIMEOUT.model_copy(update={"strategy": Strategy(guidance="lookup: retry with a smaller page size")})
        result = admit([other], lib, miner="m", episode_id="ep1", policy=AdmissionPolicy(), data={"run": "r1"})
        (v2,) = result.admitted
        stored = lib.version(v2.version_id)
        assert stored.parent == v1.version_id and stored.origin.episodes == ["ep1"]
        assert result.events[0].data == {"name": "lookup-timeout", "miner": "m", "kind": "guidance", "run": "r1"}
