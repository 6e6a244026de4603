"""An imported repair's evidence vouches only for the tool it was won on (attack15).

`skillevo._probation` lets an imported repair act once replaying it on this library's stored failures
reproduces the agent's own corrections. A trigger whose tool is a glob (``*``, ``pa*``) collected that
evidence from every tool it matches, and then acted on every tool it matches, including tools the
evidence never met: an import ``set currency = "EUR"`` on ``tool: "*"`` vouched for by two corrected
``pay`` calls was sent on 52 of the next 200 ``payout`` calls under ``review="auto"`` (2 of 200 under
``"canary"``), a tool whose calls it had never been replayed on (its successes were not there to
show the loss). A glob names tools no evidence can cover (the next one registered), so such an
import now waits for a person, as imported code does; one naming its tool still starts on evidence.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skillevo import Evolver, SkillLibrary
from skillevo._models import VersionStatus
from skillevo._probation import held_imports

HONEST = [{"op": "set", "arg": "currency", "value": "EUR"}]


def _folder(root: Path, tool: str) -> Path:
    """A folder whose repair fills in ``currency = "EUR"`` before any call of `tool` that lacks it."""
    folder = root / "fill-currency"
    folder.mkdir(parents=True)
    body = "# fill\n\n## Strategy\n\nFill it.\n"
    (folder / "SKILL.md").write_text(f"---\nname: fill-currency\ndescription: d\n---\n{body}")
    data = {"format": "skillevo.skill/1", "name": "fill-currency", "trigger": {"kind": "tool_error", "tool": tool},
            "strategy": {"repair": {"ops": HONEST, "precondition": [{"arg": "currency", "present": False}]}}}
    (folder / "skillevo.json").write_text(json.dumps(data))
    return folder


def _corrected(evo: Evolver, n: int) -> None:
    """`n` episodes in which the agent's ``pay`` call fails for want of a currency and it adds EUR itself."""
    for i in range(n):
        with evo.episode(task=f"pay {i}") as ep:
            bad = {"invoice": f"C{i}", "amount": 10}
            ep.on_tool_error("pay", ep.before_tool("pay", dict(bad)), ValueError("Error: currency is required"))
            ep.on_tool_result("pay", ep.before_tool("pay", {**bad, "currency": "EUR"}), {"ok": True})
            ep.finish(reward=1.0)


def _payouts(evo: Evolver, n: int) -> int:
    """How many of `n` successful calls of another tool, ``payout``, skillevo changed."""
    changed = 0
    for i in range(n):
        with evo.episode(task="payout") as ep:
            args = {"order": f"W{i}", "amount": 10}
            sent = ep.before_tool("payout", dict(args))
            ep.on_tool_result("payout", sent, {"ok": True})
            ep.finish(reward=1.0)
        changed += sent != args
    return changed


@pytest.mark.parametrize("review", ["auto", "canary"])
@pytest.mark.parametrize("glob", ["*", "pa*", "p?y*", "[p]*"])
def test_evidence_on_one_tool_lets_a_glob_import_act_on_no_other(tmp_path: Path, glob: str, review: str) -> None:
    lib = SkillLibrary(":memory:")
    _corrected(Evolver(lib, miner=None, seed=0), 2)
    [vid] = lib.import_skills(_folder(tmp_path, glob), sandbox=None, start_tests=True)
    assert lib.version(vid).status is VersionStatus.CANDIDATE  # kept for a person, not refused
    assert _payouts(Evolver(lib, seed=0, review=review, mining="inline"), 200) == 0
    assert vid in [v.id for v in held_imports(lib)]  # listed for a person by skillevo review list
    lib.close()


def test_a_person_may_approve_a_glob_import(tmp_path: Path) -> None:
    from skillevo._lifecycle import Lifecycle
    from skillevo._selection import ThompsonSelector

    lib = SkillLibrary(":memory:")
    [vid] = lib.import_skills(_folder(tmp_path, "*"), sandbox=None, start_tests=True)
    Lifecycle(lib, ThompsonSelector()).approve(vid, "checked the folder")
    assert lib.version(vid).status is VersionStatus.ACTIVE
    lib.close()


def test_an_import_naming_its_tool_still_starts_on_evidence(tmp_path: Path) -> None:
    lib = SkillLibrary(":memory:")
    _corrected(Evolver(lib, miner=None, seed=0), 2)
    [vid] = lib.import_skills(_folder(tmp_path, "pay"), sandbox=None, start_tests=True)
    assert lib.version(vid).status is VersionStatus.TESTING
    lib.close()
