"""`skillevo export grpo`: grouped episodes with advantages, skill-generator rows, and the round trip."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from skillevo import (
    Applied,
    ConfigError,
    Episode,
    Event,
    EventKind,
    Evolver,
    Origin,
    PosteriorState,
    RuleMiner,
    SkillLibrary,
    Strategy,
    Trigger,
    TriggerKind,
    VersionStatus,
)
from skillevo._grpo import current_prompts, episode_rows, export_grpo, load_export, skill_generator_rows
from skillevo.cli import main

GUIDE = "Send cabin names in lower case, e.g. business. DON'T send Business."
ERROR = "cabin: Input should be 'economy' or 'business' [input_value='Business']"


def _library(path: Path) -> tuple[SkillLibrary, dict[str, str]]:
    """A failure that mined a skill with three versions, then a group of two rollouts that used it."""
    lib = SkillLibrary(path)
    past = time.time() - 1000.0
    first = Episode(task="Book a business flight", reward=0.0, started_at=past, policy_version="m@1")
    args = {"cabin": "Business", "flight": "F1"}
    err_id = lib.save_episode(
        first,
        [
            Event(kind=EventKind.TOOL_CALL, tool="book", data={"args": args}),
            Event(kind=EventKind.TOOL_ERROR, tool="book", data={"args": args, "error": ERROR}),
        ],
    )[1]
    origin = Origin(miner="rule", evidence=[err_id], episodes=[first.id])
    v1 = lib.add_skill(
        "book-cabin-case", Trigger(kind=TriggerKind.TOOL_ERROR, tool="book"), Strategy(guidance=GUIDE),
        description="Lower-case cabin names.", origin=origin, status=VersionStatus.ACTIVE,
    )
    v2 = lib.add_version("book-cabin-case", Strategy(guidance=GUIDE + " Always."), parent=v1.id, origin=origin)
    v3 = lib.add_version("book-cabin-case", Strategy(guidance="Use economy."), parent=v1.id, origin=origin)
    posteriors = ((v1.id, 4.0, 2.0, 4.0), (v2.id, 3.0, 1.0, 2.0), (v3.id, 1.0, 3.0, 2.0), ("null", 1.0, 3.0, 2.0))
    for arm, a, b, n in posteriors:
        lib.put_posterior(PosteriorState(key="book-cabin-case", arm=arm, alpha=a, beta=b, observations=n))
    used = Applied(key="book-cabin-case", arm=v1.id, propensity=0.9)
    for reward in (1.0, 0.0):
        ep = Episode(task="Book a business flight", group_id="g1", reward=reward, applied=[used], policy_version="m@1")
        lib.save_episode(
            ep,
            [
                Event(kind=EventKind.GUIDANCE, version_id=v1.id, data={"skill": "book-cabin-case"}),
                Event(kind=EventKind.TOOL_CALL, tool="book", data={"args": {"cabin": "business"}}),
                Event(kind=EventKind.TOOL_RESULT, tool="book", data={"result": "ok" if reward else "no seats"}),
            ],
        )
    lib.save_episode(Episode(task="never rewarded"))
    return lib, {"first": first.id, "v1": v1.id, "v2": v2.id, "v3": v3.id}


def test_episode_rows_group_advantage_and_sage_bonus(tmp_path: Path) -> None:
    lib, ids = _library(tmp_path / "lib.db")
    with lib:
        rows = episode_rows(lib, skill_reward_bonus=2.0)
    assert len(rows) == 3  # the unrewarded episode is left out
    first = next(r for r in rows if r["episode_id"] == ids["first"])
    # SAGE: the skill mined from this failed episode later helped a rollout with reward 1.0.
    assert first["reward"] == 0.0 and first["skill_bonus"] == 2.0 and first["integrated_reward"] == 2.0
    assert first["group_size"] == 1 and first["advantage"] == 0.0
    # No schema was recorded or passed in: the prompt lists the tool and the argument names it was called with.
    system, user = first["prompt"]
    assert user == {"role": "user", "content": "Book a business flight"}
    assert system["role"] == "system" and system["content"].startswith("You can call these tools")
    tool = json.loads(system["content"].splitlines()[1])["function"]
    assert tool == {"name": "book", "description": "", "parameters": {"type": "object", "properties": {
        "cabin": {}, "flight": {}}}}
    assert json.loads(first["tools"]) == [tool] and first["group_by"] == "template"
    assert [e["kind"] for e in first["trajectory"]] == ["tool_call", "tool_error"]
    assert json.loads(first["trajectory"][1]["data"])["error"] == ERROR
    group = [r for r in rows if r["group_id"] == "g1"]
    assert [r["reward"] for r in group] == [1.0, 0.0]
    expected = (np.array([1.0, 0.0]) - 0.5) / (0.5 + 1e-6)
    assert [r["advantage"] for r in group] == pytest.approx(list(expected))
    for r in group:
        assert r["skills"] == [ids["v1"]] and r["guidance_skills"] == [ids["v1"]]
        assert r["prompt"][0]["role"] == "system" and GUIDE in r["prompt"][0]["content"]
        assert r["prompt"][1] == {"role": "user", "content": "Book a business flight"}
        assert r["group_by"] == "group" and r["group_size"] == 2


def test_skill_generator_rows_bi_level_score(tmp_path: Path) -> None:
    lib, ids = _library(tmp_path / "lib.db")
    with lib:
        rows = {r["version_id"]: r for r in skill_generator_rows(lib, skill_reward_bonus=1.0)}
    assert set(rows) == {ids["v1"], ids["v2"], ids["v3"]}
    v1, v2, v3 = rows[ids["v1"]], rows[ids["v2"]], rows[ids["v3"]]
    # The failure context is the prompt LLMMiner would send; the completion the JSON it asks for.
    assert "tool: book" in v1["prompt"] and "Input should be" in v1["prompt"]
    proposal = json.loads(v1["completion"])
    assert proposal["name"] == "book-cabin-case" and proposal["strategy"] == {"guidance": GUIDE}
    assert proposal["trigger"]["kind"] == "tool_error" and proposal["trigger"]["tool"] == "book"
    # First generation: compared with doing nothing (the null arm, mean 0.25); reused with reward 1.
    assert v1["reward"] == pytest.approx(4 / 6) and v1["baseline"] == pytest.approx(0.25)
    assert v1["group_advantage"] == 0.0 and v1["skill_bonus"] == 1.0
    assert v1["score"] == pytest.approx(0.0 + (4 / 6 - 0.25) + 1.0)
    # Second generation: two siblings against v1's generation (mean 4/6).
    assert v2["generation"] == v3["generation"] == f"book-cabin-case<-{ids['v1']}"
    assert v2["group_advantage"] == pytest.approx(1.0, abs=1e-4)
    assert v3["group_advantage"] == pytest.approx(-1.0, abs=1e-4)
    assert v2["improvement"] == pytest.approx(0.75 - 4 / 6) and v3["improvement"] == pytest.approx(0.25 - 4 / 6)
    assert v2["score"] == pytest.approx(v2["group_advantage"] + v2["improvement"])
    assert v2["skill_bonus"] == 0.0


def test_export_round_trips_through_datasets_and_jsonl(tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets", reason="datasets comes with skillevo-trl")
    lib, _ = _library(tmp_path / "lib.db")
    out = tmp_path / "export"
    with lib:
        result = export_grpo(lib, out)
        episodes, generator = episode_rows(lib), skill_generator_rows(lib)
    assert result.datasets and result.episodes == 3 and result.groups == 2 and result.unrewarded == 1
    assert result.skill_proposals == 3
    assert load_export(out) == (episodes, generator)
    assert datasets.load_from_disk(str(out / "episodes")).to_list() == episodes
    assert datasets.load_from_disk(str(out / "skill_generator")).to_list() == generator
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["format"] == 2 and manifest["episodes"] == 3
    assert manifest["group_sizes"] == {"1": 1, "2": 1} and "have one member" in manifest["warnings"][0]
    with SkillLibrary(tmp_path / "lib.db") as again:  # a second export replaces the first
        assert export_grpo(again, out).episodes == 3
    assert datasets.load_from_disk(str(out / "episodes")).num_rows == 3


def test_without_datasets_only_jsonl_with_a_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "datasets", None)  # `import datasets` now raises ImportError
    lib, _ = _library(tmp_path / "lib.db")
    with lib:
        result = export_grpo(lib, tmp_path / "out")
    assert not result.datasets and "pip install" in result.note
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "episodes.jsonl", "manifest.json", "skill_generator.jsonl"
    ]
    assert len(load_export(tmp_path / "out")[0]) == 3


def test_current_prompts_carry_the_current_library(tmp_path: Path) -> None:
    lib, ids = _library(tmp_path / "lib.db")
    with lib:
        rows = current_prompts(lib)
        # Every distinct task is a prompt (the verifier scores completions, no stored reward is needed).
        assert [r["task"] for r in rows] == ["Book a business flight", "never rewarded"]
        assert rows[0]["skills"] == [ids["v1"]] and GUIDE in rows[0]["guidance"]
        assert rows[1]["skills"] == [] and rows[1]["prompt"] == [{"role": "user", "content": "never rewarded"}]
        # A newer incumbent replaces the old guidance in the training prompts (co-evolution).
        lib.set_status(ids["v2"], VersionStatus.ACTIVE, reason="test")
        lib.set_status(ids["v1"], VersionStatus.RETIRED, reason="test")
        rows = current_prompts(lib)
    assert rows[0]["skills"] == [ids["v2"]] and rows[0]["prompt"][0]["content"].endswith("Always.")


def test_cli_export_grpo_on_a_mined_library(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "lib.db"
    with SkillLibrary(db) as lib:
        evo = Evolver(lib, miner=RuleMiner(), seed=0)
        for i in range(4):
            with evo.group(task="Book flight F1 in business", size=2) as g:
                for j in range(2):
                    with g.episode() as ep:
                        args = ep.before_tool("book", {"cabin": "Business" if (i + j) % 2 else "business"})
                        if args["cabin"] != "business":
                            retry = ep.on_tool_error("book", args, ValueError(ERROR))
                            ok = retry is not None and retry.get("cabin") == "business"
                        else:
                            ok = True
                        if ok:
                            ep.on_tool_result("book", args, "booked")
                        ep.finish(reward=1.0 if ok else 0.0)
    out = tmp_path / "out"
    assert main(["export", "grpo", str(out), "--db", str(db)]) == 0
    assert "exported 8 episode(s) in 4 group(s)" in capsys.readouterr().out
    episodes, _ = load_export(out)
    for group in {r["group_id"] for r in episodes}:
        members = [r for r in episodes if r["group_id"] == group]
        rewards = np.array([r["integrated_reward"] for r in members])
        expected = (rewards - rewards.mean()) / (rewards.std() + 1e-6)
        assert [r["advantage"] for r in members] == pytest.approx(list(expected))


def test_bad_input_is_one_line(tmp_path: Path) -> None:
    with SkillLibrary(":memory:") as lib, pytest.raises(ConfigError, match="skill_reward_bonus"):
        export_grpo(lib, tmp_path / "x", skill_reward_bonus=-1.0)
    with pytest.raises(ConfigError, match="not a GRPO export"):
        load_export(tmp_path / "nowhere")


def test_export_never_overwrites_a_foreign_folder(tmp_path: Path) -> None:
    pytest.importorskip("datasets", reason="datasets comes with skillevo-trl")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "episodes").mkdir()  # not a dataset this export wrote
    with SkillLibrary(":memory:") as lib, pytest.raises(ConfigError, match="not a dataset this export wrote"):
        export_grpo(lib, tmp_path / "out")


def test_export_imports_no_torch_or_trl(tmp_path: Path) -> None:
    # The export is core: it may use `datasets`, never torch, transformers or trl.
    _library(tmp_path / "lib.db")[0].close()
    probe = (
        "import sys, json\nfrom skillevo.cli import main\n"
        f"assert main(['export', 'grpo', {str(tmp_path / 'out')!r}, '--db', {str(tmp_path / 'lib.db')!r}]) == 0\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    loaded = set(json.loads(out.strip().splitlines()[-1]))
    assert not loaded & {"torch", "transformers", "trl", "vllm"}
    assert (tmp_path / "out" / "episodes.jsonl").exists()
