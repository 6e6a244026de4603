"""A rescued guidance is not credited by the calls that follow the failure it was rescued after
(attack33).

A rescue (`SiteChoices.rescue`) shows a site's guidance once the episode's null arm failed the
site's way. The calls after it follow the error the model just read: a model that leaves `path` out
whatever the guidance says, corrected by the error each time, credited the guidance 1 in every
rescued episode and the null arm 0 (14 of 80 episodes: the guidance's mean 14/80 against the null
arm's 0/14, a guidance that changes nothing winning by construction, which a tool failing each
first call on purpose can steer). The rescued guidance is shown, not judged: 0 credits of 1 now.
"""

from __future__ import annotations

import sys
from pathlib import Path

from skillevo import NULL_ARM, SkillLibrary
from skillevo._models import EventKind

sys.path.insert(0, str(Path(__file__).parent))
from test_guidance_rescue import _evo, _reveal


def test_a_guidance_that_changes_nothing_gains_nothing_from_rescues() -> None:
    with SkillLibrary(":memory:") as lib:
        evo = _evo(lib)
        key = _reveal(evo)
        guidance: list[float] = []
        null: list[float] = []
        for i in range(80):
            with evo.episode(task=f"t{i + 1}") as ep:
                ep.guidance(tools=["save"])
                sent = ep.before_tool("save", {"text": "hi"})  # the model's habit, guidance or not
                assert ep.on_tool_result("save", sent, "Error: path is required")
                ep.on_tool_error("save", sent, "Error: path is required")
                ep.guidance(tools=["save"])
                sent = ep.before_tool("save", {"path": "/a", "text": "hi"})  # the error's word
                ep.on_tool_result("save", sent, {"saved": True})
                ep.finish(reward=1.0)
            for e in ep.events:
                if e.kind is EventKind.CREDIT and e.data.get("key") == key:
                    (null if e.data["arm"] == NULL_ARM else guidance).append(e.data["reward"])
        assert null and guidance  # both arms were drawn and judged
        assert sum(guidance) == 0.0  # as the null arm: every first call failed
        assert sum(null) == 0.0
