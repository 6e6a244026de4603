"""The BFCL multi-turn learning driver (benchmarks/_learning_bfcl.py): environment, policy, arms.

Skipped with the reason when bfcl-eval is not installed (``make bench-deps`` installs it).
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

_bfcl_env = pytest.importorskip("_bfcl_env")
_reason = _bfcl_env.bfcl_available()
if _reason is not None:
    pytest.skip(_reason, allow_module_level=True)

import _bfcl_policy  # noqa: E402
import _learning_bfcl  # noqa: E402


def _task(bfcl_id: str) -> _bfcl_env.BfclTask:
    return next(t for t in _learning_bfcl.usable_tasks() if t.id == bfcl_id)


def test_ground_truth_replay_passes_the_state_check_and_a_skipped_call_fails_it() -> None:
    task = _task("multi_turn_base_0")
    expected, results = _bfcl_env.replay_ground_truth(task)
    assert results and not any(isinstance(r, Exception) for r in results)
    again, _ = _bfcl_env.replay_ground_truth(task)
    assert again.same_state(expected)
    # Leave out the first state-changing call of the ground truth: the state check must fail.
    partial = _bfcl_env.Backends(task)
    calls = [c for turn in _bfcl_env.ground_truth_calls(task) for c in turn]
    skipped = next(i for i, (name, _) in enumerate(calls) if name in ("mkdir", "mv", "touch", "echo", "cp"))
    for i, (name, args) in enumerate(calls):
        if i != skipped:
            partial.call(name, args)
    assert not partial.same_state(expected)


def test_tool_layer_rejects_bad_arguments_like_an_agent_framework() -> None:
    task = _task("multi_turn_base_0")
    backends = _bfcl_env.Backends(task)
    with pytest.raises(_bfcl_env.ValidationError, match="Extra inputs are not permitted"):
        backends.call("cd", {"folderName": "document"})
    with pytest.raises(_bfcl_env.ValidationError, match="Field required"):
        backends.call("mkdir", {})
    specs = _bfcl_env.tool_specs()
    assert specs["book_flight"].formats.get("travel_date") == "YYYY-MM-DD"
    # The backends' own errors come back as {"error": ...} results, which skillevo detects.
    result = backends.call("cd", {"folder": "no_such_folder"})
    assert isinstance(result, dict) and result.get("error")


def test_policy_mistakes_are_generic_rejected_and_avoided_when_guidance_names_tool_and_argument() -> None:
    spec = _bfcl_env.tool_specs()["book_flight"]
    args = {
        "access_token": "abc",
        "card_id": "144756014165",
        "travel_date": "2024-11-15",
        "travel_from": "SFO",
        "travel_to": "LAX",
        "travel_class": "economy",
    }
    config = _bfcl_policy.POLICY_V1
    everything = _bfcl_policy.PolicyConfig(
        version=config.version, rates=dict.fromkeys(config.rates, 1.0), styles=config.styles, prone_share=1.0
    )
    mistakes = _bfcl_policy.draw_mistakes(everything, spec, args, random.Random(0), lambda a: True)
    assert mistakes and len(mistakes) <= everything.max_mistakes_per_call
    sent = _bfcl_policy.apply_mistakes(args, mistakes)
    assert sent != args
    # A mistake the tools would accept is never made.
    assert _bfcl_policy.draw_mistakes(everything, spec, args, random.Random(0), lambda a: False) == []
    date = _bfcl_policy.Mistake("date_format", "book_flight", "travel_date", "travel_date", "11/15/2024")
    assert _bfcl_policy.addressed(date, "Learned skills:\n- `book_flight`: `travel_date` is YYYY-MM-DD.")
    assert not _bfcl_policy.addressed(date, "- `book_flight`: mind the card.\n- `travel_date` matters.")


def test_arms_run_and_skillevo_learns_to_fail_less() -> None:
    episodes = 40
    base = _learning_bfcl.run_arm("no skills", 0, episodes)
    evo = _learning_bfcl.run_arm("skillevo", 0, episodes)
    assert len(base) == len(evo) == episodes
    assert all(r.prompt_tokens == 0 for r in base)
    late_base = sum(r.failed_calls for r in base[episodes // 4 : episodes // 2])
    late_evo = sum(r.failed_calls for r in evo[episodes // 4 : episodes // 2])
    assert late_evo < late_base
    table = _learning_bfcl.run([0], 4, arms=("no skills", "static library"), workers=1)
    assert set(table) == {"no skills", "static library"}
    assert set(table["no skills"]) == {"before", "after"}
    assert set(table["no skills"]["before"]) == set(_learning_bfcl.METRICS)
    text = _learning_bfcl.format_table(table)
    assert "| static library |" in text and "success before" in text


def test_frozen_selector_applies_the_frozen_version_and_learns_nothing() -> None:
    sel = _learning_bfcl.FrozenSelector({"s@2"})
    assert sel.choose("s", ["s@1", "s@2", "null"]) == "s@2"
    assert sel.choose("s", ["s@1", "null"]) == "null"
    sel.update("s", "s@2", 0.0)
    assert sel.posterior("s", "s@2") == (1.0, 1.0)
    assert sel.propensity("s", ["s@1", "s@2", "null"], "s@2") == 1.0


def test_diagnosis_classifies_unrepaired_failures_by_cause() -> None:
    from skillevo import Evolver, Repair, SkillLibrary, Strategy, Trigger, TriggerKind, VersionStatus
    from skillevo._models import SetArg

    with SkillLibrary(":memory:") as lib:
        lib.add_skill(
            "units-default",
            Trigger(kind=TriggerKind.TOOL_ERROR, tool="weather", pattern="bad units"),
            Strategy(repair=Repair(ops=[SetArg(arg="units", value="C")])),
            status=VersionStatus.ACTIVE,
        )
        evo = Evolver(lib, miner=None, seed=0)
        diagnosis = _learning_bfcl.Diagnosis(upgrade_at=1)
        with evo.episode(task="t") as ep:
            diagnosis.record(ep, "weather", {"city": "X", "units": "C"}, "bad units")  # the repair changes nothing
            diagnosis.record(ep, "weather", {"city": "X", "units": "C"}, "bad units")
            diagnosis.record(ep, "forecast", {"city": "X"}, "bad units")  # no skill on this tool
        diagnosis.index = 1
        with evo.episode(task="t") as ep:
            diagnosis.record(ep, "forecast", {"city": "X"}, "bad units")  # seen in an earlier episode
    assert diagnosis.counts == {("before", "no repair applies"): 2, ("before", "no skill"): 1, ("after", "no skill"): 1}
    assert diagnosis.first == {"before": 3, "after": 0}
    table = _learning_bfcl.format_diagnosis([diagnosis], seeds=1, episodes=2)
    assert "| before | 1.00 | 2.00 | 0.00 | 3.00 |" in table and "| after | 1.00 | 0.00 | 0.00 | 0.00 |" in table
