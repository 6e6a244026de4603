"""A status decision cannot carry the name of one of skillevo's own deciders (attack35).

Under a gated review mode a version is approved by a person's review, by a test the lifecycle won
(a ``lifecycle`` event by the actor ``lifecycle`` from testing to active), or by having been active
when review became gated (an event by ``review-gate``). The actor was free text on every road: a
script calling ``set_status(..., actor="lifecycle")``, or logging a ``review-gate`` event beside its
own activation, had a version no person reviewed approved; and a person's ``--actor lifecycle``
recorded their approval as the lifecycle's. Now a name skillevo's own deciders carry (in any case or
spacing) is refused with a one-line `ConfigError` outside their own decisions, on every road into
the log; nothing is written.
"""

from __future__ import annotations

import pytest

from skillevo import ConfigError, Evolver, SkillLibrary, Strategy, Trigger, TriggerKind, VersionStatus
from skillevo._lifecycle import Lifecycle
from skillevo._models import Event, EventKind
from skillevo._review_gate import is_approved
from skillevo._review_mode import set_review_mode
from skillevo._selection import ThompsonSelector


def _lifecycle(lib: SkillLibrary) -> Lifecycle:
    return Lifecycle(lib, ThompsonSelector(seed=0))


def _gated_library() -> tuple[SkillLibrary, str]:
    lib = SkillLibrary(":memory:")
    Evolver(lib, sandbox=None, miner=None, review="required")  # writes the gated mark
    lib.add_skill("s", Trigger(kind=TriggerKind.TOOL_ERROR, tool="t"), Strategy(guidance="Send the id."),
                  status=VersionStatus.TESTING)
    return lib, "s@1"


@pytest.mark.parametrize("actor", ["lifecycle", "review-gate", "Lifecycle", " review gate ", "skillevo", "train"])
def test_set_status_refuses_an_own_actor(actor: str) -> None:
    lib, vid = _gated_library()
    with pytest.raises(ConfigError) as caught:
        lib.set_status(vid, VersionStatus.ACTIVE, reason="won", actor=actor, expected=VersionStatus.TESTING)
    assert "\n" not in str(caught.value)
    version = lib.version(vid)
    assert version.status is VersionStatus.TESTING
    assert not is_approved(lib, version)


def test_a_forged_gate_event_beside_a_script_activation_is_refused() -> None:
    lib, vid = _gated_library()
    lib.set_status(vid, VersionStatus.ACTIVE, reason="script", actor="deploy-bot")
    forged = Event(kind=EventKind.LIFECYCLE, version_id=vid,
                   data={"from": "active", "to": "active", "actor": "review-gate", "reason": "x"})
    with pytest.raises(ConfigError):
        lib.log_events([forged])
    assert not is_approved(lib, lib.version(vid))


@pytest.mark.parametrize("road", ["approve", "reject", "review_mode"])
def test_a_person_cannot_act_under_an_own_name(road: str) -> None:
    lib, vid = _gated_library()
    before = len(lib.events())
    with pytest.raises(ConfigError):
        if road == "approve":
            _lifecycle(lib).approve(vid, "looks fine", actor="lifecycle")
        elif road == "reject":
            _lifecycle(lib).reject(vid, "no", actor="review-gate")
        else:
            set_review_mode(lib, "auto", reason="relax", actor="process")
    assert len(lib.events()) == before
    assert lib.version(vid).status is VersionStatus.TESTING


def test_a_person_and_skillevo_itself_still_decide() -> None:
    lib, vid = _gated_library()
    _lifecycle(lib).approve(vid, "looks fine", actor="alice")
    version = lib.version(vid)
    assert version.status is VersionStatus.ACTIVE and is_approved(lib, version)
    assert lib.events(kind=EventKind.REVIEW, version_id=vid)[-1].data["actor"] == "alice"
    # The library's own bookkeeping (a version created, a mark written) still records its own name.
    assert lib.events(kind=EventKind.LIFECYCLE, version_id=vid)[0].data["actor"] == "skillevo"
