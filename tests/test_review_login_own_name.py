"""A person whose login is one of skillevo's own deciders' names (``train``, ``process``, a service
account called ``skillevo``) still reviews without ``--actor``.

The review commands record the login as the decider when ``--actor`` is not given. Since attack35
those names are reserved (`skillevo._actors`: a forged ``lifecycle`` approval must not be
written), and a reviewer logged in as ``train`` got "actor 'train' is the name of one of skillevo's
own deciders: act under your own name" for their own name, nothing recorded. Their login is now
recorded marked as a login (``train (login)``): theirs, and never read as skillevo's own.
"""

from __future__ import annotations

import getpass
from pathlib import Path

import pytest

from skillevo import EventKind, SkillLibrary, VersionStatus
from skillevo._models import Strategy, Trigger, TriggerKind
from skillevo._review_gate import is_approved
from skillevo._review_mode import set_review_mode
from skillevo.cli import main


@pytest.mark.parametrize("login", ["train", "Process", "skillevo"])
def test_a_login_named_like_an_own_decider_approves_as_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, login: str
) -> None:
    db = tmp_path / "lib.db"
    with SkillLibrary(db) as lib:
        set_review_mode(lib, "required", reason="the team reviews every skill", actor="ops")
        vid = lib.add_skill("dates", Trigger(kind=TriggerKind.TOOL_ERROR, tool="book"),
                            Strategy(guidance="Write dates as YYYY-MM-DD."), status=VersionStatus.TESTING).id
    monkeypatch.setattr(getpass, "getuser", lambda: login)
    assert main(["review", "approve", vid, "--reason", "read it", "--db", str(db)]) == 0
    with SkillLibrary(db) as lib:
        version = lib.version(vid)
        assert version.status is VersionStatus.ACTIVE and is_approved(lib, version)
        actor = str(lib.events(kind=EventKind.REVIEW, version_id=vid)[-1].data["actor"])
    assert login in actor and actor != login  # the person's login, never skillevo's own name


def test_an_explicit_own_name_is_still_refused(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    with SkillLibrary(db) as lib:
        vid = lib.add_skill("dates", Trigger(kind=TriggerKind.TOOL_ERROR, tool="book"),
                            Strategy(guidance="Write dates as YYYY-MM-DD."), status=VersionStatus.TESTING).id
    assert main(["review", "approve", vid, "--reason", "x", "--actor", "lifecycle", "--db", str(db)]) == 1
    with SkillLibrary(db) as lib:
        assert lib.version(vid).status is VersionStatus.TESTING
