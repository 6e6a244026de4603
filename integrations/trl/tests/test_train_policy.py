"""skillevo_trl: GRPO with TRL on a tiny local Qwen2 model (CPU), the skill-integrated reward, the CLI.

Nothing is downloaded: the model is randomly initialised and its tokenizer trained here. The vLLM
test needs a CUDA GPU and vLLM and is skipped, with the reason shown, everywhere else.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

pytest.importorskip("trl", reason="skillevo-trl's dependencies (torch, trl) are not installed")

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from skillevo import (
    ConfigError,
    Episode,
    Event,
    EventKind,
    Evolver,
    PolicyConfig,
    RuleMiner,
    SkillLibrary,
    Strategy,
    Trigger,
    TriggerKind,
    VersionStatus,
)
from skillevo.cli import main
from skillevo.grpo import GUIDANCE_HEADER, skill_prompt
from skillevo_trl import SkillIntegratedReward, build_tiny_model, skill_markers, train_policy
from skillevo_trl._train import _fit

pytestmark = [
    # transformers 5 deprecates names TRL 1.16 still uses; only these messages are ignored.
    pytest.mark.filterwarnings("ignore:.*gradient_checkpointing.*:FutureWarning"),
    pytest.mark.filterwarnings("ignore:.*torch_dtype.*is deprecated:FutureWarning"),
]

GUIDE = "Send cabin names in lower case to book, e.g. business. DON'T send Business."
BOOK = "Book a business flight for customer C1"
CANCEL = "Cancel booking B2 for customer C1"
VERIFIER = "skillevo_trl_test_verifier"
GPU_REASON = (
    None
    if torch.cuda.is_available() and importlib.util.find_spec("vllm") is not None
    else "needs a CUDA GPU and vLLM (pip install 'skillevo-trl[vllm]' in a GPU venv); this machine has "
    + ("no CUDA GPU" if not torch.cuda.is_available() else "no vLLM")
)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer, 32-wide Qwen2 with a byte-level BPE trained on a few strings."""
    # (the guidance block's header too, as a real tokenizer knows its English words)
    texts = [BOOK, CANCEL, GUIDE, "search_flights book_flight refund_order get_booking", GUIDANCE_HEADER] * 3
    return build_tiny_model(tmp_path_factory.mktemp("models") / "tiny", texts)


@pytest.fixture
def verifier(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """An importable verifier (``skillevo_trl_test_verifier:verify``) that records what it is given."""
    (tmp_path / f"{VERIFIER}.py").write_text(
        textwrap.dedent(
            """
            CALLS = []

            def verify(prompts, completions, **kw):
                CALLS.append({"prompts": list(prompts), "completions": list(completions),
                              "skills": [list(s) for s in kw["skills"]], "task": list(kw["task"]),
                              "keys": sorted(kw)})
                # Deterministic and varied, so the group-relative advantages are not all zero.
                return [len(set(c)) / 10.0 for c in completions]
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    module = __import__(VERIFIER)
    yield module
    sys.modules.pop(VERIFIER, None)


def _library(path: Path) -> tuple[SkillLibrary, str]:
    lib = SkillLibrary(path)
    version = lib.add_skill(
        "book-cabin-case", Trigger(kind=TriggerKind.TOOL_ERROR, tool="book"), Strategy(guidance=GUIDE),
        status=VersionStatus.ACTIVE,
    )
    for task, tool in ((BOOK, "book"), (CANCEL, "cancel")):
        lib.save_episode(
            Episode(task=task, reward=1.0), [Event(kind=EventKind.TOOL_CALL, tool=tool, data={"args": {}})]
        )
    return lib, version.id


def _config(tiny: Path, out: Path, **kw: Any) -> PolicyConfig:
    settings: dict[str, Any] = dict(
        enabled=True, model=str(tiny), verifier=f"{VERIFIER}:verify", output_dir=str(out), steps=2,
        batch_size=2, num_generations=2, max_completion_length=8, max_prompt_length=128, learning_rate=1e-3,
        lora=False,
    )
    settings.update(kw)
    return PolicyConfig(**settings)


# --------------------------------------------------------------------------- the reward, without a trainer


def test_reward_adds_sage_bonus_when_a_prompted_skill_is_used() -> None:
    seen: list[dict[str, Any]] = []

    def verify(prompts: list[str], completions: list[str], **kw: Any) -> list[float]:
        seen.append({"prompts": prompts, **kw})
        return [1.0, 1.0, 0.0, 0.5]

    reward = SkillIntegratedReward(verify, {"fix@2": skill_markers("fix", "book_flight")}, bonus=2.0)
    prompts = [[{"role": "system", "content": "guide"}, {"role": "user", "content": "task"}]] * 4
    completions = [[{"role": "assistant", "content": c}] for c in
                   ("call book_flight(cabin='business')", "I give up", "book_flight again", "book_flight")]
    skills = [["fix@2"], ["fix@2"], ["fix@2"], []]
    scores = reward(prompts, completions, skills=skills, task=["task"] * 4)
    # used + success: 1 + 2*1; not used: 1; used but failed: 0; no skill in the prompt: 0.5
    assert scores == [3.0, 1.0, 0.0, 0.5]
    assert seen[0]["skills"] == skills and seen[0]["prompts"][0] == "guide\n\ntask"
    assert reward.summary()["skill_use_rate"] == 0.5


def test_reward_takes_the_verifiers_word_on_skill_use() -> None:
    def verify(prompts: list[str], completions: list[str], **kw: Any) -> list[Any]:
        return [{"reward": 1.0, "skills_used": ["fix"]}, {"reward": 1.0, "skills_used": []}]

    reward = SkillIntegratedReward(verify, {"fix@1": ("fix",)}, bonus=1.0)
    assert reward(["p", "p"], ["no mention", "fix"], skills=[["fix@1"], ["fix@1"]]) == [2.0, 1.0]


@pytest.mark.parametrize(
    ("result", "message"),
    [([1.0], "one score per completion"), (["x", 1.0], "not a number"), ([float("nan"), 0.0], "not finite"),
     ([{"score": 1}, 0.0], "without a 'reward' key")],
)
def test_bad_verifier_output_is_one_line(result: list[Any], message: str) -> None:
    reward = SkillIntegratedReward(lambda p, c, **kw: result, {}, bonus=1.0)
    with pytest.raises(ConfigError, match=message):
        reward(["p", "p"], ["a", "b"], skills=[[], []])


def test_bad_settings_are_one_line(tiny: Path, tmp_path: Path, verifier: ModuleType) -> None:
    with SkillLibrary(":memory:") as lib:
        with pytest.raises(ConfigError, match="not a local model folder"):
            train_policy(_config(tmp_path / "missing", tmp_path / "out"), lib)
        with pytest.raises(ConfigError, match=r"policy\.verifier: required"):
            train_policy(_config(tiny, tmp_path / "out", verifier=None), lib)
        with pytest.raises(ConfigError, match="cannot import"):
            train_policy(_config(tiny, tmp_path / "out", verifier="no_such_module_x:verify"), lib)
        with pytest.raises(ConfigError, match=r"multiple of policy\.num_generations"):
            train_policy(_config(tiny, tmp_path / "out", batch_size=3), lib)
        with pytest.raises(ConfigError, match="no episode with a task"):
            train_policy(_config(tiny, tmp_path / "out"), lib)
        if not torch.cuda.is_available():
            with pytest.raises(ConfigError, match="needs a CUDA GPU"):
                train_policy(_config(tiny, tmp_path / "out", use_vllm=True), lib)


def test_long_prompts_lose_guidance_first_then_task_text(tiny: Path) -> None:
    tokenizer = AutoTokenizer.from_pretrained(tiny)
    guidance = "Learned skills (apply when relevant):\n- " + GUIDE + "\n- Use economy when unsure."
    row = {"task": BOOK * 5, "guidance": guidance, "skills": ["a@1", "b@1"], "skill_names": ["a", "b"]}

    def length(messages: list[dict[str, str]]) -> int:
        text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return len(tokenizer(text, add_special_tokens=False)["input_ids"])

    full = length(skill_prompt(row["task"], guidance))
    one_dropped = length(skill_prompt(row["task"], guidance.rsplit("\n", 1)[0]))
    fitted = _fit(row, tokenizer, one_dropped, conversational=True)
    assert fitted["skills"] == ["a@1"] and fitted["task"] == row["task"] and full > one_dropped
    short = _fit(row, tokenizer, 40, conversational=True)
    assert short["skills"] == [] and short["guidance"] == "" and row["task"].startswith(short["task"])
    assert 0 < length(short["prompt"]) <= 40
    with pytest.raises(ConfigError, match="max_prompt_length"):
        _fit(row, tokenizer, 3, conversational=True)


# --------------------------------------------------------------------------- GRPO on CPU


@pytest.mark.slow
def test_two_grpo_steps_on_cpu_save_a_model_that_loads(tiny: Path, tmp_path: Path, verifier: ModuleType) -> None:
    lib, version_id = _library(tmp_path / "lib.db")
    before = AutoModelForCausalLM.from_pretrained(tiny).state_dict()
    with lib:
        result = train_policy(_config(tiny, tmp_path / "policy"), lib)
        assert lib.get_meta("skillevo_trl.grpo_runs") == "1"
    assert result["policy_version"] == "tiny@grpo-1" and result["steps"] == 2
    assert result["output_dir"] == str(tmp_path / "policy" / "grpo-1")
    assert result["prompts"] == 2 and result["skills_injected"] == 1 and result["device"] == "cpu"
    assert isinstance(result["train_loss"], float) and isinstance(result["reward"], float)
    # The reward function saw the skill context: the booking task carried the skill, the other none.
    calls = verifier.CALLS
    assert {t for c in calls for t in c["task"]} == {BOOK, CANCEL}
    for call in calls:
        assert {"skills", "task", "guidance", "skill_names"} <= set(call["keys"])
        for task, skills, prompt in zip(call["task"], call["skills"], call["prompts"], strict=True):
            assert skills == ([version_id] if task == BOOK else [])
            assert (GUIDE in prompt) is (task == BOOK)
    # The saved policy loads again, with its tokenizer, and training changed its weights.
    out = Path(result["output_dir"])
    model = AutoModelForCausalLM.from_pretrained(out)
    assert AutoTokenizer.from_pretrained(out).chat_template
    after = model.state_dict()
    assert any(not torch.equal(before[k], after[k]) for k in before)
    meta = json.loads((out / "skillevo_policy.json").read_text())
    assert meta["policy_version"] == "tiny@grpo-1" and meta["skills"] == [version_id]


@pytest.mark.slow
def test_lora_run_merges_into_a_loadable_model_and_counts_up(
    tiny: Path, tmp_path: Path, verifier: ModuleType
) -> None:
    # Start from an earlier fine-tune of `tiny`: the version keeps the base name and counts up.
    parent = tmp_path / "policy" / "grpo-1"
    shutil.copytree(tiny, parent)
    (parent / "skillevo_policy.json").write_text(json.dumps({"policy_version": "tiny@grpo-1", "base_model": "tiny"}))
    lib, _ = _library(tmp_path / "lib.db")
    with lib:
        result = train_policy(_config(parent, tmp_path / "policy", steps=1, lora=True, lora_r=4), lib)
    assert result["policy_version"] == "tiny@grpo-2" and result["lora"] and result["steps"] == 1
    model = AutoModelForCausalLM.from_pretrained(result["output_dir"])
    assert not any("lora" in name for name in model.state_dict())  # merged: a plain model
    assert any(not torch.equal(v, model.state_dict()[k])
               for k, v in AutoModelForCausalLM.from_pretrained(tiny).state_dict().items())


@pytest.mark.slow
def test_skillevo_train_policy_end_to_end_on_a_demo_world_library(
    tiny: Path, tmp_path: Path, verifier: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    from skillevo.demo import run_neutral

    db = tmp_path / "skillevo.db"
    with SkillLibrary(db) as lib:
        evo = Evolver(lib, miner=RuleMiner(), seed=0)
        run_neutral(8, seed=0, evo_for=lambda i: evo)
        assert lib.count_episodes() == 8 and lib.skills()
    config = tmp_path / "skillevo.toml"
    config.write_text(
        textwrap.dedent(
            f"""
            [library]
            db = "skillevo.db"

            [train]
            report_dir = "reports"
            formats = ["md"]
            settle_s = 0

            [policy]
            model = "{tiny}"
            verifier = "{VERIFIER}:verify"
            output_dir = "policy"
            steps = 2
            batch_size = 2
            num_generations = 2
            max_prompt_length = 96
            max_completion_length = 8
            learning_rate = 0.001
            lora = false
            """
        )
    )
    assert main(["train", "--policy", "--config", str(config), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "tiny@grpo-1" in out, out
    assert AutoModelForCausalLM.from_pretrained(tmp_path / "policy" / "grpo-1") is not None
    assert verifier.CALLS
    with SkillLibrary(db) as lib:  # the job announced the new policy to the library
        assert lib.get_meta("policy.version") == "tiny@grpo-1"


@pytest.mark.gpu
@pytest.mark.skipif(GPU_REASON is not None, reason=GPU_REASON or "")
def test_vllm_colocate_generates_on_a_gpu(tmp_path: Path, verifier: ModuleType) -> None:
    # vLLM's attention kernels want a head size of 64 or more: 256 wide / 4 heads.
    model = build_tiny_model(tmp_path / "tiny-gpu", [BOOK, CANCEL, GUIDE], hidden_size=256)
    lib, _ = _library(tmp_path / "lib.db")
    with lib:
        result = train_policy(_config(model, tmp_path / "policy", use_vllm=True, vllm_mode="colocate"), lib)
    assert result["use_vllm"] and result["device"] == "cuda" and result["steps"] == 2
    assert AutoModelForCausalLM.from_pretrained(result["output_dir"]) is not None
