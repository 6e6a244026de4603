"""Review attacks found by a fresh attacker's pass (gate3): races between a decision and a second
process, and what an unapproved code skill running in shadow costs the agent it may not change.

Each test broke before its fix:

* a reviewer approving an active version (activated behind the reviewers' back) while another
  process rejects or retires it brought the rejected version back to active, approved;
* a held-back code skill that behaves on the import's smoke run but burns its limits on real
  arguments ran in shadow on every failed call, holding the agent's call for its whole CPU limit
  each time, for as long as nobody reviewed it;
* a guidance version rejected in another process while an episode ran stayed in that episode's
  prompt until it ended (the guidance site reused the episode's choice without asking whether it
  was still live; the repair sites did).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from skillevo import ConfigError, EventKind, Evolver, Sandbox, SandboxError, SkillLibrary, VersionStatus
from skillevo._actors import LIFECYCLE
from skillevo._lifecycle import Lifecycle
from skillevo._models import Strategy, Trigger, TriggerKind
from skillevo._review_gate import is_approved
from skillevo._selection import ThompsonSelector
from skillevo._shadow import shadow_evidence

sys.path.insert(0, str(Path(__file__).parent))  # the scripted agent of test_review_gating
from test_review_gating import CFG, TOOL, _date_strategy, run_agent

LOOPS_ON_REAL_CALLS = "def repair(tool, args, error):\n    while args:\n        pass\n    return None\n"


def _active_behind_the_reviewers_back(path: Path) -> tuple[SkillLibrary, Evolver, str]:
    lib = SkillLibrary(str(path))
    evo = Evolver(lib, miner=None, seed=3, lifecycle=CFG, review="required", null_arm=False, cache_ttl_s=0.0)
    vid = lib.add_skill("date-fix", Trigger(kind=TriggerKind.BEFORE_TOOL, tool=TOOL), _date_strategy(),
                        status=VersionStatus.ACTIVE).id  # after the switch: unapproved, held back
    assert not is_approved(lib, lib.version(vid))
    return lib, evo, vid


@pytest.mark.parametrize("other", ["rejected by a second reviewer", "retired by another process's lifecycle"])
def test_approving_an_active_version_does_not_undo_a_concurrent_rejection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, other: str
) -> None:
    """Alice approves `date-fix@1` (active, unapproved) while, in another process, Bob rejects it (or
    the lifecycle retires it as harmful) between her read and her write."""
    import skillevo._lifecycle as lifecycle_module

    lib, evo, vid = _active_behind_the_reviewers_back(tmp_path / "lib.db")
    real = lifecycle_module.is_approved

    def racing(store: Any, version: Any, since: float | None = None) -> bool:
        answer = real(store, version, since)
        with SkillLibrary(str(tmp_path / "lib.db")) as second:  # the other process
            if other.startswith("rejected"):
                Lifecycle(second, ThompsonSelector(), review="required").reject(vid, "breaks Tokyo dates", actor="bob")
            else:
                second.set_status(vid, VersionStatus.RETIRED, reason="harmful", actor=LIFECYCLE,
                                  expected=VersionStatus.ACTIVE)
        return answer

    monkeypatch.setattr(lifecycle_module, "is_approved", racing)
    try:
        with pytest.raises(ConfigError, match="changed while being approved"):
            evo.lifecycle.approve(vid, "looks right", actor="alice")
        monkeypatch.undo()
        assert lib.version(vid).status is not VersionStatus.ACTIVE
        assert not is_approved(lib, lib.version(vid))
        evo.invalidate()
        assert run_agent(evo, 5).changed == 0  # the version Bob stopped changes no call
    finally:
        lib.close()


class _CountingSandbox(Sandbox):
    """A sandbox whose code skills either hit a limit (after `cost_s`) or answer slowly."""

    def __init__(self, cost_s: float, stopped: bool) -> None:
        self.cost_s = cost_s
        self.stopped = stopped
        self.runs = 0

    def run_repair(self, code: str, tool: str, args: dict[str, Any], error: str) -> dict[str, Any] | None:
        self.runs += 1
        time.sleep(self.cost_s)
        if self.stopped:
            raise SandboxError("code skill stopped: CPU-time limit of 2 s exceeded")
        return dict(args)


def _code_skills(lib: SkillLibrary, n: int) -> None:
    for i in range(n):
        lib.add_skill(f"code-{i}", Trigger(kind=TriggerKind.TOOL_ERROR, tool=TOOL),
                      Strategy(code=LOOPS_ON_REAL_CALLS + f"# {i}\n"), status=VersionStatus.TESTING)


def test_a_held_back_code_skill_slower_than_the_shadow_budget_is_not_run_in_shadow_again() -> None:
    """Four unapproved code skills that each run into their CPU limit (0.3 s here, the shadow budget
    0.25 s): before the fix all four ran on every failed call of 20 episodes (80 runs, each holding
    the agent's call); now each runs once in this process, loses, and waits for its reviewer."""
    with SkillLibrary(":memory:") as lib:
        _code_skills(lib, 4)
        sandbox = _CountingSandbox(0.3, stopped=True)
        evo = Evolver(lib, miner=None, seed=4, lifecycle=CFG, review="required", sandbox=sandbox, null_arm=False,
                      shadow_budget_s=0.25)
        t = run_agent(evo, 20)
        assert t.changed == 0
        assert sandbox.runs == 4
        skipped = [e for e in lib.events(kind=EventKind.SHADOW) if e.data.get("skipped")]
        assert skipped  # the reviewer sees why the evidence stops
        assert all(shadow_evidence(lib, v).wins == 0 for s in lib.skills() for v in s.versions)


def test_shadow_code_runs_spend_a_bounded_share_of_an_episode() -> None:
    """Eight unapproved code skills that each answer in 0.1 s (under every limit): the shadow runs of one
    failed call are cut at the episode's shadow budget instead of adding 0.8 s to it."""
    with SkillLibrary(":memory:") as lib:
        _code_skills(lib, 8)
        sandbox = _CountingSandbox(0.1, stopped=False)
        evo = Evolver(lib, miner=None, seed=5, lifecycle=CFG, review="required", sandbox=sandbox, null_arm=False,
                      shadow_budget_s=0.25)
        t = run_agent(evo, 3)
        assert t.changed == 0
        assert 3 <= sandbox.runs <= 3 * 3  # one at least, and at most one run past the budget, each episode


def test_a_real_code_skill_that_passed_its_smoke_run_does_not_hold_every_failed_call(
    tmp_path: Path, needs_sandbox: None
) -> None:
    """End to end: an imported code skill loops only on real arguments (its smoke run has none), is under
    test in a library under ``review="required"``; six failed calls cost the agent one CPU limit, not six."""
    folder = tmp_path / "skills" / "date-code"
    (folder / "scripts").mkdir(parents=True)
    skill_md = "---\nname: date-code\ndescription: d\n---\n# date-code\n\n## Strategy\n\nFix dates.\n"
    (folder / "SKILL.md").write_text(skill_md, encoding="utf-8")
    meta = {"format": "skillevo.skill/1", "name": "date-code", "trigger": {"kind": "tool_error", "tool": TOOL},
            "strategy": {"code": "scripts/repair.py"}}
    (folder / "skillevo.json").write_text(json.dumps(meta), encoding="utf-8")
    (folder / "scripts" / "repair.py").write_text(LOOPS_ON_REAL_CALLS, encoding="utf-8")
    with SkillLibrary(":memory:") as lib:
        # The library is gated first: on an ungated one an import without evidence waits as a
        # candidate (test_attack_import_probation.py); under "required" it is tested in shadow.
        evo = Evolver(lib, miner=None, seed=6, lifecycle=CFG, review="required", null_arm=False)
        written = lib.import_skills(tmp_path / "skills", start_tests=True)
        assert len(written) == 1 and lib.version(written[0]).status is VersionStatus.TESTING
        evo.invalidate()
        sandbox = evo.sandbox
        assert sandbox is not None
        stopped: list[str] = []
        real_run = sandbox.run_repair

        def counted(code: str, tool: str, args: dict[str, Any], error: str) -> dict[str, Any] | None:
            try:
                return real_run(code, tool, args, error)
            except SandboxError as exc:
                stopped.append(str(exc))
                raise

        sandbox.run_repair = counted  # type: ignore[method-assign]
        t = run_agent(evo, 6)
        assert t.changed == 0
        # What the agent waited for is counted, not timed: one run, stopped at a limit; five not run.
        assert len(stopped) == 1 and "limit" in stopped[0], stopped
        runs = [e.data for e in lib.events(kind=EventKind.SHADOW) if e.data.get("what") == "repair"]
        assert [r.get("error") for r in runs if "skipped" not in r] == ["SandboxError"], runs
        assert sum(1 for r in runs if "skipped" in r) == 5, runs


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf"), "1s", True])
def test_a_bad_shadow_budget_is_a_one_line_config_error(bad: Any) -> None:
    with SkillLibrary(":memory:") as lib, pytest.raises(ConfigError, match="shadow_budget_s"):
        Evolver(lib, miner=None, sandbox=None, shadow_budget_s=bad)


def test_a_guidance_version_rejected_mid_episode_leaves_the_prompt_at_once(tmp_path: Path) -> None:
    """The episode chose `tone@1`'s guidance at its first model call; a reviewer in another process
    rejects it before the next one. The next model call must not carry the rejected text (the repair
    sites already re-checked their episode's choice; the guidance site reused it as chosen)."""
    path = tmp_path / "lib.db"
    lib = SkillLibrary(str(path))
    trigger = Trigger(kind=TriggerKind.ALWAYS)
    v1 = lib.add_skill("tone", trigger, Strategy(guidance="Answer in a formal register (version one)."),
                       status=VersionStatus.ACTIVE).id
    lib.add_version("tone", Strategy(guidance="Answer briefly (version two)."), status=VersionStatus.TESTING)
    for seed in range(40):
        evo = Evolver(lib, miner=None, seed=seed, null_arm=False, cache_ttl_s=0.0)
        ep = evo.episode(task="write to the customer")
        if "version one" in ep.guidance():
            break
        ep.finish(None)
    else:
        pytest.fail("no seed chose version one")
    with SkillLibrary(str(path)) as second:  # the other process
        Lifecycle(second, ThompsonSelector()).reject(v1, "reads as rude", actor="bob")
    assert "version one" not in ep.guidance()
    ep.finish(None)
    lib.close()
