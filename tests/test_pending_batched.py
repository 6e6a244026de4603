"""`Lifecycle.pending` (``skillevo review list``) judges the active versions with a fixed number of reads.

Under ``required`` (the CLI's review lifecycle) every active version was asked `is_approved` one at a
time: on a library never gated, a read of the ``review.gated_since`` mark per version (522 of the
724 statements of ``review list`` on 521 skills); on a gated one, two event reads per version. The
mark is now read once and the review and lifecycle events once for all the active versions; the
versions listed are unchanged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from skillevo import SkillLibrary, Strategy, Trigger, TriggerKind, VersionStatus
from skillevo._lifecycle import Lifecycle
from skillevo._models import EventKind
from skillevo._review_gate import ReviewGate, gated_since, is_approved
from skillevo._selection import ThompsonSelector

N = 40


def _library(path: Path, gated: bool) -> SkillLibrary:
    lib = SkillLibrary(path)
    for i in range(N):
        lib.add_skill(f"s{i:02d}", Trigger(kind=TriggerKind.TOOL_ERROR, tool=f"t{i % 5}"),
                      Strategy(guidance=f"Rule {i}."), status=VersionStatus.ACTIVE if i % 4 else VersionStatus.TESTING)
    if gated:
        ReviewGate(lib, "required")  # marks the library gated: the versions active now stay approved
    for i in range(N):
        name = f"s{i:02d}"
        if i % 5 == 0:  # made active after the switch by another route: unapproved
            lib.add_version(name, Strategy(guidance=f"Rule {i}, again."), status=VersionStatus.ACTIVE)
        elif i % 7 == 0:  # approved by a person after the switch
            v = lib.add_version(name, Strategy(guidance=f"Rule {i}, approved."), status=VersionStatus.TESTING)
            Lifecycle(lib, ThompsonSelector(seed=0), review="required").approve(v.id, "ok", actor="ann")
        elif i % 9 == 0:  # retired, then made active again: its old approval is spent
            vid = lib.skill(name).versions[0].id
            lib.set_status(vid, VersionStatus.RETIRED, reason="r")
            lib.set_status(vid, VersionStatus.ACTIVE, reason="back")
    return lib


def _reference(lib: SkillLibrary) -> list[str]:
    """What pending listed by asking each version on its own (the loop as it was)."""
    since = gated_since(lib)
    out = []
    for skill in lib.skills():
        for v in skill.versions:
            active = v.status is VersionStatus.ACTIVE
            if v.status is VersionStatus.TESTING or (active and not is_approved(lib, v, since)):
                out.append(v.id)
    return out


@pytest.mark.parametrize("gated", [False, True])
def test_pending_lists_the_same_versions_with_reads_independent_of_the_library(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gated: bool
) -> None:
    with _library(tmp_path / "lib.db", gated) as lib:
        expected = _reference(lib)
        if gated:
            assert any(v.endswith("@2") for v in expected) and len(expected) > N // 4  # unapproved actives listed
        life = Lifecycle(lib, ThompsonSelector(seed=0), review="required")  # (reads the library's review mark)
        reads: list[Any] = []
        events, get_meta = lib.events, lib.get_meta
        monkeypatch.setattr(lib, "events", lambda **kw: reads.append(("events", kw)) or events(**kw))
        monkeypatch.setattr(lib, "get_meta", lambda key: reads.append(("meta", key)) or get_meta(key))
        assert [v.id for v in life.pending()] == expected
        assert len(reads) <= 3, reads
        assert all(kw.get("kind") in (EventKind.REVIEW, EventKind.LIFECYCLE) and "version_id" not in kw
                   for name, kw in reads if name == "events")
