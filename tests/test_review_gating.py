"""Review attacks: under ``review="required"`` nothing a person has not approved changes a call or a prompt.

Each test plays an unapproved version's way in (mined by the RuleMiner from the agent's own mistakes,
added through the API, imported from a skill folder, made active behind the reviewer's back, tested
within a group, the error-spelled repair) and counts what reached the agent: 0 changed calls and 0
prompts with unapproved guidance, while the shadow evidence the reviewer decides on is recorded.
Approval promotes; ``canary`` keeps live tests to its share of episodes; ``auto`` is unchanged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

from skillevo import ConfigError, EventKind, Evolver, Sandbox, SandboxError, SkillLibrary, VersionStatus
from skillevo._diff import library_diff
from skillevo._grpo import current_prompts
from skillevo._lifecycle import LifecycleConfig
from skillevo._models import ArgCondition, ReformatDate, Repair, Strategy, Trigger, TriggerKind
from skillevo._review_gate import GATED_SINCE_KEY, is_approved
from skillevo._shadow import shadow_evidence
from skillevo.cli import main as cli_main

CFG = LifecycleConfig(min_updates=3, min_episodes=3)
LONG = LifecycleConfig(min_updates=3, min_episodes=100_000, max_test_updates=100_000)
TOOL = "book_flight"
SLASH_DATE = r"\d{2}/\d{2}/\d{4}"


class _Seats(BaseModel):
    model_config = ConfigDict(strict=True)
    seats: int


def _book(args: dict[str, Any]) -> str:
    date = str(args.get("date", ""))
    if len(date) != 10 or date[4] != "-":
        raise ValueError(f"invalid date {date!r}: expected format YYYY-MM-DD")
    return "booked"


@dataclass
class Tally:
    """What reached the agent over a run."""

    calls_changed: int = 0
    retries_offered: int = 0
    prompts: list[str] = field(default_factory=list)
    first_prompts: list[str] = field(default_factory=list)
    episodes: list[str] = field(default_factory=list)
    canary: list[bool] = field(default_factory=list)
    changed_in: list[bool] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.calls_changed + self.retries_offered


def run_agent(evo: Evolver, n: int, *, start: int = 0) -> Tally:
    """A scripted agent that writes DD/MM/YYYY, reads the prompt addition before each model call, and
    corrects itself when the tool refuses (so the RuleMiner can mine a repair and its guidance)."""
    t = Tally()
    for i in range(start, start + n):
        day = f"{i % 28 + 1:02d}"
        changed = False
        with evo.episode(task="book a flight") as ep:
            t.prompts.append(ep.guidance([TOOL]))
            t.first_prompts.append(t.prompts[-1])
            sent = {"date": f"{day}/11/2026"}
            args = ep.before_tool(TOOL, dict(sent))
            if args != sent:
                t.calls_changed += 1
                changed = True
            try:
                ep.on_tool_result(TOOL, args, _book(args))
            except ValueError as exc:
                retry = ep.on_tool_error(TOOL, args, exc)
                if retry is not None:
                    t.retries_offered += 1
                    changed = True
                t.prompts.append(ep.guidance([TOOL]))
                fixed = retry if retry is not None else ep.before_tool(TOOL, {"date": f"2026-11-{day}"})
                ep.on_tool_result(TOOL, fixed, _book(fixed))
            ep.finish(1.0)
        t.episodes.append(ep.id)
        t.canary.append(bool(ep.episode.metadata.get("review_canary")))
        t.changed_in.append(changed)
    return t


def _guidance_of_unapproved(lib: SkillLibrary) -> list[str]:
    return [
        v.strategy.guidance
        for s in lib.skills()
        for v in s.versions
        if v.strategy.guidance and not is_approved(lib, v)
    ]


def _prompts_with(texts: list[str], prompts: list[str]) -> int:
    return sum(1 for p in prompts if any(t in p for t in texts))


def _date_strategy(guidance: str = "Write dates as YYYY-MM-DD (e.g. 2026-11-05).") -> Strategy:
    return Strategy(
        guidance=guidance,
        repair=Repair(
            ops=[ReformatDate(arg="date", from_format="%d/%m/%Y")],
            precondition=[ArgCondition(arg="date", regex=SLASH_DATE)],
        ),
    )


def _add_api_versions(lib: SkillLibrary, status: VersionStatus) -> list[str]:
    """Three unapproved versions added through the API: pre-emptive, after-error and every-prompt."""
    out = [
        lib.add_skill("api-date-before", Trigger(kind=TriggerKind.BEFORE_TOOL, tool=TOOL), _date_strategy(),
                      status=status).id,
        lib.add_skill("api-date-after", Trigger(kind=TriggerKind.TOOL_ERROR, tool=TOOL, pattern="invalid date"),
                      Strategy(repair=Repair(ops=[ReformatDate(arg="date", from_format="%d/%m/%Y")])),
                      status=status).id,
        lib.add_skill("api-always", Trigger(kind=TriggerKind.ALWAYS),
                      Strategy(guidance="Always confirm the booking twice before calling any tool."),
                      status=status).id,
    ]
    return out


# --------------------------------------------------------------------------- attacks that must hold


def test_mined_repair_and_guidance_change_nothing_and_gather_shadow_evidence() -> None:
    """Mined versions (the agent's own mistake and correction): 0 changed calls, 0 guided prompts."""
    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, seed=0, lifecycle=CFG, review="required")
        t = run_agent(evo, 60)
        versions = [v for s in lib.skills() for v in s.versions]
        assert versions, "the RuleMiner mined nothing from the corrections"
        assert all(v.status in (VersionStatus.CANDIDATE, VersionStatus.TESTING) for v in versions)
        mined = next(v for v in versions if v.status is VersionStatus.TESTING)
        assert mined.strategy.repair is not None and mined.strategy.guidance
        assert t.changed == 0
        assert len(t.prompts) >= 120 and sum(1 for p in t.prompts if p) == 0
        assert _prompts_with(_guidance_of_unapproved(lib), t.prompts) == 0
        # Nothing was selected for it, so nothing was credited to it from live calls.
        assert not lib.events(kind=EventKind.SELECTION, version_id=mined.id)
        # What it would have done is logged, redacted like any argument, and scored.
        shadows = lib.events(kind=EventKind.SHADOW, version_id=mined.id)
        would = [e for e in shadows if e.data.get("what") == "repair"]
        assert would
        for e in would:
            before, after = e.data["before"], e.data["after"]
            assert isinstance(before, dict) and isinstance(after, dict)
            assert after == {"date": f"2026-11-{str(before['date'])[:2]}"}
        assert any(e.data.get("what") == "guidance" and e.data.get("text_id") for e in shadows)
        ev = shadow_evidence(lib, mined)
        assert ev.trials >= 50 and ev.wins == ev.trials  # it matched every correction the agent made
        assert ev.prompts >= 50 and ev.needed == ev.prompts
        assert ev.replay_trials >= 50 and ev.replay_wins == ev.replay_trials


def test_api_added_testing_and_candidate_versions_run_in_shadow() -> None:
    """Versions added through the API (testing at once, or candidates started by the lifecycle)."""
    with SkillLibrary(":memory:") as lib:
        testing = _add_api_versions(lib, VersionStatus.TESTING)
        evo = Evolver(lib, miner=None, seed=3, lifecycle=CFG, review="required")
        late = lib.add_skill("api-late", Trigger(kind=TriggerKind.TOOL_ERROR, tool=TOOL),
                             _date_strategy("Use ISO dates."), status=VersionStatus.CANDIDATE).id
        assert evo.lifecycle.start(late) is not None
        evo.invalidate()
        t = run_agent(evo, 80)
        assert t.changed == 0
        assert sum(1 for p in t.prompts if p) == 0
        for vid in [*testing, late]:
            assert lib.version(vid).status is VersionStatus.TESTING
            assert lib.events(kind=EventKind.SHADOW, version_id=vid)
        assert shadow_evidence(lib, lib.version("api-date-before@1")).wins == 80
        # Guidance evidence says how often it would have reached a prompt (not that it works).
        always = shadow_evidence(lib, lib.version("api-always@1"))
        assert always.prompts == 80 and always.trials == 0


def test_imported_versions_run_in_shadow_whatever_status_the_file_claims(tmp_path: Path) -> None:
    with SkillLibrary(":memory:") as src:
        _add_api_versions(src, VersionStatus.ACTIVE)  # a file that says "status: active"
        src.export_skills(tmp_path / "skills")
    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, miner=None, seed=5, lifecycle=CFG, review="required")
        imported = lib.import_skills(tmp_path / "skills")
        assert len(imported) == 3
        for vid in imported:
            evo.lifecycle.evaluate(lib.version(vid).skill)  # imported candidates start their test
        evo.invalidate()
        assert all(not is_approved(lib, lib.version(v)) for v in imported)
        t = run_agent(evo, 80)
        assert t.changed == 0
        assert sum(1 for p in t.prompts if p) == 0
        assert all(lib.events(kind=EventKind.SHADOW, version_id=v) for v in imported)
        listed = {v.id for v in evo.lifecycle.pending()}
        assert set(imported) <= listed


def test_active_behind_the_reviewers_back_is_held_back_but_earlier_actives_stay_live() -> None:
    """An active version predating the switch to required stays live; one made active after it
    without review (a script, an import that kept its status) is held back until approved."""
    with SkillLibrary(":memory:") as lib:
        old = lib.add_skill("old-date", Trigger(kind=TriggerKind.BEFORE_TOOL, tool=TOOL), _date_strategy(),
                            status=VersionStatus.ACTIVE).id
        evo = Evolver(lib, miner=None, seed=1, lifecycle=CFG, review="required", null_arm=False)
        assert lib.get_meta(GATED_SINCE_KEY) is not None
        assert is_approved(lib, lib.version(old))
        t = run_agent(evo, 20)
        assert t.calls_changed == 20  # the pre-switch version still repairs every call
        lib.set_status(old, VersionStatus.RETIRED, reason="make room", actor="ops")
        sneaky = lib.add_skill("sneaky", Trigger(kind=TriggerKind.BEFORE_TOOL, tool=TOOL),
                               _date_strategy("Remember: dates as YYYY-MM-DD."), status=VersionStatus.ACTIVE).id
        evo.invalidate()
        assert not is_approved(lib, lib.version(sneaky))
        t = run_agent(evo, 40, start=20)
        assert t.changed == 0 and sum(1 for p in t.prompts if p) == 0
        assert shadow_evidence(lib, lib.version(sneaky)).wins == 40
        assert sneaky in {v.id for v in evo.lifecycle.pending()}
        # Nor does it reach the training prompts the GRPO export builds from the current library.
        rows = current_prompts(lib)
        assert rows and not any(sneaky in r["skills"] or "Remember" in r["guidance"] for r in rows)
        # A person approves it: recorded as a review event, it stays active and now applies.
        [done] = evo.lifecycle.approve(sneaky, "read the shadow evidence", actor="alice")
        assert (done.from_status, done.to_status) == (VersionStatus.ACTIVE, VersionStatus.ACTIVE)
        assert lib.events(kind=EventKind.REVIEW, version_id=sneaky)[-1].data["actor"] == "alice"
        evo.invalidate()
        t = run_agent(evo, 10, start=60)
        assert t.calls_changed == 10
        assert all("YYYY-MM-DD" in p for p in t.prompts)
        assert any(sneaky in r["skills"] for r in current_prompts(lib))


def test_error_spelled_repair_and_group_tests_are_held_back_too() -> None:
    """No version at all (the repair the error message spells out), and a within-group comparison
    that would assign the version under test to half the rollouts."""
    with SkillLibrary(":memory:") as lib:
        bad = {"seats": "2"}
        try:
            _Seats.model_validate(bad)
        except ValidationError as exc:
            error = exc
        with Evolver(lib, seed=0, lifecycle=CFG).episode(task="book") as ep:
            assert ep.on_tool_error("reserve", bad, error) == {"seats": 2}  # auto: retried at once
        evo = Evolver(lib, seed=0, lifecycle=CFG, review="required")
        with evo.episode(task="book") as ep:
            assert ep.on_tool_error("reserve", bad, error) is None
        [would] = [e for e in lib.events(kind=EventKind.SHADOW) if e.data.get("source") == "error"]
        assert would.episode_id == ep.id and would.data["after"] == {"seats": 2}
        testing = _add_api_versions(lib, VersionStatus.TESTING)
        evo.invalidate()
        changed = 0
        for g in range(8):
            with evo.group(task="book a flight", size=6) as group:
                for _ in range(6):
                    with group.episode() as rollout:
                        sent = {"date": f"{g + 1:02d}/11/2026"}
                        changed += rollout.before_tool(TOOL, dict(sent)) != sent
                        changed += bool(rollout.guidance([TOOL]))
                        rollout.finish(1.0)
        assert changed == 0
        assert not any(a.candidate for e in lib.episodes() for a in e.applied)
        assert all(not lib.events(kind=EventKind.SELECTION, version_id=v) for v in testing)


def test_approving_on_shadow_evidence_promotes_and_the_repair_then_applies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "lib.db"
    with SkillLibrary(path) as lib:
        evo = Evolver(lib, seed=0, lifecycle=CFG, review="required")
        assert run_agent(evo, 30).changed == 0
        [mined] = [v for s in lib.skills() for v in s.versions if v.status is VersionStatus.TESTING]
        report = library_diff(None, lib).to_markdown()
        ev = shadow_evidence(lib, mined)
    assert ev.trials >= 25 and ev.wins == ev.trials
    awaiting = report.split("## Awaiting your review", 1)[1].split("## Added skills", 1)[0]
    assert mined.id in awaiting and "runs in shadow" in awaiting
    assert f"**shadow evidence:** shadow: {ev.wins}/{ev.trials} repairs matched" in awaiting
    assert cli_main(["review", "list", "--db", str(path)]) == 0
    listed = capsys.readouterr().out
    # The table wraps cells at the terminal's width: check the words, not the layout.
    flat = " ".join(listed.replace("│", " ").split())
    assert mined.id in listed and "live" in flat and f"{ev.wins}/{ev.trials}," in flat
    assert cli_main(["review", "list", "--db", str(path), "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)["pending"]
    assert row["against"] == "null" and row["shadow"]["wins"] == ev.wins
    assert cli_main(["review", "approve", mined.id, "--reason", "shadow matched every fix", "--actor", "bob",
                     "--db", str(path)]) == 0
    assert "testing -> active" in capsys.readouterr().out
    with SkillLibrary(path) as lib:
        assert lib.version(mined.id).status is VersionStatus.ACTIVE
        assert is_approved(lib, lib.version(mined.id))
        evo = Evolver(lib, miner=None, seed=1, lifecycle=CFG, review="required", null_arm=False)
        t = run_agent(evo, 10)
        assert t.calls_changed == 10
        assert sum(1 for p in t.prompts if p) == len(t.prompts)
    assert cli_main(["review", "list", "--db", str(path)]) == 0
    # The approved version no longer awaits; what may is its re-format widened to the other date
    # orders (`_transfer_dates.other_orders`), a new candidate of its own.
    waiting = capsys.readouterr().out
    assert "nothing awaits review" in waiting or (mined.id not in waiting and "other-order" in waiting)


def test_canary_keeps_live_tests_to_its_share_of_episodes() -> None:
    with SkillLibrary(":memory:") as lib:
        _add_api_versions(lib, VersionStatus.TESTING)
        # Long tests (no promotion within the run): the share is what is measured here.
        evo = Evolver(lib, miner=None, seed=11, lifecycle=LONG, review="canary", canary_share=0.1, null_arm=False)
        t = run_agent(evo, 400)
        canary = sum(t.canary)
        assert canary == 40  # 10 in every block of 100 episodes, at seeded random positions
        assert t.canary != [i % 10 == 0 for i in range(400)] and t.canary[:100] != t.canary[100:200]
        # Live only in canary episodes (and there always, since no null arm competes); shadow elsewhere.
        assert all(c == ch for c, ch in zip(t.canary, t.changed_in, strict=True))
        shadowed = {e.episode_id for e in lib.events(kind=EventKind.SHADOW)}
        assert shadowed == {eid for eid, c in zip(t.episodes, t.canary, strict=True) if not c}
        assert [bool(p) for p in t.first_prompts] == t.canary
    with SkillLibrary(":memory:") as lib:
        _add_api_versions(lib, VersionStatus.TESTING)
        evo = Evolver(lib, miner=None, seed=11, lifecycle=LONG, review="canary", null_arm=False)
        assert evo.canary_share == 0.05
        t = run_agent(evo, 400)
        assert sum(t.canary) == 20 and t.calls_changed == 20
        assert all(sum(t.canary[i : i + 100]) == 5 for i in range(0, 400, 100))


def test_auto_is_unchanged_and_bad_settings_are_one_line_errors() -> None:
    with SkillLibrary(":memory:") as lib:
        evo = Evolver(lib, seed=0, lifecycle=CFG)
        assert evo.review == "auto" and not evo.gate.gated
        t = run_agent(evo, 40)
        assert t.changed > 20  # mined repairs are tested (and then applied) on live calls
        assert lib.count_events(EventKind.SHADOW) == 0
        assert lib.get_meta(GATED_SINCE_KEY) is None
        for kwargs, message in (
            ({"review": "sometimes"}, "review: must be 'auto', 'canary' or 'required' (got 'sometimes')"),
            ({"review": "canary", "canary_share": 1.5}, "canary_share: must be between 0 and 1 (got 1.5)"),
            ({"canary_share": "5%"}, "canary_share: must be a number between 0 and 1 (got '5%')"),
        ):
            with pytest.raises(ConfigError) as err:
                Evolver(lib, **kwargs)  # type: ignore[arg-type]
            assert str(err.value) == message


def test_shadow_evidence_tells_a_wrong_repair_from_a_right_one_and_rejecting_starts_the_next() -> None:
    """The evidence discriminates: a repair that would send the wrong format loses every trial; once
    a reviewer rejects it, the waiting version of the skill runs in shadow, wins, and is approved."""
    wrong = Strategy(repair=Repair(ops=[ReformatDate(arg="date", from_format="%d/%m/%Y", to_format="%Y/%m/%d")],
                                   precondition=[ArgCondition(arg="date", regex=SLASH_DATE)]))
    with SkillLibrary(":memory:") as lib:
        bad = lib.add_skill("date-fix", Trigger(kind=TriggerKind.BEFORE_TOOL, tool=TOOL), wrong,
                            status=VersionStatus.TESTING).id
        good = lib.add_version("date-fix", _date_strategy(), parent=bad).id
        evo = Evolver(lib, miner=None, seed=2, lifecycle=CFG, review="required", null_arm=False)
        assert run_agent(evo, 25).changed == 0
        ev_bad = shadow_evidence(lib, lib.version(bad))
        assert (ev_bad.wins, ev_bad.trials) == (0, 25)
        reasons = {e.data.get("reason") for e in lib.events(kind=EventKind.SHADOW, version_id=bad)}
        assert "the arguments that succeeded differ" in reasons
        assert lib.version(good).status is VersionStatus.CANDIDATE
        evo.lifecycle.reject(bad, "0 of 25 in shadow", actor="carol")
        assert lib.version(good).status is VersionStatus.TESTING
        evo.invalidate()
        assert run_agent(evo, 25, start=25).changed == 0
        ev_good = shadow_evidence(lib, lib.version(good))
        assert (ev_good.wins, ev_good.trials) == (25, 25)
        assert ev_good.replay_wins == ev_good.replay_trials == 50  # every stored failure, both runs
        evo.lifecycle.approve(good, "25 of 25 in shadow", actor="carol")
        evo.invalidate()
        assert run_agent(evo, 10, start=50).calls_changed == 10


def test_the_gate_and_its_evidence_hold_on_every_backend(store: SkillLibrary) -> None:
    """Approval and shadow evidence live in the event log and the meta table: SQLite and PostgreSQL alike."""
    testing = _add_api_versions(store, VersionStatus.TESTING)
    evo = Evolver(store, miner=None, seed=4, lifecycle=CFG, review="required", null_arm=False)
    assert store.get_meta(GATED_SINCE_KEY) is not None
    t = run_agent(evo, 12)
    assert t.changed == 0 and sum(1 for p in t.prompts if p) == 0
    store.flush()
    assert shadow_evidence(store, store.version(testing[0])).wins == 12
    evo.lifecycle.approve(testing[0], "12 of 12 in shadow", actor="dana")
    assert is_approved(store, store.version(testing[0]))
    evo.invalidate()
    assert run_agent(evo, 4, start=12).calls_changed == 4


def test_an_unreadable_log_holds_versions_back_without_failing_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Approval is read from the log: when that read fails the gate fails closed, and the run goes on."""
    with SkillLibrary(":memory:") as lib:
        old = lib.add_skill("old-date", Trigger(kind=TriggerKind.BEFORE_TOOL, tool=TOOL), _date_strategy(),
                            status=VersionStatus.ACTIVE).id
        evo = Evolver(lib, miner=None, seed=1, lifecycle=CFG, review="required", null_arm=False)
        real_events = lib.events

        def failing(*args: Any, **kwargs: Any) -> Any:
            if kwargs.get("kind") in (EventKind.REVIEW, EventKind.LIFECYCLE):
                raise OSError("disk I/O error")
            return real_events(*args, **kwargs)

        monkeypatch.setattr(lib, "events", failing)
        t = run_agent(evo, 5)
        assert t.changed == 0 and sum(1 for p in t.prompts if p) == 0
        monkeypatch.setattr(lib, "events", real_events)
        evo.invalidate()
        assert run_agent(evo, 5, start=5).calls_changed == 5  # readable again: approved (pre-switch)
        assert is_approved(lib, lib.version(old))


class _IsoDates(Sandbox):
    """A stand-in isolation boundary for this test: what a code skill returns is the point here,
    not how it runs (the real boundaries have their own tests). Raises for ``broken`` code."""

    def __init__(self) -> None:
        self.runs = 0

    def run_repair(self, code: str, tool: str, args: dict[str, Any], error: str) -> dict[str, Any] | None:
        self.runs += 1
        if "broken" in code:
            raise SandboxError("the code skill raised")
        d, m, y = str(args["date"]).split("/")
        return {**args, "date": f"{y}-{m}-{d}"}


def test_code_skills_run_in_shadow_through_the_sandbox_and_apply_once_approved() -> None:
    code = "def repair(tool, args, error):\n    return args\n"
    with SkillLibrary(":memory:") as lib:
        good = lib.add_skill("code-date", Trigger(kind=TriggerKind.TOOL_ERROR, tool=TOOL), Strategy(code=code),
                             status=VersionStatus.TESTING).id
        broken = lib.add_skill("code-broken", Trigger(kind=TriggerKind.TOOL_ERROR, tool=TOOL),
                               Strategy(code=code + "# broken\n"), status=VersionStatus.TESTING).id
        sandbox = _IsoDates()
        evo = Evolver(lib, miner=None, seed=6, lifecycle=CFG, review="required", sandbox=sandbox, null_arm=False)
        t = run_agent(evo, 20)
        assert t.changed == 0 and sandbox.runs == 40  # both ran in shadow on every failure
        assert shadow_evidence(lib, lib.version(good)).wins == 20
        lost = shadow_evidence(lib, lib.version(broken))
        assert (lost.wins, lost.trials) == (0, 20)
        evo.lifecycle.approve(good, "20 of 20 in shadow", actor="erin")
        evo.invalidate()
        t = run_agent(evo, 5, start=20)
        assert t.retries_offered == 5
