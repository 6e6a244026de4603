"""The online engine, framework-free: selection, repair, guidance, credit, mining, lifecycle, persistence."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from skillevo import (
    NULL_ARM,
    ArgCondition,
    Event,
    EventKind,
    Evolver,
    Repair,
    SkillLibrary,
    SkillStore,
    Strategy,
    Trigger,
    TriggerKind,
    VersionStatus,
)
from skillevo._evolver import current_episode
from skillevo._guidance import GUIDANCE_HEADER, compose_guidance, estimate_tokens
from skillevo._lifecycle import LifecycleConfig
from skillevo._mining import Miner, Proposal
from skillevo._models import SetArg


@pytest.fixture
def lib() -> Iterator[SkillLibrary]:
    with SkillLibrary(":memory:") as store:
        yield store


def _favour(evo: Evolver, key: str, arm: str, n: int = 30) -> None:
    """Make `arm` the clear winner at `key` so a seeded selection is (practically) certain."""
    for _ in range(n):
        evo.selector.update(key, arm, 1.0)
        evo.selector.update(key, NULL_ARM, 0.0)


def _units_skill(lib: SkillStore, *, precondition: bool = False) -> str:
    repair = Repair(
        ops=[SetArg(arg="units", value="C")],
        precondition=[ArgCondition(arg="units", present=False)] if precondition else None,
    )
    version = lib.add_skill(
        "add-units",
        Trigger(kind=TriggerKind.TOOL_ERROR, tool="weather", pattern="missing units"),
        Strategy(repair=repair),
        status=VersionStatus.ACTIVE,
    )
    return version.id


def _weather(args: dict[str, object]) -> str:
    if "units" not in args:
        raise ValueError("missing units")
    return f"sunny in {args['city']}"


def test_repair_after_error_is_applied_and_credited(lib: SkillLibrary) -> None:
    vid = _units_skill(lib)
    evo = Evolver(lib, miner=None, seed=1)
    _favour(evo, "add-units", vid)
    before = evo.selector.posterior("add-units", vid)
    with evo.episode(task="weather in Oslo") as ep:
        args = ep.before_tool("weather", {"city": "Oslo"})
        assert args == {"city": "Oslo"}
        with pytest.raises(ValueError) as err:
            _weather(args)
        retry = ep.on_tool_error("weather", args, err.value)
        assert retry == {"city": "Oslo", "units": "C"}
        assert ep.on_tool_result("weather", retry, _weather(retry)) is False
        ep.finish(1.0)
    after = evo.selector.posterior("add-units", vid)
    assert after[0] == pytest.approx(before[0] + 1.0)  # credited once, by the repaired call
    stored = lib.episode(ep.id)
    assert stored.reward == 1.0
    assert [a.arm for a in stored.applied] == [vid]
    kinds = [e.kind for e in lib.events(episode_id=ep.id)]
    assert kinds[:2] == [EventKind.TOOL_CALL, EventKind.TOOL_ERROR]
    assert EventKind.REPAIR in kinds and EventKind.CREDIT in kinds and kinds.count(EventKind.TOOL_CALL) == 2
    repair = lib.events(episode_id=ep.id, kind=EventKind.REPAIR)[0]
    assert repair.version_id == vid and repair.data["after"] == {"city": "Oslo", "units": "C"}


def test_failed_repair_is_credited_zero_and_not_repeated(lib: SkillLibrary) -> None:
    vid = _units_skill(lib)
    evo = Evolver(lib, miner=None, seed=1)
    _favour(evo, "add-units", vid)
    a0, b0 = evo.selector.posterior("add-units", vid)
    with evo.episode(task="t") as ep:
        retry = ep.on_tool_error("weather", {"city": "X"}, ValueError("missing units"))
        assert retry is not None
        assert ep.on_tool_error("weather", retry, ValueError("missing units: still")) is None
    a1, b1 = evo.selector.posterior("add-units", vid)
    assert (a1, b1) == (pytest.approx(a0), pytest.approx(b0 + 1.0))


def test_preemptive_repair_when_precondition_holds(lib: SkillLibrary) -> None:
    vid = _units_skill(lib, precondition=True)
    evo = Evolver(lib, miner=None, seed=2)
    _favour(evo, "add-units", vid)
    with evo.episode(task="t") as ep:
        args = ep.before_tool("weather", {"city": "Oslo"})
        assert args == {"city": "Oslo", "units": "C"}
        ep.on_tool_result("weather", args, _weather(args))
        # precondition false: untouched
        assert ep.before_tool("weather", {"city": "Rome", "units": "F"}) == {"city": "Rome", "units": "F"}
    call = lib.events(episode_id=ep.id, kind=EventKind.TOOL_CALL)[0]
    assert call.data["original_args"] == {"city": "Oslo"} and call.data["args"]["units"] == "C"
    credit = lib.events(episode_id=ep.id, kind=EventKind.CREDIT)
    assert [(c.data["arm"], c.data["reward"]) for c in credit] == [(vid, 1.0)]


def test_null_arm_leaves_arguments_alone(lib: SkillLibrary) -> None:
    vid = _units_skill(lib, precondition=True)
    evo = Evolver(lib, miner=None, seed=3)
    for _ in range(30):
        evo.selector.update("add-units", vid, 0.0)
        evo.selector.update("add-units", NULL_ARM, 1.0)
    with evo.episode(task="t") as ep:
        assert ep.before_tool("weather", {"city": "X"}) == {"city": "X"}
    assert lib.episode(ep.id).applied[0].arm == NULL_ARM


def test_a_failed_call_is_rescued_by_a_live_repair_when_the_null_arm_was_drawn(lib: SkillLibrary) -> None:
    # The episode drew "apply nothing" at this site, but the call has failed: nothing's outcome is
    # known (0), so a live version whose repair applies is tried, and credited with the retry's outcome.
    vid = _units_skill(lib)
    evo = Evolver(lib, miner=None, seed=3)
    for _ in range(30):
        evo.selector.update("add-units", vid, 0.0)
        evo.selector.update("add-units", NULL_ARM, 1.0)
    a0, b0 = evo.selector.posterior("add-units", vid)
    n0 = evo.selector.posterior("add-units", NULL_ARM)
    with evo.episode(task="t") as ep:
        retry = ep.on_tool_error("weather", {"city": "X"}, "missing units")
        assert retry == {"city": "X", "units": "C"}
        assert ep.on_tool_result("weather", retry, _weather(retry)) is False
    assert lib.episode(ep.id).applied[0].arm == NULL_ARM  # the episode's choice is unchanged
    assert evo.selector.posterior("add-units", vid) == (pytest.approx(a0 + 1.0), pytest.approx(b0))
    assert evo.selector.posterior("add-units", NULL_ARM) == (pytest.approx(n0[0]), pytest.approx(n0[1] + 1.0))
    repair = lib.events(episode_id=ep.id, kind=EventKind.REPAIR)[0]
    assert repair.version_id == vid and repair.data["when"] == "after_error"


def test_no_null_arm_credit_at_an_error_no_live_repair_applies_to(lib: SkillLibrary) -> None:
    # The repair sets units="C", which these arguments already have: it could not have changed the
    # call either, so the failed call compares nothing and credits nobody.
    vid = lib.add_skill(
        "units-default",
        Trigger(kind=TriggerKind.TOOL_ERROR, tool="weather", pattern="bad units"),
        Strategy(repair=Repair(ops=[SetArg(arg="units", value="C")])),
        status=VersionStatus.ACTIVE,
    ).id
    evo = Evolver(lib, miner=None, seed=3)
    for _ in range(30):
        evo.selector.update("units-default", vid, 0.0)
        evo.selector.update("units-default", NULL_ARM, 1.0)
    before = evo.selector.posterior("units-default", NULL_ARM)
    with evo.episode(task="t") as ep:
        assert ep.on_tool_error("weather", {"city": "X", "units": "C"}, "bad units") is None
    assert evo.selector.posterior("units-default", NULL_ARM) == before
    assert lib.events(episode_id=ep.id, kind=EventKind.CREDIT) == []


def test_guidance_is_composed_deduplicated_and_budgeted(lib: SkillLibrary) -> None:
    for name, text in [
        ("be-brief", "Answer in one sentence."),
        ("brief-again", "answer in  one sentence."),
        ("dates", "Dates are YYYY-MM-DD."),
    ]:
        lib.add_skill(name, Trigger(kind=TriggerKind.ALWAYS), Strategy(guidance=text), status=VersionStatus.ACTIVE)
    lib.add_skill(
        "weather-units",
        Trigger(kind=TriggerKind.TOOL_ERROR, tool="weather"),
        Strategy(guidance="Always pass units to weather."),
        status=VersionStatus.ACTIVE,
    )
    evo = Evolver(lib, miner=None, seed=0)
    for key in ("be-brief", "brief-again", "dates", "weather-units"):
        _favour(evo, key, f"{key}@1")
    with evo.episode(task="t") as ep:
        text = ep.guidance()
        assert text.count("one sentence") == 1 and "YYYY-MM-DD" in text and "units" not in text
        assert "Always pass units" in ep.guidance(tools=["weather"])
        ep.finish(1.0)
    assert {e.data["skill"] for e in lib.events(episode_id=ep.id, kind=EventKind.GUIDANCE)} >= {"dates"}
    # every guidance choice is credited with the episode reward
    assert evo.selector.posterior("dates", "dates@1")[0] == pytest.approx(32.0)
    budget = estimate_tokens(GUIDANCE_HEADER) + estimate_tokens("short one") + 5
    small, used = compose_guidance(["a" * 100, "short one"], budget_tokens=budget)
    assert used == [1] and "short one" in small


def test_delayed_feedback_moves_the_applied_posterior(lib: SkillLibrary) -> None:
    lib.add_skill(
        "tip", Trigger(kind=TriggerKind.ALWAYS), Strategy(guidance="Check twice."), status=VersionStatus.ACTIVE
    )
    evo = Evolver(lib, miner=None, seed=0)
    _favour(evo, "tip", "tip@1")
    with evo.episode(task="t") as ep:
        assert "Check twice." in ep.guidance()
    before = evo.selector.posterior("tip", "tip@1")
    assert lib.episode(ep.id).reward is None
    evo.feedback(ep.id, 0.0)
    after = evo.selector.posterior("tip", "tip@1")
    assert after == (pytest.approx(before[0]), pytest.approx(before[1] + 1.0))
    assert lib.episode(ep.id).reward == 0.0
    assert lib.events(kind=EventKind.FEEDBACK)[0].data["credited"] == 1
    # a fresh Evolver (another process) credits from the stored episode
    with evo.episode(task="t") as ep2:
        ep2.guidance()
    evo2 = Evolver(lib, miner=None, seed=0)
    b = evo2.selector.posterior("tip", "tip@1")
    evo2.feedback(ep2.id, 1.0)
    assert evo2.selector.posterior("tip", "tip@1")[0] == pytest.approx(b[0] + 1.0)


def test_failure_shaped_results_are_errors(lib: SkillLibrary) -> None:
    evo = Evolver(lib, miner=None, is_failure=lambda r: r == "nope")
    with evo.episode(task="t") as ep:
        assert ep.on_tool_result("t", {}, {"error": "bad input"}) is True
        assert ep.on_tool_result("t", {}, "nope") is True
        assert ep.on_tool_result("t", {}, {"rows": [1, 2]}) is False
    kinds = [e.kind for e in lib.events(episode_id=ep.id)]
    assert kinds == [EventKind.TOOL_ERROR, EventKind.TOOL_ERROR, EventKind.TOOL_RESULT]


def test_episode_context_semantics(lib: SkillLibrary) -> None:
    evo = Evolver(lib, miner=None)
    with pytest.raises(KeyError), evo.episode(task="boom") as ep:
        assert current_episode() is ep
        raise KeyError("x")
    assert current_episode() is None
    assert lib.episode(ep.id).reward == 0.0 and lib.episode(ep.id).metadata["exception"] == "KeyError"
    ep2 = evo.episode(task="twice")
    with ep2, ep2:
        pass
    assert ep2.finished and lib.episode(ep2.id).reward is None
    ep2.finish(0.5)  # a reward after a reward-less finish is feedback
    assert lib.episode(ep2.id).reward == 0.5
    ep2.finish(1.0)  # no-op
    assert lib.episode(ep2.id).reward == 0.5 and lib.count_episodes() == 2


def test_secrets_are_redacted_before_storage(lib: SkillLibrary) -> None:
    evo = Evolver(lib, miner=None)
    secret = "sk-" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4"
    with evo.episode(task="t") as ep:
        ep.before_tool("http", {"url": "https://x", "api_key": secret})
        ep.on_tool_error("http", {"url": "https://x", "api_key": secret}, f"401 bad key {secret}")
    raw = " ".join(str(e.data) for e in lib.events(episode_id=ep.id))
    assert secret not in raw


class _UnitsMiner(Miner):
    """A deterministic miner for the mining path: 'missing X' errors -> set X."""

    name = "units-test"

    def mine(self, events: Sequence[Event], store: SkillStore) -> list[Proposal]:
        out = []
        for e in events:
            if e.kind == EventKind.TOOL_ERROR and "missing units" in str(e.data.get("error")):
                out.append(
                    Proposal(
                        name="set-units",
                        description="weather needs units",
                        trigger=Trigger(kind=TriggerKind.TOOL_ERROR, tool="weather", pattern="missing units"),
                        strategy=Strategy(repair=Repair(ops=[SetArg(arg="units", value="C")])),
                        evidence=[e.id or 0],
                        episodes=[e.episode_id or ""],
                    )
                )
                break
        return out


def test_redaction_prefilter_changes_no_output() -> None:
    """The one-search pre-filter in `redact_text` (it keeps the per-call cost low) lets through every text
    any secret pattern would change: on texts that hit each pattern, near misses and ordinary text,
    the result equals running every pattern."""
    from skillevo._redaction import _may_hold_secret, _redact_all_rules, redact_text

    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
    texts = [
        "t0",
        "The weather in Paris is sunny, 21 degrees; order 12345 shipped on 2025-03-04.",
        "Authorization: Bearer abcdefgh12345678",
        "bearer short",
        "key sk-live-ABCDEFGHIJKLMNOP1234 and pk_test_abcdefghijklmnopqrst",
        "AKIAABCDEFGHIJKLMNOP",
        "ghp_" + "a" * 36,
        "xoxb-1234567890-abcdef",
        f"token {jwt}",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----",
        "password=hunter2 passwd: 'two words' PWD = \"q\"",
        "Api-Key=abc123 apikey:xyz client_secret=s3 SECRET=x token:=y",
        "\u017fecret=unicode-fold",  # the long s folds to "s" under IGNORECASE, in both paths
        "card 4111 1111 1111 1111, not 4111-1111-1111-1112, nor 123456789012",
        "mail a@b.com",
        "[REDACTED:secret] already",
    ]
    cleared = changed = 0
    for text in texts:
        for emails in (False, True):
            assert redact_text(text, emails=emails) == _redact_all_rules(text, emails), text
            cleared += not _may_hold_secret(text)
            changed += _redact_all_rules(text, emails) != text
    assert cleared >= 4 and changed >= 20  # both paths are exercised


def test_mining_stores_a_candidate_and_the_natural_path_promotes_it(lib: SkillLibrary) -> None:
    config = LifecycleConfig(min_updates=3, min_episodes=3)
    evo = Evolver(lib, miner=_UnitsMiner(), seed=0, lifecycle=config)
    model_turns = []
    for _ in range(40):
        turns = 0
        with evo.episode(task="weather") as ep:
            args = ep.before_tool("weather", {"city": "Oslo"})
            try:
                ep.on_tool_result("weather", args, _weather(args))
            except ValueError as exc:
                retry = ep.on_tool_error("weather", args, exc)
                if retry is None:  # the "model" corrects itself on an extra turn
                    turns += 1
                    fixed = ep.before_tool("weather", {**args, "units": "C"})
                    ep.on_tool_result("weather", fixed, _weather(fixed))
                else:
                    ep.on_tool_result("weather", retry, _weather(retry))
            ep.finish(1.0)
        model_turns.append(turns)
    skill = lib.skill("set-units")
    assert skill.versions[0].origin.miner == "units-test"
    assert skill.status is VersionStatus.ACTIVE
    assert lib.events(kind=EventKind.PROPOSAL)
    assert sum(model_turns[-10:]) < sum(model_turns[:10])


def test_review_required_keeps_winners_pending(lib: SkillLibrary) -> None:
    config = LifecycleConfig(min_updates=3, min_episodes=3)
    evo = Evolver(lib, miner=_UnitsMiner(), seed=0, lifecycle=config, review="required")
    for _ in range(40):
        with evo.episode(task="weather") as ep:
            retry = ep.on_tool_error("weather", {"city": "Oslo"}, ValueError("missing units"))
            if retry is not None:
                ep.on_tool_result("weather", retry, _weather(retry))
            ep.finish(1.0)
    assert lib.skill("set-units").status is VersionStatus.TESTING
    assert [v.id for v in evo.lifecycle.pending()] == ["set-units@1"]


def test_policy_change_is_announced(lib: SkillLibrary) -> None:
    vid = _units_skill(lib)
    evo = Evolver(lib, miner=None, policy_version="m@1")
    _favour(evo, "add-units", vid)
    evo.policy_version = "m@2"
    assert evo.selector.posterior("add-units", vid) == (1.0, 1.0)
    event = lib.events(kind=EventKind.POLICY_CHANGE)[-1]
    assert event.data == {"from": "m@1", "to": "m@2"}
    with evo.episode(task="t") as ep:
        pass
    assert lib.episode(ep.id).policy_version == "m@2"


def test_group_records_advantages(lib: SkillLibrary) -> None:
    evo = Evolver(lib, miner=None)
    with evo.group(task="same", size=3) as g:
        for r in (0.0, 0.5, 1.0):
            with g.episode() as ep:
                ep.finish(r)
    stored = lib.episodes(group_id=g.id)
    advantages = sorted(e.metadata["advantage"] for e in stored)  # type: ignore[type-var]
    assert len(stored) == 3 and advantages[0] < 0 < advantages[2]


async def test_async_episode(lib: SkillLibrary) -> None:
    vid = _units_skill(lib)
    evo = Evolver(lib, miner=None, seed=1)
    _favour(evo, "add-units", vid)

    async def run(i: int) -> str:
        async with evo.episode(task=f"t{i}") as ep:
            assert current_episode() is ep
            retry = await ep.aon_tool_error("weather", {"city": str(i)}, ValueError("missing units"))
            assert retry is not None
            await ep.aon_tool_result("weather", retry, "ok")
            await ep.afinish(1.0)
        return ep.id

    ids = await asyncio.gather(*(run(i) for i in range(5)))
    assert len(set(ids)) == 5 and lib.count_episodes() == 5


def test_threads_share_one_evolver_without_losing_anything(tmp_path: Path) -> None:
    with SkillLibrary(tmp_path / "lib.db") as lib:
        vid = _units_skill(lib)
        evo = Evolver(lib, miner=None, seed=0)
        n_threads, per = 8, 25

        def worker() -> None:
            for _ in range(per):
                with evo.episode(task="t") as ep:
                    args = ep.before_tool("weather", {"city": "x"})
                    retry = ep.on_tool_error("weather", args, ValueError("missing units"))
                    if retry is not None:
                        ep.on_tool_result("weather", retry, "ok")
                    ep.finish(1.0)

        threads = [threading.Thread(target=worker) for _ in range(n_threads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert lib.count_episodes() == n_threads * per
        per_episode = {e.id: len(lib.events(episode_id=e.id)) for e in lib.episodes()}
        assert min(per_episode.values()) >= 3
        obs = sum(p.observations for p in lib.posteriors("add-units"))
        assert obs >= n_threads * per  # every call's credit persisted
        assert vid
