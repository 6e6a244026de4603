"""A decision cannot carry a look-alike of one of skillevo's own deciders' names (attack36).

attack35 reserved the names skillevo's own deciders write (``lifecycle``, ``review-gate``,
``skillevo``, ``train``, ``process``) in any case, spacing or compatibility form. A look-alike
letter passed: ``lifеcycle`` with a Cyrillic ``е``, ``ᴛʀᴀɪɴ`` in Latin small capitals, ``рrocess``
with a Cyrillic ``р``. A person's reinstatement or approval under such a name was written, and the
review history and report showed it as the lifecycle's own decision: the confusion the reservation
exists to prevent. Now a name is compared as a person reads it (its ASCII reading, TR39's
confusables), and each of these is refused with one line, nothing written.
"""

from __future__ import annotations

import pytest

from skillevo import ConfigError, SkillLibrary, VersionStatus
from skillevo._lifecycle import Lifecycle
from skillevo._models import Strategy, Trigger, TriggerKind
from skillevo._reinstate import reinstate
from skillevo._review_mode import set_review_mode
from skillevo._selection import ThompsonSelector

_LOOKALIKES = ["lif\u0435cycle", "ᴛʀᴀɪɴ", "\u0440rocess", "r\u0435view-gat\u0435", "ＳＫＩＬＬＥＶＯ"]


@pytest.mark.parametrize("actor", _LOOKALIKES)
def test_a_lookalike_of_an_own_name_is_refused(actor: str) -> None:
    lib = SkillLibrary(":memory:")
    set_review_mode(lib, "required", reason="the team reviews every skill", actor="ops")
    vid = lib.add_skill("dates", Trigger(kind=TriggerKind.TOOL_ERROR, tool="book"),
                        Strategy(guidance="Write dates as YYYY-MM-DD."), status=VersionStatus.ACTIVE).id
    life = Lifecycle(lib, ThompsonSelector(seed=0))
    life.reject(vid, "wrong row", actor="bob")
    before = len(lib.events())
    with pytest.raises(ConfigError) as caught:
        reinstate(life, vid, "undo", actor=actor)
    assert "\n" not in str(caught.value)
    assert len(lib.events()) == before and lib.version(vid).status is VersionStatus.REJECTED


@pytest.mark.parametrize("actor", ["José", "Ørjan", "李雷", "process-owner", "trainer"])
def test_a_persons_own_name_still_decides(actor: str) -> None:
    lib = SkillLibrary(":memory:")
    vid = lib.add_skill("dates", Trigger(kind=TriggerKind.TOOL_ERROR, tool="book"),
                        Strategy(guidance="Write dates as YYYY-MM-DD."), status=VersionStatus.TESTING).id
    Lifecycle(lib, ThompsonSelector(seed=0)).approve(vid, "fine", actor=actor)
    assert lib.version(vid).status is VersionStatus.ACTIVE
