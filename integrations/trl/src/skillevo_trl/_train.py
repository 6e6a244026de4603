"""`train_policy`: GRPO on the library's tasks with the current skills in the prompt (co-evolution)."""

from __future__ import annotations

import importlib.util
import json
import re
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import torch
from datasets import Dataset
from transformers import AutoTokenizer, PreTrainedTokenizerBase, PrinterCallback
from transformers.utils import logging as hf_logging
from trl import GRPOConfig, GRPOTrainer  # type: ignore[attr-defined]  # trl exports them lazily

from skillevo import ConfigError, NotFoundError, PolicyConfig, SkillStore
from skillevo.extend import import_callable
from skillevo.grpo import current_prompts, skill_prompt

from ._reward import SkillIntegratedReward, skill_markers

__all__ = ["POLICY_FILE", "train_policy"]

#: Written beside the weights: the policy version, its base model and what it was trained on.
POLICY_FILE = "skillevo_policy.json"
_RUNS_KEY = "skillevo_trl.grpo_runs"
_RUN_DIR = re.compile(r"^grpo-(\d+)$")


@contextmanager
def _quiet_third_party() -> Iterator[None]:
    # transformers 5 deprecates the `gradient_checkpointing` names TRL 1.16 still uses; the warning is
    # not actionable by a skillevo user, so it is silenced here (and only these messages). Its
    # weight-loading bars would land in the middle of `skillevo train`'s own progress display.
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r".*gradient_checkpointing.*", category=FutureWarning)
            yield
    finally:
        if bars:
            hf_logging.enable_progress_bar()  # type: ignore[no-untyped-call]


def _model_dir(cfg: PolicyConfig) -> Path:
    if not cfg.model:
        raise ConfigError("policy.model: required (the local folder of the model to fine-tune)")
    path = Path(cfg.model).expanduser()
    if not (path / "config.json").is_file():
        raise ConfigError(
            f"policy.model: {path} is not a local model folder (no config.json there); skillevo never "
            "downloads models, save one with save_pretrained first"
        )
    return path


def _check(cfg: PolicyConfig) -> Callable[..., Any]:
    if cfg.verifier is None:
        raise ConfigError(
            "policy.verifier: required: the import path of fn(prompts, completions, **kw) -> list[float]"
        )
    verifier = import_callable(cfg.verifier, what="policy.verifier")
    if cfg.batch_size % cfg.num_generations:
        raise ConfigError(
            f"policy.batch_size ({cfg.batch_size}) must be a multiple of policy.num_generations "
            f"({cfg.num_generations}): each batch holds whole groups of generations"
        )
    if cfg.use_vllm:
        if not torch.cuda.is_available():
            raise ConfigError("policy.use_vllm: needs a CUDA GPU and none is visible; set use_vllm = false on CPU")
        if importlib.util.find_spec("vllm") is None:
            raise ConfigError(
                'policy.use_vllm: vLLM is not installed here: pip install "skillevo-trl[vllm]" '
                "(in a GPU venv of its own; see docs/training.md)"
            )
    return verifier


def _lineage(model_dir: Path) -> str:
    """The name of the model a run starts from: the base of an earlier skillevo policy, else the folder."""
    try:
        meta = json.loads((model_dir / POLICY_FILE).read_text(encoding="utf-8"))
        base = meta.get("base_model")
        if isinstance(base, str) and base:
            return base
    except (OSError, ValueError):
        pass
    return model_dir.resolve().name


def _next_run(store: SkillStore, output_dir: Path) -> int:
    raw = store.get_meta(_RUNS_KEY)
    last = int(raw) if raw and raw.isdigit() else 0
    if output_dir.is_dir():
        for child in output_dir.iterdir():
            m = _RUN_DIR.match(child.name)
            if m:
                last = max(last, int(m.group(1)))
    return last + 1


def _render(tokenizer: PreTrainedTokenizerBase, messages: list[dict[str, str]], conversational: bool) -> str:
    if conversational:
        text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return str(text)
    return "\n\n".join(m["content"] for m in messages) + "\n"


def _fit(row: dict[str, Any], tokenizer: PreTrainedTokenizerBase, limit: int, conversational: bool) -> dict[str, Any]:
    """Make the prompt fit `limit` tokens: drop the lowest-ranked guidance first, then cut the task."""

    def length(messages: list[dict[str, str]]) -> int:
        return len(tokenizer(_render(tokenizer, messages, conversational), add_special_tokens=False)["input_ids"])

    lines = row["guidance"].split("\n") if row["guidance"] else []
    skills, names, task = list(row["skills"]), list(row["skill_names"]), row["task"]
    messages = skill_prompt(task, row["guidance"])
    while length(messages) > limit and skills:
        lines, skills, names = lines[:-1], skills[:-1], names[:-1]
        guidance = "\n".join(lines) if skills else ""
        messages = skill_prompt(task, guidance)
    if length(messages) > limit:
        room = limit - length(skill_prompt("", "\n".join(lines) if skills else ""))
        ids = tokenizer(task, add_special_tokens=False)["input_ids"]
        while room > 0:
            cut = str(tokenizer.decode(ids[:room]))
            messages = skill_prompt(cut, "\n".join(lines) if skills else "")
            if length(messages) <= limit:
                break
            room -= 1
        if room <= 0:
            raise ConfigError(f"policy.max_prompt_length: {limit} tokens cannot hold even the prompt's template")
        task = cut
    guidance = "\n".join(lines) if skills else ""
    prompt: Any = messages if conversational else _render(tokenizer, messages, conversational=False)
    return {"prompt": prompt, "task": task, "guidance": guidance, "skills": skills, "skill_names": names}


def _markers(store: SkillStore, rows: list[dict[str, Any]]) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for vid in {v for row in rows for v in row["skills"]}:
        try:
            version = store.version(vid)
            out[vid] = skill_markers(version.skill, store.skill(version.skill).trigger.tool)
        except NotFoundError:
            continue
    return out


def _floats(values: dict[str, Any]) -> dict[str, float]:
    return {k: float(v) for k, v in values.items() if isinstance(v, int | float) and not isinstance(v, bool)}


def train_policy(cfg: PolicyConfig, store: SkillStore) -> dict[str, Any]:
    """Fine-tune the policy with TRL's `GRPOTrainer` on the library's tasks, skills injected.

    The prompts are the distinct tasks of the stored episodes, each with the guidance of the
    library's *current* incumbents (`skillevo.grpo.current_prompts`); the reward is the verifier
    (``cfg.verifier``) plus SAGE's skill-integrated bonus (`SkillIntegratedReward`). With
    ``cfg.lora`` LoRA adapters are trained through peft and merged into the saved weights, so the
    output folder is a complete model that ``AutoModelForCausalLM.from_pretrained`` (or vLLM) loads.
    With ``cfg.use_vllm`` TRL generates with vLLM in ``cfg.vllm_mode`` (``colocate``: in this
    process; ``server``: a ``trl vllm-serve`` process on localhost:8000).

    Args:
        cfg: the ``[policy]`` section (``output_dir`` already resolved by the caller).
        store: the skill library.

    Returns:
        ``policy_version`` (``"<base model>@grpo-<n>"``), ``output_dir``, ``steps``, ``train_loss``,
        ``reward`` (the last logged mean reward), the skill-reward summary, ``prompts``,
        ``skills_injected``, ``device`` and ``metrics`` (TRL's last log line).

    Raises:
        ConfigError: a setting is missing or invalid, or the library has no task to train on.
    """
    model_dir = _model_dir(cfg)
    verifier = _check(cfg)
    rows = current_prompts(store)
    if not rows:
        raise ConfigError(
            "policy: the library has no episode with a task to train on; run the agent with skillevo first"
        )
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    conversational = bool(getattr(tokenizer, "chat_template", None))
    rows = [_fit(row, tokenizer, cfg.max_prompt_length, conversational) for row in rows]
    reward = SkillIntegratedReward(verifier, _markers(store, rows), cfg.skill_reward_bonus)

    output_root = Path(cfg.output_dir).expanduser()
    n = _next_run(store, output_root)
    base = _lineage(model_dir)
    version = f"{base}@grpo-{n}"
    out = output_root / f"grpo-{n}"
    cuda = torch.cuda.is_available()
    started = time.time()
    with _quiet_third_party():
        args = GRPOConfig(
            output_dir=str(out),
            max_steps=cfg.steps,
            learning_rate=cfg.learning_rate,
            per_device_train_batch_size=cfg.batch_size,
            num_generations=cfg.num_generations,
            max_completion_length=cfg.max_completion_length,
            seed=cfg.seed,
            data_seed=cfg.seed,
            bf16=cuda and torch.cuda.is_bf16_supported(),
            use_cpu=not cuda,
            use_vllm=cfg.use_vllm,
            vllm_mode=cfg.vllm_mode,
            # A server elsewhere than TRL's default (localhost:8000), once [policy] has the field.
            vllm_server_base_url=cfg.vllm_server_url,
            report_to=[],
            logging_steps=1,
            save_strategy="no",
            disable_tqdm=True,
            model_init_kwargs={"local_files_only": True},
        )
        peft_config = None
        if cfg.lora:
            from peft import LoraConfig

            peft_config = LoraConfig(
                r=cfg.lora_r, lora_alpha=2 * cfg.lora_r, target_modules="all-linear", task_type="CAUSAL_LM"
            )
        trainer = GRPOTrainer(
            model=str(model_dir),
            # TRL types reward functions as returning list[float | None]; ours never returns None.
            reward_funcs=cast(Any, reward),
            args=args,
            train_dataset=Dataset.from_list(rows),
            processing_class=tokenizer,
            peft_config=peft_config,
        )
        # The per-step log lines stay in trainer.state.log_history (returned as `metrics`), not on stdout.
        trainer.remove_callback(PrinterCallback)
        output = trainer.train()
        model: Any = trainer.accelerator.unwrap_model(trainer.model)
        if cfg.lora:
            model = model.merge_and_unload()
        model.save_pretrained(str(out))
        tokenizer.save_pretrained(str(out))
    logs = [entry for entry in trainer.state.log_history if "reward" in entry]
    last = _floats(logs[-1]) if logs else {}
    skills = sorted({v for row in rows for v in row["skills"]})
    result: dict[str, Any] = {
        "policy_version": version,
        "base_model": base,
        "parent_model": str(model_dir),
        "output_dir": str(out),
        "steps": int(output.global_step),
        "train_loss": float(output.training_loss),
        "reward": last.get("reward"),
        **reward.summary(),
        "prompts": len(rows),
        "skills_injected": len(skills),
        "lora": cfg.lora,
        "use_vllm": cfg.use_vllm,
        "device": "cuda" if cuda else "cpu",
        "runtime_s": round(time.time() - started, 3),
        "metrics": last,
    }
    (out / POLICY_FILE).write_text(json.dumps({**result, "skills": skills}, indent=2) + "\n", encoding="utf-8")
    store.set_meta(_RUNS_KEY, str(n))
    return result
