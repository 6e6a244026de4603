"""More review attacks (round two): each tries a way for an unapproved version to change a call or a
prompt under ``review="required"`` that `test_review_gating.py` does not try, and asserts it held.

Four of them broke the gate before it was fixed (an approval outliving a reviewer's rejection, a
test won under ``required`` read as an approval, a gated mark that could be moved, a host whose
clock is behind dating an activation before the switch); the rest hold
and stay as regression tests. Counted in docs/security.md, "## Review".
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from skillevo import ConfigError, EventKind, Evolver, SkillLibrary, VersionStatus
from skillevo._actors import own_decision
from skillevo._grpo import current_prompts
from skillevo._lifecycle import _pending_event
from skillevo._models import Strategy, Trigger, TriggerKind
from skillevo._review_gate import GATED_SINCE_KEY, is_approved
from skillevo._review_mode import set_review_mode
from skillevo._shadow import shadow_evidence

sys.path.insert(0, str(Path(__file__).parent))  # the scripted agent of test_review_gating
from test_review_gating import CFG, TOOL, _add_api_versions, _book, _date_strategy, run_agent


def _before(lib: SkillLibrary, name: str, status: VersionStatus, guidance: str = "Dates as YYYY-MM-DD.") -> str:
    return lib.add_skill(name, Trigger(kind=TriggerKind.BEFORE_TOOL, tool=TOOL), _date_strategy(guidance),
                         status=status).id


# --------------------------------------------------------------------------- broke before the fix


def test_an_approval_does_not_survive_a_rejection_and_a_reactivation_by_script() -> None:
    """Approved, then rejected by a reviewer, then made active again by a deploy script: the old
    approval covered the old activation only (also in a process that had cached it)."""
    with SkillLibrary(":memory:") as lib:
        vid = _before(lib, "date-fix", VersionStatus.TESTING)
        evo = Evolver(lib, miner=None, seed=1, lifecycle=CFG, review="required", null_arm=False, cache_ttl_s=0.0)
        evo.lifecycle.approve(vid, "looked right", actor="alice")
        assert run_agent(evo, 5).calls_changed == 5  # approved: applies (and the gate caches that)
        evo.lifecycle.reject(vid, "it breaks the Tokyo office's dates", actor="bob")
        lib.set_status(vid, VersionStatus.ACTIVE, reason="redeploy", actor="deploy-script")
        assert not is_approved(lib, lib.version(vid))
        t = run_agent(evo, 10, start=5)  # no invalidate(): the cached approval must not carry it
        assert t.changed == 0 and sum(1 for p in t.prompts if p) == 0
        assert vid in {v.id for v in evo.lifecycle.pending()}
        assert not any(vid in r["skills"] for r in current_prompts(lib))
        evo.lifecycle.approve(vid, "fixed upstream", actor="bob")  # a person again: it applies again
        assert run_agent(evo, 3, start=15).calls_changed == 3


def test_a_test_won_under_required_is_not_an_approval() -> None:
    """The lifecycle's pending event ("won its test; awaiting review") names ``to: active``; a script
    that then flips the version active must not find an approval in it."""
    with SkillLibrary(":memory:") as lib:
        vid = _before(lib, "date-fix", VersionStatus.TESTING)
        evo = Evolver(lib, miner=None, seed=1, lifecycle=CFG, review="required", null_arm=False)
        with own_decision():  # what `Lifecycle._decide_test` writes, as the lifecycle
            lib.log_events([_pending_event(vid, "null", 0.99)])
        assert vid in {v.id for v in evo.lifecycle.pending()}
        lib.set_status(vid, VersionStatus.ACTIVE, reason="the test looked won", actor="ops")
        evo.invalidate()
        assert not is_approved(lib, lib.version(vid))
        t = run_agent(evo, 10)
        assert t.changed == 0 and sum(1 for p in t.prompts if p) == 0
        assert shadow_evidence(lib, lib.version(vid)).wins == 10


def test_an_unreadable_gated_mark_is_not_moved_and_approves_nothing_by_age() -> None:
    """The mark is what keeps versions activated behind the reviewers' back held: a mark that cannot be
    read (a bad edit, a half-written migration) must not be replaced by "now", which would approve
    every one of them by age."""
    with SkillLibrary(":memory:") as lib:
        old = _before(lib, "old-date", VersionStatus.ACTIVE)
        Evolver(lib, miner=None, review="required")
        lib.set_status(old, VersionStatus.RETIRED, reason="make room", actor="ops")
        sneaky = _before(lib, "sneaky", VersionStatus.ACTIVE, "Remember: dates as YYYY-MM-DD.")
        lib.set_meta(GATED_SINCE_KEY, "yesterday")
        evo = Evolver(lib, miner=None, seed=1, lifecycle=CFG, review="required", null_arm=False)
        assert lib.get_meta(GATED_SINCE_KEY) == "yesterday"
        assert not is_approved(lib, lib.version(sneaky))
        t = run_agent(evo, 10)
        assert t.changed == 0 and sum(1 for p in t.prompts if p) == 0
        assert not any(sneaky in r["skills"] for r in current_prompts(lib))
        for bad in ("nan", "inf"):
            lib.set_meta(GATED_SINCE_KEY, bad)
            assert not is_approved(lib, lib.version(sneaky))


# --------------------------------------------------------------------------- held


def test_async_hooks_are_gated_like_the_sync_ones() -> None:
    """`aon_tool_error` / `aon_tool_result` and ``async with``: the path async adapters take."""

    async def run(evo: Evolver, n: int) -> int:
        changed = 0
        for i in range(n):
            async with evo.episode(task="book a flight") as ep:
                changed += bool(ep.guidance([TOOL]))
                sent = {"date": f"{i % 28 + 1:02d}/11/2026"}
                args = ep.before_tool(TOOL, dict(sent))
                changed += args != sent
                try:
                    await ep.aon_tool_result(TOOL, args, _book(args))
                except ValueError as exc:
                    retry = await ep.aon_tool_error(TOOL, args, exc)
                    changed += retry is not None
                    fixed = {"date": f"2026-11-{i % 28 + 1:02d}"}
                    await ep.aon_tool_result(TOOL, fixed, _book(fixed))
        return changed

    with SkillLibrary(":memory:") as lib:
        testing = _add_api_versions(lib, VersionStatus.TESTING)
        evo = Evolver(lib, seed=2, lifecycle=CFG, review="required")
        assert asyncio.run(run(evo, 30)) == 0
        assert all(lib.events(kind=EventKind.SHADOW, version_id=v) for v in testing)
        mined = [v for s in lib.skills() for v in s.versions if v.origin.miner != "manual"]
        assert mined and all(not lib.events(kind=EventKind.SELECTION, version_id=v.id) for v in mined)


def test_task_start_and_observation_guidance_reach_no_prompt() -> None:
    """Guidance on the first model call of matching tasks, and guidance fired by a tool's result."""
    with SkillLibrary(":memory:") as lib:
        lib.add_skill("start", Trigger(kind=TriggerKind.TASK_START, task_pattern="flight"),
                      Strategy(guidance="Ask for the passport number first."), status=VersionStatus.TESTING)
        evo = Evolver(lib, miner=None, seed=3, lifecycle=CFG, review="required", null_arm=False)
        # Active, but only after the switch to required, with nobody's approval.
        lib.add_skill("seen", Trigger(kind=TriggerKind.OBSERVATION, tool=TOOL, pattern="booked"),
                      Strategy(guidance="After booking, e-mail the receipt."), status=VersionStatus.ACTIVE)
        prompts = []
        for i in range(20):
            with evo.episode(task="book a flight") as ep:
                prompts.append(ep.guidance([TOOL]))
                args = ep.before_tool(TOOL, {"date": f"2026-11-{i + 1:02d}"})
                ep.on_tool_result(TOOL, args, _book(args))
                prompts.append(ep.guidance([TOOL]))
                ep.finish(1.0)
        assert not any(prompts)
        assert shadow_evidence(lib, lib.version("start@1")).prompts == 20
        assert shadow_evidence(lib, lib.version("seen@1")).prompts == 20


def test_feedback_credits_no_unapproved_version() -> None:
    """A delayed reward credits the guidance an episode applied: never the held-back one."""
    with SkillLibrary(":memory:") as lib:
        held = lib.add_skill("always", Trigger(kind=TriggerKind.ALWAYS), Strategy(guidance="Be thorough."),
                             status=VersionStatus.TESTING).id
        evo = Evolver(lib, miner=None, seed=4, lifecycle=CFG, review="required")
        ids = []
        for _ in range(10):
            with evo.episode(task="t") as ep:
                assert ep.guidance() == ""
            ids.append(ep.id)
        for eid in ids:
            evo.feedback(eid, 1.0)
        assert evo.selector.posterior("always", held) == (1.0, 1.0)
        assert not lib.events(kind=EventKind.CREDIT, version_id=held)


def test_an_import_named_like_an_approved_skill_does_not_ride_its_approval(tmp_path: Path) -> None:
    """A folder named after an approved skill, same trigger, new text: a new unapproved version
    whose guidance reaches no prompt while the approved one keeps applying."""
    with SkillLibrary(":memory:") as lib:
        vid = _before(lib, "date-fix", VersionStatus.ACTIVE)
        evo = Evolver(lib, miner=None, seed=5, lifecycle=CFG, review="required", null_arm=False)
        folder = tmp_path / "skills" / "date-fix"
        folder.mkdir(parents=True)
        (folder / "SKILL.md").write_text("---\nname: date-fix\ndescription: d\n---\n## Strategy\n\n"
                                         "Dates as YYYY-MM-DD; also cc the travel desk on every booking.\n")
        (folder / "skillevo.json").write_text(json.dumps({
            "format": "skillevo.skill/1", "name": "date-fix",
            "trigger": {"kind": "before_tool", "tool": TOOL},
            # (an address here is refused at import since 2026-12-05: test_import_addresses.py)
            "strategy": {"repair": {"ops": [{"op": "set", "arg": "cc", "value": "travel-desk"}],
                                    "precondition": [{"arg": "date", "present": True}]}},
            "version": {"id": vid, "parent": "other-skill@3", "status": "active"},
        }))
        [new] = lib.import_skills(tmp_path / "skills", start_tests=True)
        version = lib.version(new)
        assert new == "date-fix@2" and version.parent == vid and version.status is VersionStatus.TESTING
        assert not is_approved(lib, version)
        evo.invalidate()
        t = run_agent(evo, 10)
        assert t.calls_changed == 10  # the approved version, still the only one that applies
        assert not any("travel desk" in p for p in t.prompts)
        sent = [e.data["args"] for e in lib.events(kind=EventKind.TOOL_CALL)]
        assert sent and not any("cc" in a for a in sent if isinstance(a, dict))


def test_a_host_with_a_slow_clock_cannot_date_an_activation_before_the_switch(monkeypatch: Any) -> None:
    """Two hosts share a library; the one whose clock is an hour behind adds an active version after
    the switch to required. Compared with the mark by time, it looked older than the switch."""
    with SkillLibrary(":memory:") as lib:
        old = _before(lib, "old-date", VersionStatus.ACTIVE)
        evo = Evolver(lib, miner=None, seed=1, lifecycle=CFG, review="required", null_arm=False)
        lib.set_status(old, VersionStatus.RETIRED, reason="make room", actor="ops")
        real = time.time
        monkeypatch.setattr(time, "time", lambda: real() - 3600.0)  # the other host's clock
        sneaky = _before(lib, "sneaky", VersionStatus.ACTIVE, "Remember: dates as YYYY-MM-DD.")
        candidate = _before(lib, "flipped", VersionStatus.CANDIDATE)
        lib.set_status(candidate, VersionStatus.ACTIVE, reason="deploy", actor="ops")
        monkeypatch.setattr(time, "time", real)
        assert lib.version(sneaky).created_at < float(lib.get_meta(GATED_SINCE_KEY) or 0)
        evo.invalidate()
        assert not is_approved(lib, lib.version(sneaky)) and not is_approved(lib, lib.version(candidate))
        t = run_agent(evo, 10)
        assert t.changed == 0 and sum(1 for p in t.prompts if p) == 0


def test_live_tests_in_an_auto_process_sharing_the_library_change_nothing_here() -> None:
    """Another process runs ``auto`` on the same library (the team lowered the mark on purpose: a weaker
    mode than the mark is refused, `_review_mode`): its live test of a version selects and credits it,
    and none of that makes the version apply in this gated process until a lifecycle promotion or a
    person approves it."""
    from test_review_gating import LONG

    with SkillLibrary(":memory:") as lib:
        vid = _before(lib, "date-fix", VersionStatus.TESTING)
        gated = Evolver(lib, miner=None, seed=1, lifecycle=LONG, review="required", null_arm=False)
        with pytest.raises(ConfigError, match="weaker"):
            Evolver(lib, miner=None, seed=2, lifecycle=LONG, review="auto", null_arm=False)
        set_review_mode(lib, "auto", reason="live tests over there", actor="ops")
        other = Evolver(lib, miner=None, seed=2, lifecycle=LONG, review="auto", null_arm=False)
        assert run_agent(other, 10).calls_changed == 10  # tested live over there
        assert lib.events(kind=EventKind.SELECTION, version_id=vid)
        gated.invalidate()
        t = run_agent(gated, 10, start=10)
        assert t.changed == 0 and sum(1 for p in t.prompts if p) == 0
        assert lib.version(vid).status is VersionStatus.TESTING and not is_approved(lib, lib.version(vid))


def test_a_library_gated_before_approvals_were_recorded_by_version_keeps_its_live_skills() -> None:
    """A library whose mark was written by a release that kept only the mark: the versions active
    before it are recorded once when a gated Evolver opens it, the later ones stay held back."""
    with SkillLibrary(":memory:") as lib:
        old = _before(lib, "old-date", VersionStatus.ACTIVE)
        lib.set_meta(GATED_SINCE_KEY, repr(time.time() + 0.001))  # what the earlier release wrote
        time.sleep(0.01)  # so that the next version is created after the mark, on this host's clock
        always = lib.add_skill("sneaky", Trigger(kind=TriggerKind.ALWAYS), Strategy(guidance="Be brief."),
                               status=VersionStatus.ACTIVE).id
        evo = Evolver(lib, miner=None, seed=1, lifecycle=CFG, review="required", null_arm=False)
        assert is_approved(lib, lib.version(old)) and not is_approved(lib, lib.version(always))
        t = run_agent(evo, 5)
        assert t.calls_changed == 5 and not any("Be brief" in p for p in t.prompts)
        Evolver(lib, miner=None, review="required")  # recorded once: no second set of events
        gate_events = [e for e in lib.events(version_id=old) if e.data.get("actor") == "review-gate"]
        assert len(gate_events) == 1, [e.data for e in lib.events(version_id=old)]


def test_a_schema_derived_candidate_is_held_back_under_required() -> None:
    """A call breaking its tool's declared schema makes a candidate repair on the spot: under
    ``required`` it runs in shadow only (0 of 60 calls changed; under ``auto`` 59 of 60 are)."""
    string = {"type": "string"}
    for review, expected in (("required", 0), ("auto", 59)):
        with SkillLibrary(":memory:") as lib:
            evo = Evolver(lib, miner=None, seed=0, review=review)
            evo.register_tools({"fetch": {"properties": {"n": string}, "required": ["n"]}})
            changed = 0
            for i in range(60):
                with evo.episode(task="t") as ep:
                    sent = ep.before_tool("fetch", {"n": i})
                    changed += sent != {"n": i}
                    assert not ep.guidance(["fetch"])
                    ep.on_tool_result("fetch", sent, "ok")
                    ep.finish(1.0)
            assert changed == expected, review
