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


# --------------------------------------------------------------------------- groups and tool schemas


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Book flight to Oslo on 2025-03-04", "Book flight to Rome on 2025-05-01"),
        ("Refund 20% of order 00412345.", "Refund 100% of order 00999999."),
        ("Cancel booking BK123456 on 4 March 2025", "Cancel booking BK654321 on Tue 1 Apr 2026"),
        ("E-mail ana@example.com the invoice #W6067464", "E-mail bo.li@mail.example.org the invoice #W1111111"),
        ('Rename the file "draft v1.txt" to \'final\'', 'Rename the file "notes.md" to \'old copy\''),
        ("Convert 120 USD to EUR at 10:30 am", "Convert 75.50 GBP to SEK at 9:05"),
        ("Open https://a.example/x?id=1 and summarise it", "Open http://b.example/ and summarise it"),
        ("Customer C10231 needs to fly JFK to CDG on February 6, 2026.",
         "Customer C99999 needs to fly OSL to LHR on March 16, 2025."),
    ],
)
def test_task_template_generalises_values_to_their_shapes(a: str, b: str) -> None:
    from skillevo._grpo_groups import task_template

    assert a != b and task_template(a) == task_template(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Cancel booking BK123456", "Confirm booking BK123456"),
        ("Refund order 123 in full", "Refund order 123 and e-mail the customer"),
        ("Book the cheapest flight to Oslo", "Book the earliest flight to Oslo"),
    ],
)
def test_task_template_keeps_what_is_not_a_value(a: str, b: str) -> None:
    from skillevo._grpo_groups import task_template

    assert task_template(a) != task_template(b)


def _templated(path: Path, n: int = 6, **metadata: object) -> SkillLibrary:
    lib = SkillLibrary(path)
    cities = ["Oslo", "Rome", "Lisbon", "Paris", "Madrid", "Vienna", "Prague", "Dublin"]
    for i in range(n):
        ep = Episode(task=f"Book a flight to {cities[i % 8]} on 2025-0{i % 9 + 1}-1{i % 10} for C1000{i}.",
                     reward=float(i % 2), policy_version="m@1", metadata=dict(metadata))
        lib.save_episode(ep, [
            Event(kind=EventKind.TOOL_CALL, tool="search", data={"args": {"to": "x", "date": "y"}}),
            Event(kind=EventKind.TOOL_CALL, tool="book" if i % 2 else "search",
                  data={"args": {"flight": "F1"} if i % 2 else {"to": "x", "cabin": "y"}}),
        ])
    return lib


def test_templated_tasks_form_one_group_with_real_advantages(tmp_path: Path) -> None:
    with _templated(tmp_path / "lib.db") as lib:
        rows = episode_rows(lib)
        assert len({r["task"] for r in rows}) == 6  # every text differs ...
        assert {r["group_id"] for r in rows} == {rows[0]["group_id"]}  # ... yet they are one group
        assert {r["template"] for r in rows} == {"Book a flight to <name> on <date> for <id>."}
        assert all(r["group_by"] == "template" and r["group_size"] == 6 for r in rows)
        assert sorted(r["advantage"] for r in rows) == pytest.approx([-1.0] * 3 + [1.0] * 3, abs=1e-4)
        # Every member's prompt lists the same tools: the union of what the group called.
        tools = {r["tools"] for r in rows}
        assert len(tools) == 1
        assert {t["name"]: sorted(t["parameters"]["properties"]) for t in json.loads(tools.pop())} == {
            "book": ["flight"], "search": ["cabin", "date", "to"],
        }
        # Another policy's episodes are a different group (their rewards are not comparable).
        lib.save_episode(Episode(task="Book a flight to Oslo on 2025-01-10 for C10000.", reward=1.0,
                                 policy_version="m@2"))
        assert len({r["group_id"] for r in episode_rows(lib)}) == 2


def test_a_callers_group_key_wins_over_the_template(tmp_path: Path) -> None:
    with _templated(tmp_path / "lib.db", n=4, cohort="a") as lib:
        lib.save_episode(Episode(task="Something else entirely", reward=0.0, metadata={"cohort": "a"}))
        rows = episode_rows(lib, group_key="cohort")
        assert {(r["group_id"], r["group_by"], r["group_size"]) for r in rows} == {("key:a", "key", 5)}
        assert len({r["group_id"] for r in episode_rows(lib, group_key="")}) == 2  # no key: templates


def test_tool_schemas_from_the_caller_or_the_episode(tmp_path: Path) -> None:
    schema = {"type": "object", "properties": {"to": {"type": "string"}}, "required": ["to"]}
    hf = [{"type": "function", "function": {"name": "search", "description": "Find flights.", "parameters": schema}}]
    with _templated(tmp_path / "lib.db", n=2) as lib:
        for given in (hf, {"search": schema}, [{"name": "search", "description": "Find flights.",
                                                "input_schema": schema}]):
            rows = episode_rows(lib, tool_schemas=given)
            listed = json.loads(rows[0]["tools"])
            assert [t["name"] for t in listed] == ["search"] and listed[0]["parameters"] == schema
            line = json.loads(rows[0]["prompt"][0]["content"].splitlines()[1])
            assert line == {"type": "function", "function": listed[0]}
        # Recorded with the episode by an adapter: used when the caller passes none.
        lib.save_episode(Episode(task="Book a flight to Oslo on 2025-01-10 for C10000.", reward=1.0,
                                 policy_version="m@1", metadata={"tool_schemas": hf}))
        rows = episode_rows(lib)
        recorded = next(r for r in rows if json.loads(r["tools"])[0].get("description"))
        assert json.loads(recorded["tools"])[0]["parameters"] == schema
        for bad in ("search", [{"description": "no name"}], {"search": ["not", "an", "object"]}):
            with pytest.raises(ConfigError, match="tool_schemas"):
                episode_rows(lib, tool_schemas=bad)


def test_groups_of_one_warn_and_can_be_left_out(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    with _templated(tmp_path / "lib.db", n=4) as lib:
        lib.save_episode(Episode(task="A one-off request", reward=1.0))
        with caplog.at_level("WARNING", logger="skillevo.grpo"):
            result = export_grpo(lib, tmp_path / "out")
        assert result.group_sizes == {"1": 1, "4": 1} and result.grouped_by == {"template": 5}
        assert "1 of 2 group(s) have one member" in result.warnings[0]
        if result.datasets:  # a library with no mined skill: an empty dataset that loads
            datasets = pytest.importorskip("datasets")
            assert datasets.load_from_disk(str(tmp_path / "out" / "skill_generator")).num_rows == 0
        assert any("have one member" in r.getMessage() for r in caplog.records)
        manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
        assert manifest["group_sizes"] == {"1": 1, "4": 1} and manifest["warnings"] == result.warnings
        kept = export_grpo(lib, tmp_path / "out", min_group_size=2)
        assert (kept.episodes, kept.groups, kept.small_groups, kept.small_group_episodes) == (4, 1, 1, 1)
        assert not any("one member" in w for w in kept.warnings)
        with pytest.raises(ConfigError, match="min_group_size"):
            export_grpo(lib, tmp_path / "out", min_group_size=0)
    db = str(tmp_path / "lib.db")
    assert main(["export", "grpo", str(tmp_path / "cli"), "--db", db]) == 0
    out = capsys.readouterr().out.replace("\n", " ")
    assert "groups by size: 1 of 1, 1 of 4" in out and "warning: 1 of 2 group(s) have one member" in out
    assert main(["export", "grpo", str(tmp_path / "cli"), "--db", db, "--min-group-size", "4", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["group_sizes"] == {"4": 1} and summary["small_group_episodes"] == 1
    schemas = tmp_path / "tools.json"
    schemas.write_text("{not json")
    assert main(["export", "grpo", str(tmp_path / "cli"), "--db", db, "--tool-schemas", str(schemas)]) == 1
    assert "--tool-schemas" in capsys.readouterr().err


def test_demo_library_exports_groups_of_four_or_more(tmp_path: Path) -> None:
    pytest.importorskip("skillevo_langgraph", reason="the demo runs through the LangGraph adapter")
    from collections import Counter

    from skillevo.cli._demo_cmd import run_demo

    res = run_demo(60, 0, tmp_path / "demo", show_progress=False)
    tools = json.loads(res["tools"].read_text())
    with SkillLibrary(res["db"]) as lib:
        exact = Counter(ep.task for ep in lib.episodes() if ep.reward is not None)
        result = export_grpo(lib, tmp_path / "grpo", tool_schemas=tools, min_group_size=4)
    # Grouped by exact text, no group reaches 4; by template, groups of 4 and more form.
    assert max(exact.values()) < 4
    assert result.groups >= 1 and min(int(size) for size in result.group_sizes) >= 4
    episodes, _ = load_export(tmp_path / "grpo")
    for group in {r["group_id"] for r in episodes}:
        members = [r for r in episodes if r["group_id"] == group]
        assert len(members) >= 4 and len({r["task"] for r in members}) > 1
        assert len({r["template"] for r in members}) == 1
    # The prompts carry the world's tool schemas (names, descriptions, argument JSON schemas).
    system = episodes[0]["prompt"][0]["content"]
    assert "search_flights" in system and '"properties"' in system and result.tools_from == {"caller": len(episodes)}
